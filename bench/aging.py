"""Aging benchmark (R18; issue 12 item 7): the aging report over 1,000,000 receivable rows.

Run by hand against PostgreSQL, never in the test suite (bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2c_bench_aging \\
        .venv/bin/python bench/aging.py [--dues 1000000] [--contracts 20000] [--customers 2000]

The database is the benchmark's own: dropped and created again on every run (the script
refuses a name without "bench"), then `migrate` builds the schema.

Data: --customers customers (one clerk owns them), --contracts contracts spread evenly over
them (orders and contracts written with bulk_create: their services are not what is measured),
and --dues amounts due (`ContractDue`) written by one INSERT … SELECT over generate_series:
per contract the same number of dues, delivered on days spread over the last 400 days,
due 30 days later, amounts 100.00–10,099.00. One receipt per contract with one allocation
(received within the last 400 days) for 0–100 % of the contract's dues, so the collected
amount cuts the running sum of the dues at every position. Then VACUUM ANALYZE.

Measured, after a warm-up, --runs times (median, p95, max): `finance.selectors.aging_report`
as the general manager (every customer) — the set-based query and the customers' names, two
queries —, the same as the clerk (R23: the visibility subquery), and the per-contract
drill-down of one customer. Then EXPLAIN (ANALYZE, BUFFERS) of the report's SQL as sent.
Target: the report ≤ 2 s.

The report is printed and written to bench/results/aging.txt.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/o2c_bench_aging")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench.inbox import machine, p95, postgres_facts, recreate_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "aging.txt"


def seed(*, customers: int, contracts: int, dues: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from contracts.models import Contract, ContractDue, ContractLedger
    from finance.models import Allocation, Receipt
    from sales.models import Customer, Order, PriceList

    started = time.perf_counter()
    User = get_user_model()
    clerk = User.objects.create_user("bench.clerk", password="x")
    clerk.groups.add(Group.objects.get_or_create(name="sales_clerk")[0])
    gm = User.objects.create_user("bench.gm", password="x")
    gm.groups.add(Group.objects.get_or_create(name="general_manager")[0])
    today = date.today()
    with transaction.atomic():
        price_list = PriceList.objects.create(
            number="PL-BENCH", name="bench", valid_from=today, created_by=gm
        )
        Customer.objects.bulk_create(
            Customer(code=f"B{n:05d}", name=f"基准客户{n:05d}有限公司", owner=clerk)
            for n in range(customers)
        )
        customer_ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
        Order.objects.bulk_create(
            Order(
                number=f"SO-B{n:07d}",
                customer_id=customer_ids[n % customers],
                price_list=price_list,
                created_by=clerk,
            )
            for n in range(contracts)
        )
        orders = list(Order.objects.order_by("pk").values_list("pk", "customer_id"))
        Contract.objects.bulk_create(
            (
                Contract(
                    number=f"HT-B-{n:07d}",
                    status="active",
                    signed_on=today - timedelta(days=400),
                    order_id=order_id,
                    customer_id=customer_id,
                    salesperson=clerk,
                    net_amount=Decimal("1000000.00"),
                    tax_amount=Decimal("130000.00"),
                    gross_amount=Decimal("1130000.00"),
                    created_by=clerk,
                )
                for n, (order_id, customer_id) in enumerate(orders)
            ),
            batch_size=5000,
        )
        contract_ids = list(Contract.objects.order_by("pk").values_list("pk", flat=True))
        ContractLedger.objects.bulk_create(
            (ContractLedger(contract_id=pk) for pk in contract_ids), batch_size=5000
        )
    per_contract = dues // contracts
    with connection.cursor() as cursor:
        # Dues: per contract `per_contract` rows, delivered over the last 400 days.
        cursor.execute(
            f"""
            INSERT INTO {ContractDue._meta.db_table}
                (contract_id, delivered_on, due_on, amount, reference, created_at)
            SELECT c.id,
                   CURRENT_DATE - ((c.id * 7 + g * 13) %% 400)::int,
                   CURRENT_DATE - ((c.id * 7 + g * 13) %% 400)::int + 30,
                   100 + ((c.id * 31 + g * 17) %% 10000),
                   '', now()
            FROM {Contract._meta.db_table} c, generate_series(1, %s) g
            """,
            [per_contract],
        )
        cursor.execute(f"SELECT COUNT(*) FROM {ContractDue._meta.db_table}")
        due_rows = cursor.fetchone()[0]
        cursor.execute(
            f"""SELECT contract_id, SUM(amount) FROM {ContractDue._meta.db_table}
                GROUP BY contract_id ORDER BY contract_id"""
        )
        sums = cursor.fetchall()
    by_contract = dict(Contract.objects.values_list("pk", "customer_id"))
    with transaction.atomic():
        receipts = Receipt.objects.bulk_create(
            (
                Receipt(
                    number=f"SK-B{n:07d}",
                    customer_id=by_contract[contract_id],
                    amount=max(total * Decimal(n % 101) / 100, Decimal("1")).quantize(
                        Decimal("0.01")
                    ),
                    method="bank_transfer",
                    received_on=today - timedelta(days=n % 400),
                    created_by=gm,
                )
                for n, (contract_id, total) in enumerate(sums)
            ),
            batch_size=5000,
        )
        Allocation.objects.bulk_create(
            (
                Allocation(
                    receipt=receipt,
                    contract_id=contract_id,
                    amount=receipt.amount,
                    allocated_on=receipt.received_on,
                    created_by=gm,
                )
                for receipt, (contract_id, _total) in zip(receipts, sums, strict=True)
            ),
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "customers": customers,
        "contracts": len(contract_ids),
        "dues": due_rows,
        "allocations": len(receipts),
        "clerk": clerk,
        "gm": gm,
        "customer": customer_ids[0],
    }


def timed(call, *, runs: int, warmup: int = 2) -> dict:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"median": statistics.median(times), "p95": p95(times), "max": max(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dues", type=int, default=1_000_000)
    parser.add_argument("--contracts", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    name = recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from finance.selectors import aging_customer, aging_report

    call_command("migrate", verbosity=0)
    data = seed(customers=args.customers, contracts=args.contracts, dues=args.dues)
    gm, clerk = data["gm"], data["clerk"]

    report = aging_report(user=gm)
    with CaptureQueriesContext(connection) as captured:
        aging_report(user=gm)
    sql = next(q["sql"] for q in captured.captured_queries if "per_bucket" in q["sql"])
    results = {
        "aging_report(gm): every customer": timed(lambda: aging_report(user=gm), runs=args.runs),
        "aging_report(clerk): R23 subquery": timed(
            lambda: aging_report(user=clerk), runs=args.runs
        ),
        "aging_customer(gm): one customer's contracts": timed(
            lambda: aging_customer(user=gm, customer_id=data["customer"]), runs=args.runs
        ),
    }
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # as the selector runs it
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    from django import get_version

    facts, box = postgres_facts(), machine()
    lines = [
        "O2C aging benchmark (bench/aging.py)",
        f"date:      {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"command:   DATABASE_URL=postgres://…/{name} .venv/bin/python bench/aging.py "
        f"--dues {args.dues} --contracts {args.contracts} --customers {args.customers} "
        f"--runs {args.runs}",
        f"machine:   nproc {box['cpus']}, RAM {box['ram']}, {box['model']}, Linux {box['kernel']}",
        f"postgres:  {facts['server_version']} (shared_buffers {facts['shared_buffers']}, "
        f"work_mem {facts['work_mem']}, jit {facts['jit']}), same machine, TCP 127.0.0.1",
        f"software:  Python {platform.python_version()}, Django {get_version()}",
        f"data:      {data['dues']} dues, {data['contracts']} contracts, {data['customers']} "
        f"customers, {data['allocations']} allocations; seeded in {data['seconds']:.1f} s, then "
        "VACUUM ANALYZE",
        f"report:    {len(report['customers'])} customers, total {report['total']}, buckets "
        + ", ".join(f"{k} {v}" for k, v in report["buckets"].items()),
        "",
        f"Latency in ms over {args.runs} runs after 2 warm-up runs (the selector: SQL + names).",
        "",
        f"{'measurement':48} {'median':>9} {'p95':>9} {'max':>9}",
        "-" * 78,
        *[
            f"{label:48} {r['median']:9.1f} {r['p95']:9.1f} {r['max']:9.1f}"
            for label, r in results.items()
        ],
        "",
        "target: aging_report ≤ 2000 ms — "
        + ("met" if results["aging_report(gm): every customer"]["median"] <= 2000 else "MISSED"),
        "",
        "EXPLAIN (ANALYZE, BUFFERS) of the report's query (jit off, as the selector runs it):",
        plan,
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
