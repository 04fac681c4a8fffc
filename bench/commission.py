"""Commission benchmark (R19; issue 13): the month's commission slips of 200 salespeople.

Run by hand against PostgreSQL, never in the test suite (bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2c_bench_commission \\
        .venv/bin/python bench/commission.py [--salespeople 200] [--contracts 5] [--months 12]

The database is the benchmark's own: dropped and created again on every run (the script
refuses a name without "bench"), then `migrate` builds the schema.

Data (bulk inserts: the services that write it are not what is measured): --salespeople clerks,
each with --contracts active contracts of their own customer (rate 2.5 %, interest 0.05 % a
day); per contract and month of the last --months months two receipts allocated to it —
the journal entries (Dr 1002 / Cr 1122 with the contract, source "receipt") and the
`Allocation` rows —, and three dues, the first of them 0.00, 20,000.00, 40,000.00 or
60,000.00 more (by contract) and long overdue, so that interest offsets a part of the
commission, all of it on some salespeople, and deficits carry through the months. Then
VACUUM ANALYZE.

Measured, --runs times: `finance.services.commission_slips_prepare` for the previous month as
finance — one durable transaction: the set-based figures of every salesperson with activity
(collections grouped per salesperson, contract and month over the carry window, the interest
of the contracts with dues, the carry chain from the first month with activity), then a draft
slip with its lines per salesperson. Between runs the slips are deleted, so every run creates
all of them. Then the same call again on the slips it made (idempotent: nothing changes).
Reported: median and max of both, the queries of one run, Python's peak allocation during one
run (tracemalloc) and the process's peak RSS. Target: ≤ 10 s for 200 salespeople.

The report is printed and written to bench/results/commission.txt.
"""

import argparse
import gc
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/o2c_bench_commission")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench.inbox import machine, postgres_facts, recreate_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "commission.txt"


