"""`manage.py check_invariants`: the books' invariants checked from the rows (issue 16,
core.invariants) — exposure, ledger, journal, receipts, stock, numbers, approvals. One line per
check (ok or N breaks) and each break; exit 0 when all hold, 1 when one breaks. Run after every
load and fault test; the beat runs it nightly (`core.tasks.invariants_check`)."""

import json

from django.core.management.base import BaseCommand, CommandError

from core.invariants import invariant_names, report_lines, run_invariants


class Command(BaseCommand):
    help = "Check the books' invariants; exit 1 with a report when one breaks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="append",
            metavar="NAME",
            help="run only this check (repeatable): " + ", ".join(invariant_names()),
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the result as JSON"
        )
        parser.add_argument(
            "--limit", type=int, default=50, help="breaks shown per check (default 50)"
        )

    def handle(self, *args, check=None, as_json=False, limit=50, **options):
        try:
            results = run_invariants(check)
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from error
        broken = [r for r in results if not r.ok]
        if as_json:
            self.stdout.write(_dumps(results, broken))
        else:
            for line in report_lines(results, limit=limit):
                self.stdout.write(line)
        if broken:
            count = sum(len(r.breaks) for r in broken)
            raise CommandError(
                f"{count} break{'s' if count > 1 else ''} in " + ", ".join(r.name for r in broken),
                returncode=1,
            )


def _dumps(results, broken) -> str:
    return json.dumps(
        {"ok": not broken, "checks": [r.as_dict() for r in results]},
        ensure_ascii=False,
        indent=2,
    )
