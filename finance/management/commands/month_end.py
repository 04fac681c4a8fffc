"""`manage.py month_end --period 2026-11`: the month-end run (R20) as the system — what the
beat task starts on the 1st — with a progress bar. Where a worker consumes the queue the run is
sent to it and followed; `--inline` (or no broker) runs it in this process. A run already
working, or a closed month, is refused with the reason."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.errors import DomainError
from core.system import system_user
from finance.models import Reconciliation, ReconciliationStatus, RunStep
from finance.services import month_end_execute, month_end_start
from finance.services.interest import previous_period


class Command(BaseCommand):
    help = "Run month end for a month (default: the previous month): interest, reconciliation."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM (default: the previous month)")
        parser.add_argument(
            "--inline", action="store_true", help="run here instead of on a Celery worker"
        )

    def handle(self, *args, period=None, inline=False, **options):
        inline = inline or settings.CELERY_TASK_ALWAYS_EAGER
        try:
            run = month_end_start(
                actor=system_user(), period=period or previous_period(), send=not inline
            )
        except DomainError as error:
            reasons = [m for msgs in error.errors.values() for m in msgs]
            raise CommandError(" ".join([error.detail, *reasons])) from error
        bar = tqdm(total=0, unit="contracts", file=self.stderr._out, dynamic_ncols=True)
        try:
            if inline:
                month_end_execute(
                    reconciliation_id=run.pk,
                    token=run.run_token,
                    progress=lambda fields: self._draw(bar, fields),
                )
            run = self._follow(bar, run.pk)
        except DomainError as error:
            raise CommandError(f"{run.period}: the run failed: {error.detail}") from error
        finally:
            bar.close()
        if run.status == ReconciliationStatus.FAILED:
            raise CommandError(f"{run.period}: the run failed: {run.error}")
        self.stdout.write(
            f"{run.period}: {run.get_status_display()} — {run.done} contracts reconciled, "
            f"{run.difference_count} differences, {run.journal_entries} journal entries in the "
            f"month; {run.summary}"
        )

    @staticmethod
    def _draw(bar, fields: dict) -> None:
        if fields.get("total"):
            bar.total = fields["total"]
        if "step" in fields:
            bar.set_description(str(RunStep(fields["step"]).label))
        if "done" in fields:
            bar.update(fields["done"] - bar.n)

    def _follow(self, bar, pk: int) -> Reconciliation:
        """Follow a run on a worker until it has finished (at once for one run here)."""
        while True:
            run = Reconciliation.objects.get(pk=pk)
            self._draw(bar, {"total": run.total, "step": run.step, "done": run.done})
            if run.status != ReconciliationStatus.RUNNING:
                return run
            time.sleep(0.3)
