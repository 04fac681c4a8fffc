"""Receipts benchmark (R16; issue 12): a receipt with 3 allocations posted through the
services, median ≤ 30 ms.

Run by hand against PostgreSQL, never in the test suite (bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2c_bench_receipts \\
        .venv/bin/python bench/receipts.py [--receipts 300] [--contracts 6]

The database is the benchmark's own: dropped and created again on every run, migrated, then
--contracts active contracts of one customer made through the services (bench/fulfilment.py's
setup: orders submitted and approved by their chains, contracts co-signed). Timed: --receipts
calls of `finance.services.receipt_create` by the finance user, each for 300.00 with three
allocations of 100.00 to three of the contracts in turn — in one transaction: the customer's
row lock, the receipt and its gapless number, the receipt's journal entry (Dr 1002 / Cr 2203)
with the period's lock row FOR SHARE, and per allocation the R16 checks under the ledger rows'
locks, an allocation row, its journal entry, the ledger's `collected` with its due/overdue
refresh and the exposure (R3). Reported: median, p95 and mean per receipt, receipts/s, and the
queries of one call. The report is printed and written to bench/results/receipts.txt.
"""

import argparse
import gc
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/o2c_bench_receipts")
os.environ.setdefault("DB_CONN_MAX_AGE", "3600")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from bench.fulfilment import queries_of, say, setup_contracts, stats  # noqa: E402
from bench.inbox import machine, postgres_facts, recreate_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "receipts.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=300)
    parser.add_argument("--contracts", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()

    database = recreate_database(os.environ["DATABASE_URL"])
    say(f"database {database}: created; migrating …")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from contracts.models import ContractLedger
    from finance.models import JournalLine
    from finance.services import receipt_create

    assert not settings.DEBUG, "DEBUG must be false for a benchmark"
    call_command("migrate", verbosity=0, interactive=False)
    say(f"setup: {args.contracts} active contracts through the services …")
    ctx = setup_contracts(contracts=args.contracts, per_contract=2)
    finance, contracts = ctx["users"]["finance"], ctx["contracts"]
    customer_id = contracts[0].customer_id
    today = timezone.localdate()

    def one(index: int):
        chosen = [contracts[(index + k) % len(contracts)] for k in range(3)]
        return receipt_create(
            actor=finance,
            customer_id=customer_id,
            amount=Decimal("300.00"),
            method="bank_transfer",
            received_on=today,
            reference=f"B-{index}",
            allocations=[{"contract": c.pk, "amount": Decimal("100.00")} for c in chosen],
        )

    for index in range(args.warmup):
        one(index)
    gc.collect()
    gc.freeze()
    say(f"timing {args.receipts} receipts with 3 allocations each …")
    times = []
    started = time.perf_counter()
    for index in range(args.receipts):
        begin = time.perf_counter()
        one(args.warmup + index)
        times.append((time.perf_counter() - begin) * 1000)
    wall = time.perf_counter() - started
    count, sql, _receipt = queries_of(lambda: one(10**6))
    figures = stats(times)
    collected = sum(
        ContractLedger.objects.filter(contract__in=contracts).values_list("collected", flat=True)
    )
    debits = sum(JournalLine.objects.values_list("debit", flat=True))
    credits = sum(JournalLine.objects.values_list("credit", flat=True))
    lines = [
        "# bench/receipts.py — a receipt with 3 allocations through the services (R16)",
        "command: DATABASE_URL=… .venv/bin/python bench/receipts.py"
        f" --receipts {args.receipts} --contracts {args.contracts}",
        f"machine: {machine()}",
        f"postgres: {postgres_facts()}",
        f"receipts timed: {figures['n']} (after {args.warmup} warm-up)",
        f"per receipt: median {figures['median']:.2f} ms · p95 {figures['p95']:.2f} ms"
        f" · mean {figures['mean']:.2f} ms   (target: median ≤ 30 ms)",
        f"throughput: {args.receipts / wall:.1f} receipts/s sequential",
        f"queries of one receipt with 3 allocations: {count}",
        f"check: collected on the contracts {collected:,.2f}"
        f" = 300.00 × {args.receipts + args.warmup + 1} receipts;"
        f" journal Σ debit {debits:,.2f} = Σ credit {credits:,.2f}",
        "",
        "queries:",
        *(f"  {q[:160]}" for q in sql),
    ]
    report = "\n".join(lines)
    print(report)
    RESULTS.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
