"""Month-end reconciliation benchmark (R20; issue 13): the month-end run over 100,000 contracts.

Run by hand against PostgreSQL, never in the test suite (bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2c_bench_reconcile \\
        .venv/bin/python bench/reconcile.py [--contracts 100000] [--customers 5000]

The database is the benchmark's own: dropped and created again on every run (the script
refuses a name without "bench"), then `migrate` builds the schema.

Data (bulk_create; their services are not what is measured): --customers customers, one
order with one line and one signed contract per --contracts (gross 1,130,000.00 = 1,000,000.00
net + 130,000.00 VAT), each contract's ledger, and per contract two journal entries with five
lines: its delivery (Dr 1122 / Cr 6001, Cr 222102; 20–100 % of the gross) and an allocated
receipt (Dr 1002 / Cr 1122; 0–100 % of the delivered). Every 1,000th ledger is off by 0.01 in
`collected`, so the run must find exactly contracts / 1,000 differences. Then VACUUM ANALYZE.

Measured: the whole month-end run for the previous month inline (`month_end_start(send=False)`
then `month_end_execute`, as `manage.py month_end --inline` runs it): wall time, the
reconciliation step's time, contracts per second, the peak RSS of the process before and after
(`ru_maxrss`: memory stays bounded because contracts are read in batches of MONTH_END_BATCH,
each one set-based statement). Then a second run (the idempotent repeat). Target: the
reconciliation of 100,000 contracts ≤ 60 s.

The report is printed and written to bench/results/reconcile.txt.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/o2c_bench_reconcile")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench.inbox import machine, postgres_facts, recreate_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "reconcile.txt"
GROSS, NET, TAX = Decimal("1130000.00"), Decimal("1000000.00"), Decimal("130000.00")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(*, customers: int, contracts: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from contracts.models import Contract, ContractLedger, ContractLine
    from finance.models import Account, JournalEntry, JournalLine
    from sales.models import Customer, Order, OrderLine, PriceList, Product

    started = time.perf_counter()
    User = get_user_model()
    clerk = User.objects.create_user("bench.clerk", password="x")
    clerk.groups.add(Group.objects.get_or_create(name="sales_clerk")[0])
    fin = User.objects.create_user("bench.finance", password="x")
    fin.groups.add(Group.objects.get_or_create(name="finance")[0])
    today = date.today()
    signed = today - timedelta(days=90)
    delivered_on = today.replace(day=1) - timedelta(days=20)
    account = dict(Account.objects.values_list("code", "pk"))
    with transaction.atomic():
        price_list = PriceList.objects.create(
            number="PL-BENCH", name="bench", valid_from=today, created_by=fin
        )
        product = Product.objects.create(code="P-B", name="数控车床", tax_rate=Decimal("0.1300"))
        Customer.objects.bulk_create(
            Customer(code=f"B{n:05d}", name=f"基准客户{n:05d}有限公司", owner=clerk)
            for n in range(customers)
        )
        customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
        Order.objects.bulk_create(
            (
                Order(
                    number=f"SO-B{n:07d}",
                    customer_id=customer_ids[n % customers],
                    price_list=price_list,
                    created_by=clerk,
                    status="contracted",
                )
                for n in range(contracts)
            ),
            batch_size=10000,
        )
        orders = list(Order.objects.order_by("pk").values_list("pk", "customer_id"))
        OrderLine.objects.bulk_create(
            (
                OrderLine(
                    order_id=order_id,
                    product=product,
                    quantity=Decimal("1"),
                    unit_price=NET,
                    tax_rate=Decimal("0.1300"),
                    net=NET,
                    tax=TAX,
                    gross=GROSS,
                )
                for order_id, _customer in orders
            ),
            batch_size=10000,
        )
        order_lines = dict(OrderLine.objects.values_list("order_id", "pk"))
        Contract.objects.bulk_create(
            (
                Contract(
                    number=f"HT-B-{n:07d}",
                    status="active",
                    signed_on=signed,
                    order_id=order_id,
                    customer_id=customer_id,
                    salesperson=clerk,
                    net_amount=NET,
                    tax_amount=TAX,
                    gross_amount=GROSS,
                    created_by=clerk,
                )
                for n, (order_id, customer_id) in enumerate(orders)
            ),
            batch_size=10000,
        )
        rows = list(Contract.objects.order_by("pk").values_list("pk", "order_id", "customer_id"))
        ContractLine.objects.bulk_create(
            (
                ContractLine(
                    contract_id=pk,
                    order_line_id=order_lines[order_id],
                    product=product,
                    quantity=Decimal("1"),
                    unit_price=NET,
                    tax_rate=Decimal("0.1300"),
                    net=NET,
                    tax=TAX,
                    gross=GROSS,
                )
                for pk, order_id, _customer in rows
            ),
            batch_size=10000,
        )
    figures = {}
    for n, (pk, _order, _customer) in enumerate(rows):
        delivered = (GROSS * (20 + n % 81) / 100).quantize(Decimal("0.01"))
        collected = (delivered * (n % 101) / 100).quantize(Decimal("0.01"))
        figures[pk] = (delivered, collected)
    with transaction.atomic():
        ContractLedger.objects.bulk_create(
            (
                ContractLedger(
                    contract_id=pk,
                    contracted=GROSS,
                    delivered=figures[pk][0],
                    collected=figures[pk][1] + (Decimal("0.01") if n % 1000 == 0 else 0),
                    due=figures[pk][0],
                )
                for n, (pk, _order, _customer) in enumerate(rows)
            ),
            batch_size=10000,
        )
    for start in range(0, len(rows), 10000):
        chunk = rows[start : start + 10000]
        with transaction.atomic():
            entries = JournalEntry.objects.bulk_create(
                [
                    JournalEntry(
                        date=day,
                        memo="bench",
                        source_type=kind,
                        source_id=pk,
                        contract_id=pk,
                        customer_id=customer_id,
                        posted_by=fin,
                    )
                    for pk, _order, customer_id in chunk
                    for day, kind in ((delivered_on, "shipping_notice"), (delivered_on, "receipt"))
                ],
                batch_size=10000,
            )
            lines = []
            for index, (pk, _order, customer_id) in enumerate(chunk):
                delivery, receipt = entries[2 * index], entries[2 * index + 1]
                delivered, collected = figures[pk]
                tax = (delivered * TAX / GROSS).quantize(Decimal("0.01"))
                common = {"contract_id": pk, "customer_id": customer_id}
                lines += [
                    JournalLine(
                        entry=delivery, account_id=account["1122"], debit=delivered, **common
                    ),
                    JournalLine(
                        entry=delivery, account_id=account["6001"], credit=delivered - tax, **common
                    ),
                    JournalLine(entry=delivery, account_id=account["222102"], credit=tax, **common),
                ]
                if collected:
                    lines += [
                        JournalLine(
                            entry=receipt, account_id=account["1002"], debit=collected, **common
                        ),
                        JournalLine(
                            entry=receipt, account_id=account["1122"], credit=collected, **common
                        ),
                    ]
            JournalLine.objects.bulk_create(lines, batch_size=10000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT COUNT(*) FROM finance_journalline")
        line_count = cursor.fetchone()[0]
    return {
        "seconds": time.perf_counter() - started,
        "contracts": len(rows),
        "customers": customers,
        "entries": 2 * len(rows),
        "lines": line_count,
        "finance": fin,
    }


def one_run(actor) -> dict:
    from finance.models import Reconciliation
    from finance.services import month_end_execute, month_end_start
    from finance.services.interest import previous_period

    marks: dict = {}

    def progress(fields):
        if fields.get("step") == "reconcile":
            marks["reconcile"] = time.perf_counter()
        if fields.get("step") == "documents":
            marks["documents"] = time.perf_counter()

    started = time.perf_counter()
    run = month_end_start(actor=actor, period=previous_period(), send=False)
    month_end_execute(reconciliation_id=run.pk, token=run.run_token, progress=progress)
    wall = time.perf_counter() - started
    run = Reconciliation.objects.get(pk=run.pk)
    return {
        "wall": wall,
        "reconcile": marks["documents"] - marks["reconcile"],
        "status": run.status,
        "done": run.done,
        "differences": run.difference_count,
        "rss": rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    import django

    if args.measure:  # the runs, in a process of their own: its peak RSS is theirs
        django.setup()
        from django.contrib.auth import get_user_model

        actor = get_user_model().objects.get(username="bench.finance")
        before = rss_mb()
        first, second = one_run(actor), one_run(actor)
        print(json.dumps({"before": before, "first": first, "second": second}))
        return
    name = recreate_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    data = seed(customers=args.customers, contracts=args.contracts)
    measured = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--measure"], check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    before, first, second = measured["before"], measured["first"], measured["second"]

    from django import get_version

    facts, box = postgres_facts(), machine()
    expected = (args.contracts + 999) // 1000
    lines = [
        "O2C month-end reconciliation benchmark (bench/reconcile.py)",
        f"date:      {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"command:   DATABASE_URL=postgres://…/{name} .venv/bin/python bench/reconcile.py "
        f"--contracts {args.contracts} --customers {args.customers}",
        f"machine:   nproc {box['cpus']}, RAM {box['ram']}, {box['model']}, Linux {box['kernel']}",
        f"postgres:  {facts['server_version']} (shared_buffers {facts['shared_buffers']}, "
        f"work_mem {facts['work_mem']}, jit {facts['jit']}), same machine, TCP 127.0.0.1",
        f"software:  Python {platform.python_version()}, Django {get_version()}, "
        f"MONTH_END_BATCH {settings.MONTH_END_BATCH}",
        f"data:      {data['contracts']} contracts, {data['customers']} customers, "
        f"{data['entries']} journal entries, {data['lines']} journal lines; seeded in "
        f"{data['seconds']:.1f} s, then VACUUM ANALYZE",
        "",
        f"{'run':28} {'wall s':>8} {'reconcile s':>12} {'contracts/s':>12} {'diffs':>6} "
        f"{'peak RSS MB':>12}",
        "-" * 84,
    ]
    for label, result in (("first run", first), ("second run (repeat)", second)):
        lines.append(
            f"{label:28} {result['wall']:8.1f} {result['reconcile']:12.1f} "
            f"{result['done'] / result['reconcile']:12.0f} {result['differences']:6d} "
            f"{result['rss']:12.0f}"
        )
    lines += [
        "",
        f"peak RSS of the measuring process: {before:.0f} MB after django.setup(), "
        f"{second['rss']:.0f} MB after both runs",
        f"differences found {first['differences']}, expected {expected} — "
        + ("right" if first["differences"] == expected == second["differences"] else "WRONG"),
        "target: reconciliation of 100,000 contracts ≤ 60 s — "
        + ("met" if first["reconcile"] <= 60 and args.contracts >= 100_000 else "see figures"),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