def month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def seed(*, salespeople: int, contracts: int, months: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from contracts.models import Contract, ContractDue, ContractLedger
    from finance.models import Account, Allocation, JournalEntry, JournalLine, Receipt
    from sales.models import Customer, Order, PriceList

    started = time.perf_counter()
    User = get_user_model()
    clerks_group = Group.objects.get_or_create(name="sales_clerk")[0]
    finance = User.objects.create_user("bench.finance", password="x")
    finance.groups.add(Group.objects.get_or_create(name="finance")[0])
    gm = User.objects.create_user("bench.gm", password="x")
    today = date.today()
    with transaction.atomic():
        User.objects.bulk_create(User(username=f"bench.sp{n:04d}") for n in range(salespeople))
        people = list(
            User.objects.filter(username__startswith="bench.sp")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        clerks_group.user_set.add(*people)
        price_list = PriceList.objects.create(
            number="PL-BENCH", name="bench", valid_from=today, created_by=gm
        )
        Customer.objects.bulk_create(
            Customer(code=f"B{n:05d}", name=f"基准客户{n:05d}有限公司", owner_id=pk)
            for n, pk in enumerate(people)
        )
        customers = list(Customer.objects.order_by("pk").values_list("pk", "owner_id"))
        Order.objects.bulk_create(
            Order(
                number=f"SO-B{n:07d}",
                customer_id=customer_id,
                price_list=price_list,
                created_by_id=owner_id,
            )
            for n, (customer_id, owner_id) in enumerate(
                c for c in customers for _k in range(contracts)
            )
        )
        orders = list(
            Order.objects.order_by("pk").values_list("pk", "customer_id", "created_by_id")
        )
        Contract.objects.bulk_create(
            (
                Contract(
                    number=f"HT-B-{n:07d}",
                    status="active",
                    signed_on=today - timedelta(days=30 * months + 60),
                    order_id=order_id,
                    customer_id=customer_id,
                    salesperson_id=owner_id,
                    net_amount=Decimal("1000000.00"),
                    tax_amount=Decimal("130000.00"),
                    gross_amount=Decimal("1130000.00"),
                    commission_rate=Decimal("0.0250"),
                    created_by_id=owner_id,
                )
                for n, (order_id, customer_id, owner_id) in enumerate(orders)
            ),
            batch_size=5000,
        )
        rows = list(Contract.objects.order_by("pk").values_list("pk", "customer_id"))
        ContractLedger.objects.bulk_create(ContractLedger(contract_id=pk) for pk, _c in rows)
        # Three dues per contract, the first of them large and long overdue on 3 contracts in 4.
        ContractDue.objects.bulk_create(
            (
                ContractDue(
                    contract_id=pk,
                    delivered_on=month_start(today, months) + timedelta(days=k * 20),
                    due_on=month_start(today, months) + timedelta(days=k * 20 + 30),
                    amount=Decimal(20000 * (n % 4) * (k == 0)) + Decimal("100.00"),
                )
                for n, (pk, _c) in enumerate(rows)
                for k in range(3)
            ),
            batch_size=5000,
        )
        accounts = dict(Account.objects.values_list("code", "pk"))
        receipts, entries, plan = [], [], []
        serial = 0
        for back in range(months, 0, -1):
            first = month_start(today, back)
            for pk, customer_id in rows:
                for k in range(2):
                    serial += 1
                    day = first + timedelta(days=5 + k * 14)
                    amount = Decimal(1000 + (pk * 37 + serial) % 9000) + Decimal("0.50")
                    receipts.append(
                        Receipt(
                            number=f"SK-B{serial:08d}",
                            customer_id=customer_id,
                            amount=amount,
                            allocated=amount,
                            method="bank_transfer",
                            received_on=day,
                            created_by=finance,
                        )
                    )
                    plan.append((pk, customer_id, day, amount))
        Receipt.objects.bulk_create(receipts, batch_size=5000)
        for receipt, (_pk, customer_id, day, _amount) in zip(receipts, plan, strict=True):
            entries.append(
                JournalEntry(
                    date=day,
                    memo=f"Receipt {receipt.number}",
                    customer_id=customer_id,
                    source_type="receipt",
                    source_id=receipt.pk,
                    source_number=receipt.number,
                    posted_by=finance,
                )
            )
        JournalEntry.objects.bulk_create(entries, batch_size=5000)
        JournalLine.objects.bulk_create(
            (
                line
                for entry, (pk, customer_id, _day, amount) in zip(entries, plan, strict=True)
                for line in (
                    JournalLine(
                        entry=entry,
                        account_id=accounts["1002"],
                        debit=amount,
                        customer_id=customer_id,
                    ),
                    JournalLine(
                        entry=entry,
                        account_id=accounts["1122"],
                        credit=amount,
                        contract_id=pk,
                        customer_id=customer_id,
                    ),
                )
            ),
            batch_size=10000,
        )
        Allocation.objects.bulk_create(
            (
                Allocation(
                    receipt=receipt,
                    contract_id=pk,
                    amount=amount,
                    allocated_on=day,
                    created_by=finance,
                )
                for receipt, (pk, _c, day, amount) in zip(receipts, plan, strict=True)
            ),
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "salespeople": salespeople,
        "contracts": len(rows),
        "receipts": len(receipts),
        "journal_lines": 2 * len(entries),
        "finance": finance,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--salespeople", type=int, default=200)
    parser.add_argument("--contracts", type=int, default=5)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    name = recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django import get_version
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from finance.models import CommissionSlip, CommissionSlipLine
    from finance.services import commission_slips_prepare
    from finance.services.interest import previous_period

    call_command("migrate", verbosity=0)
    print("seeding …", flush=True)
    data = seed(salespeople=args.salespeople, contracts=args.contracts, months=args.months)
    finance = data["finance"]
    period = previous_period()

    def clear():
        CommissionSlipLine.objects.all().delete()
        CommissionSlip.history.model.objects.all().delete()
        CommissionSlip.objects.all().delete()

    def prepare():
        return commission_slips_prepare(actor=finance, period=period)

    created, again = [], []
    result = None
    for _run in range(args.runs):
        clear()
        started = time.perf_counter()
        result = prepare()
        created.append(time.perf_counter() - started)
        started = time.perf_counter()
        second = prepare()
        again.append(time.perf_counter() - started)
        assert second["created"] == second["recomputed"] == 0, second
    clear()
    with CaptureQueriesContext(connection) as captured:
        prepare()
    queries = len(captured.captured_queries)
    clear()
    gc.collect()
    tracemalloc.start()
    prepare()
    peak_python = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    slips = CommissionSlip.objects.count()
    total = sum(CommissionSlip.objects.values_list("total", flat=True))
    carried = CommissionSlip.objects.filter(carried_out__gt=0).count()

    facts, box = postgres_facts(), machine()
    median = statistics.median(created)
    lines = [
        "O2C commission benchmark (bench/commission.py)",
        f"date:      {timezone.now():%Y-%m-%d %H:%M %Z}",
        f"command:   DATABASE_URL=postgres://…/{name} .venv/bin/python bench/commission.py "
        f"--salespeople {args.salespeople} --contracts {args.contracts} --months {args.months} "
        f"--runs {args.runs}",
        f"machine:   nproc {box['cpus']}, RAM {box['ram']}, {box['model']}, Linux {box['kernel']}",
        f"postgres:  {facts['server_version']} (shared_buffers {facts['shared_buffers']}, "
        f"work_mem {facts['work_mem']}, jit {facts['jit']}), same machine, TCP 127.0.0.1",
        f"software:  Python {platform.python_version()}, Django {get_version()}",
        f"data:      {data['salespeople']} salespeople, {data['contracts']} contracts, "
        f"{data['receipts']} receipts and allocations over {args.months} months, "
        f"{data['journal_lines']} journal lines; seeded in {data['seconds']:.1f} s, "
        "then VACUUM ANALYZE",
        f"period:    {period}: {result['created']} slips created, Σ total {total}, "
        f"{carried} with a deficit carried to the next month",
        "",
        f"commission_slips_prepare over {args.runs} runs (seconds):",
        f"  creating every slip:     median {median:.2f} · max {max(created):.2f}",
        f"  again (nothing changes): median {statistics.median(again):.2f} · max {max(again):.2f}",
        f"queries of one run: {queries}",
        f"memory: Python peak during one run {peak_python / 2**20:.1f} MiB (tracemalloc); "
        f"process peak RSS {rss_mib:.0f} MiB",
        "",
        f"target: ≤ 10 s for 200 salespeople — {'met' if median <= 10 else 'MISSED'}",
        f"slips checked: {slips}",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    RESULTS.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
