"""Orders benchmark (R3, R4): order entry throughput, and the credit check at 1 k vs 1 M past
orders of one customer.

Run by hand against PostgreSQL, never in the test suite (bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2c_bench_orders \\
        .venv/bin/python bench/orders.py [--runs 200] [--check-runs 60] [--large 1000000]

The database is the benchmark's own: dropped and created again on every run (the script
refuses a name without "bench"), then `migrate` builds the schema and seeds the roles and
approval policies.

(a) Throughput: orders created and submitted one after another by a clerk, 3 lines each, for a
customer whose limit is never reached, through the service layer (`order_create` +
`order_submit`) and through the REST API (`POST /api/v1/orders/`, then
`POST /api/v1/orders/{id}/submit/`, django.test.Client with a token, a fresh Idempotency-Key
per POST as a client sends it). Without a broker Celery tasks run inline: the approvers'
notification that a submit queues on commit runs inside the timed call (it finds no approver
with an email and sends nothing).

(b) The credit check (R3: exposure is a counter, "a credit check costs the same at 1 k or
10 M orders"): two customers, one with 1,000 and one with 1,000,000 past orders (3 lines
each; approved, contracted and cancelled; bulk_create, not timed; the exposure counter set to
what those orders add), then for each a fresh 3-line draft (not timed) and its `order_submit`
timed, the two customers alternating, ≥ 50 runs each; the ratio of the medians must stay
≤ 1.2. `credit_check_passes` is also timed alone, on the row locked as the submit locks it.
The past orders have no approval requests or history rows: neither takes part in a submit.

The report is printed and written to bench/results/orders.txt.
"""

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/o2c_bench_orders")
os.environ.setdefault("DB_CONN_MAX_AGE", "3600")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from bench.inbox import (  # noqa: E402  (after the environment it reads)
    explain,
    explicit_timestamps,
    machine,
    p95,
    postgres_facts,
    recreate_database,
    summarise,
    vacuum_analyze,
)

RESULTS = ROOT / "bench" / "results" / "orders.txt"
RATIO_BUDGET = 1.2
BIG_LIMIT = Decimal("900000000000000.00")
LINES = [  # (product index, quantity, unit price) of every order, past and new
    (0, Decimal("2"), Decimal("160000.00")),
    (1, Decimal("1.5"), Decimal("4333.33")),
    (2, Decimal("10"), Decimal("880.00")),
]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- setup -------------------------------------------------------------------------------


def setup() -> dict:
    """Users, the catalogue and an active price list (made through the services), customers."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from approvals.services import approval_decide
    from core.roles import Role
    from sales.models import Customer, Product
    from sales.services.price_lists import price_list_create, price_list_submit

    def user(name, role):
        person = User.objects.create_user(name, password="bench-password")
        person.groups.add(Group.objects.get(name=str(role)))
        return person

    clerk = user("bench_clerk", Role.SALES_CLERK)
    manager = user("bench_sm", Role.SALES_MANAGER)
    gm = user("bench_gm", Role.GENERAL_MANAGER)
    products = [
        Product.objects.create(
            code="P-1001", name="数控车床", unit="台", tax_rate=Decimal("0.1300")
        ),
        Product.objects.create(
            code="P-3001", name="安装调试服务", unit="次", tax_rate=Decimal("0.0600")
        ),
        Product.objects.create(
            code="P-2001", name="刀具套装", unit="套", tax_rate=Decimal("0.1300")
        ),
    ]
    price_list = price_list_create(
        actor=manager,
        name="基准价格表",
        valid_from=timezone.localdate().replace(month=1, day=1),
        items=[
            {
                "product": products[0],
                "list_price": Decimal("168000.00"),
                "floor_price": Decimal("150000.00"),
            },
            {
                "product": products[1],
                "list_price": Decimal("5000.00"),
                "floor_price": Decimal("4000.00"),
            },
            {
                "product": products[2],
                "list_price": Decimal("900.00"),
                "floor_price": Decimal("800.00"),
            },
        ],
    )
    price_list_submit(actor=manager, price_list_id=price_list.pk)
    price_list.refresh_from_db()
    approval_decide(actor=gm, request_id=price_list.approval_request.pk, approve=True)
    price_list.refresh_from_db()
    assert price_list.status == "active", price_list.status

    def customer(code, name):
        return Customer.objects.create(
            code=code, name=name, owner=clerk, credit_limit=BIG_LIMIT, credit_days=30
        )

    return {
        "clerk": clerk,
        "token": Token.objects.create(user=clerk).key,
        "products": products,
        "price_list": price_list,
        "throughput": customer("C-FLOW", "吞吐量客户有限公司"),
        "small": customer("C-1K", "千单客户有限公司"),
        "large": customer("C-1M", "百万单客户有限公司"),
    }


def load_history(*, customer, count: int, ctx: dict, chunk: int = 20_000, seed: int = 7) -> None:
    """`count` past orders of `customer`, 3 lines each, with bulk_create; then the customer's
    exposure counter = what the approved and contracted ones add (R3)."""
    from django.db import transaction
    from django.utils import timezone

    from core.money import line_amounts
    from sales.models import CreditStatus, Customer, Order, OrderLine, OrderStatus

    rng = random.Random(seed + count)
    now = timezone.now()
    amounts = []
    for index, quantity, price in LINES:
        product = ctx["products"][index]
        net, tax, gross = line_amounts(
            quantity=quantity, unit_price=price, tax_rate=product.tax_rate
        )
        amounts.append((product, quantity, price, product.tax_rate, net, tax, gross))
    net = sum(a[4] for a in amounts)
    tax = sum(a[5] for a in amounts)
    gross = sum(a[6] for a in amounts)
    statuses = (
        [OrderStatus.APPROVED] * 3 + [OrderStatus.CONTRACTED] * 5 + [OrderStatus.CANCELLED] * 2
    )
    exposure = Decimal("0.00")
    created_field = Order._meta.get_field("created_at")
    for start in range(0, count, chunk):
        orders = []
        for n in range(start, min(count, start + chunk)):
            status = rng.choice(statuses)
            adds = gross if status != OrderStatus.CANCELLED else Decimal("0.00")
            exposure += adds
            created = now - timedelta(seconds=rng.uniform(3600, 3 * 365 * 24 * 3600))
            orders.append(
                Order(
                    number=f"H{customer.pk}-{n + 1:08d}",
                    customer=customer,
                    price_list=ctx["price_list"],
                    status=status,
                    credit_status=CreditStatus.PASSED,
                    net_amount=net,
                    tax_amount=tax,
                    gross_amount=gross,
                    exposure_amount=adds,
                    created_by=ctx["clerk"],
                    created_at=created,
                    submitted_at=created + timedelta(hours=1),
                )
            )
        with transaction.atomic(), explicit_timestamps(created_field):
            orders = Order.objects.bulk_create(orders, batch_size=5_000)
            OrderLine.objects.bulk_create(
                (
                    OrderLine(
                        order_id=order.pk,
                        product=product,
                        quantity=quantity,
                        unit_price=price,
                        tax_rate=rate,
                        net=line_net,
                        tax=line_tax,
                        gross=line_gross,
                    )
                    for order in orders
                    for product, quantity, price, rate, line_net, line_tax, line_gross in amounts
                ),
                batch_size=5_000,
            )
        if count >= 100_000 and (start // chunk) % 10 == 9:
            say(f"    {start + chunk:,} / {count:,}")
    Customer.objects.filter(pk=customer.pk).update(exposure=exposure)


# --- measuring ---------------------------------------------------------------------------


def order_lines(ctx: dict) -> list[dict]:
    return [
        {"product": ctx["products"][i].pk, "quantity": str(q), "unit_price": str(p)}
        for i, q, p in LINES
    ]


def stats(values_ms: list[float]) -> dict:
    return {"median": statistics.median(values_ms), "p95": p95(values_ms), "n": len(values_ms)}


def queries_of(call) -> tuple[int, list[str], object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured), [q["sql"] for q in captured.captured_queries], result


def service_throughput(ctx: dict, *, runs: int, warmup: int) -> dict:
    from sales.services.orders import order_create, order_submit

    clerk, customer, lines = ctx["clerk"], ctx["throughput"], order_lines(ctx)

    def create():
        return order_create(actor=clerk, customer_id=customer.pk, lines=lines)

    def submit(order):
        return order_submit(actor=clerk, order_id=order.pk)

    for _ in range(warmup):
        submit(create())
    creates, submits, totals = [], [], []
    began = time.perf_counter()
    for _ in range(runs):
        t0 = time.perf_counter()
        order = create()
        t1 = time.perf_counter()
        submitted = submit(order)
        t2 = time.perf_counter()
        assert submitted.credit_status == "passed", submitted.credit_status
        creates.append((t1 - t0) * 1000)
        submits.append((t2 - t1) * 1000)
        totals.append((t2 - t0) * 1000)
    elapsed = time.perf_counter() - began
    create_queries, create_sql, order = queries_of(create)
    submit_queries, submit_sql, _ = queries_of(lambda: submit(order))
    return {
        "per_second": runs / elapsed,
        "order": stats(totals),
        "create": stats(creates),
        "submit": stats(submits),
        "create_queries": create_queries,
        "submit_queries": submit_queries,
        "create_sql": create_sql,
        "submit_sql": submit_sql,
    }


def api_throughput(ctx: dict, *, runs: int, warmup: int) -> dict:
    """The same through the REST API; raises when the endpoints are not there (yet)."""
    import json

    from django.test import Client
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/orders/")
    except Resolver404 as exc:
        raise RuntimeError("POST /api/v1/orders/ does not exist (no route)") from exc
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {ctx['token']}"}
    body = json.dumps({"customer": ctx["throughput"].pk, "lines": order_lines(ctx)})

    def post(path, data, expected):
        response = client.post(
            path,
            data,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            **auth,
        )
        if response.status_code != expected:
            raise RuntimeError(
                f"POST {path}: HTTP {response.status_code} {response.content[:300]!r}"
            )
        return response.json()

    def create():
        return post("/api/v1/orders/", body, 201)

    def submit(order):
        reply = post(f"/api/v1/orders/{order['id']}/submit/", "{}", 200)
        if reply.get("credit_status") != "passed":
            raise RuntimeError(f"submit answered {reply}")
        return reply

    for _ in range(warmup):
        submit(create())
    creates, submits, totals = [], [], []
    began = time.perf_counter()
    for _ in range(runs):
        t0 = time.perf_counter()
        order = create()
        t1 = time.perf_counter()
        submit(order)
        t2 = time.perf_counter()
        creates.append((t1 - t0) * 1000)
        submits.append((t2 - t1) * 1000)
        totals.append((t2 - t0) * 1000)
    elapsed = time.perf_counter() - began
    create_queries, _sql, order = queries_of(create)
    submit_queries, _sql, _ = queries_of(lambda: submit(order))
    return {
        "per_second": runs / elapsed,
        "order": stats(totals),
        "create": stats(creates),
        "submit": stats(submits),
        "create_queries": create_queries,
        "submit_queries": submit_queries,
    }


def credit_check(ctx: dict, *, runs: int, warmup: int) -> dict:
    """`order_submit` of a fresh 3-line draft for the 1 k and the 1 M customer, alternating;
    then `credit_check_passes` alone on the locked row."""
    from django.db import transaction

    from sales.models import Customer
    from sales.services.orders import credit_check_passes, order_create, order_submit

    clerk, lines = ctx["clerk"], order_lines(ctx)
    who = {"small": ctx["small"], "large": ctx["large"]}
    submit_ms = {name: [] for name in who}
    check_us = {name: [] for name in who}
    lock_check_ms = {name: [] for name in who}

    def draft(name):
        return order_create(actor=clerk, customer_id=who[name].pk, lines=lines)

    for run in range(warmup + runs):
        # Alternate which one goes first, so neither always follows the other's commit.
        for name in ("small", "large") if run % 2 == 0 else ("large", "small"):
            order = draft(name)
            t0 = time.perf_counter()
            submitted = order_submit(actor=clerk, order_id=order.pk)
            t1 = time.perf_counter()
            assert submitted.credit_status == "passed", submitted.credit_status
            with transaction.atomic():
                t2 = time.perf_counter()
                customer = Customer.objects.select_for_update().get(pk=who[name].pk)
                t3 = time.perf_counter()
                passes = credit_check_passes(customer=customer, amount=order.gross_amount)
                t4 = time.perf_counter()
            assert passes
            if run >= warmup:
                submit_ms[name].append((t1 - t0) * 1000)
                lock_check_ms[name].append((t4 - t2) * 1000)
                check_us[name].append((t4 - t3) * 1_000_000)

    counted = {}
    for name in who:
        order = draft(name)
        counted[name] = queries_of(lambda order=order: order_submit(actor=clerk, order_id=order.pk))
    return {
        "submit": {name: stats(values) for name, values in submit_ms.items()},
        "lock_check": {name: stats(values) for name, values in lock_check_ms.items()},
        "check_us": {name: stats(values) for name, values in check_us.items()},
        "queries": {name: counted[name][0] for name in who},
        "sql": {name: counted[name][1] for name in who},
    }


def explain_selects(sqls: list[str]) -> list[tuple[float, str]]:
    """EXPLAIN ANALYZE of each plain SELECT a submit sent (writes and locks left out), slowest
    first."""
    timed = []
    for sql in sqls:
        flat = " ".join(sql.split())
        if not flat.startswith("SELECT") or "FOR UPDATE" in flat or "SAVEPOINT" in flat:
            continue
        try:
            plan = explain(sql, repeat=3)
        except Exception as exc:  # a query that can't be replayed outside its transaction
            timed.append((-1.0, f"{summarise(flat)} — not explained: {exc}"))
            continue
        timed.append((plan["execution"], f"{summarise(flat)}\n{plan['text']}"))
    return sorted(timed, key=lambda item: item[0], reverse=True)


# --- the report --------------------------------------------------------------------------


def row_counts() -> list[tuple[str, str]]:
    from django.db.models import Count

    from approvals.models import ApprovalRequest
    from sales.models import Customer, Order, OrderLine

    per_customer = []
    for customer in Customer.objects.order_by("pk"):
        by_status = (
            Order.objects.filter(customer=customer)
            .values("status")
            .annotate(n=Count("id"))
            .order_by("status")
        )
        per_customer.append(
            (
                f"orders of {customer.code}",
                ", ".join(f"{row['status']} {row['n']:,}" for row in by_status) or "0",
            )
        )
    return [
        ("orders", f"{Order.objects.count():,}"),
        *per_customer,
        ("order lines", f"{OrderLine.objects.count():,}"),
        ("order history rows", f"{Order.history.count():,}"),
        ("approval requests", f"{ApprovalRequest.objects.count():,}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="orders timed for throughput")
    parser.add_argument("--check-runs", type=int, default=60, help="submits timed per customer")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--small", type=int, default=1_000, help="past orders, small customer")
    parser.add_argument("--large", type=int, default=1_000_000, help="past orders, large one")
    args = parser.parse_args()
    if args.check_runs < 50:
        sys.exit("--check-runs must be at least 50")

    database = recreate_database(os.environ["DATABASE_URL"])
    say(f"database {database}: created; migrating …")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    assert not settings.DEBUG, "DEBUG must be false for a benchmark"
    call_command("migrate", verbosity=0, interactive=False)

    ctx = setup()
    say(f"loading {args.small:,} + {args.large:,} past orders (3 lines each) …")
    started = time.perf_counter()
    load_history(customer=ctx["small"], count=args.small, ctx=ctx)
    load_history(customer=ctx["large"], count=args.large, ctx=ctx)
    load_seconds = time.perf_counter() - started
    vacuum_analyze()
    say(f"loaded in {load_seconds:.0f} s; VACUUM ANALYZE done")
    gc.collect()
    gc.freeze()  # what setup left behind is not scanned by the timed runs' collections

    load_before = os.getloadavg()
    say(f"(a) service layer: {args.runs} orders …")
    service = service_throughput(ctx, runs=args.runs, warmup=args.warmup)
    say(f"(a) REST API: {args.runs} orders …")
    try:
        api = api_throughput(ctx, runs=args.runs, warmup=args.warmup)
        api_note = ""
    except Exception as exc:  # the order API is someone else's work in progress
        api, api_note = None, f"{type(exc).__name__}: {exc}"
        say(f"  API skipped: {api_note}")
    say(f"(b) credit check: {args.check_runs} submits per customer …")
    check = credit_check(ctx, runs=args.check_runs, warmup=args.warmup)
    ratio = check["submit"]["large"]["median"] / check["submit"]["small"]["median"]
    lock_ratio = check["lock_check"]["large"]["median"] / check["lock_check"]["small"]["median"]
    say("  EXPLAIN ANALYZE of the 1 M customer's submit …")
    plans = explain_selects(check["sql"]["large"])

    load_after = os.getloadavg()
    info = machine()
    pg = postgres_facts()
    import django as dj

    lines = [
        "O2C orders benchmark (bench/orders.py)",
        f"date:      {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"command:   DATABASE_URL=postgres://…/{connection.settings_dict['NAME']} "
        f".venv/bin/python bench/orders.py --runs {args.runs} --check-runs {args.check_runs} "
        f"--small {args.small} --large {args.large}",
        f"machine:   nproc {info['cpus']}, RAM {info['ram']}, {info['model'] or '?'}, "
        f"Linux {info['kernel']}; load average (1 min) {load_before[0]:.2f} before the "
        f"timed runs, {load_after[0]:.2f} after (other processes share the machine)",
        f"postgres:  {pg['server_version']} (shared_buffers {pg['shared_buffers']}, "
        f"work_mem {pg['work_mem']}, jit {pg['jit']}), same machine, TCP 127.0.0.1",
        f"software:  Python {platform.python_version()}, Django {dj.get_version()}, "
        f"DEBUG={settings.DEBUG}, Celery tasks inline (no broker), "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}",
        f"data:      past orders loaded with bulk_create in {load_seconds:.0f} s, "
        "then VACUUM ANALYZE; row counts at the end of the run:",
    ]
    lines += [f"  {name:<24} {value}" for name, value in row_counts()]

    def row(label, figures, queries=""):
        return (
            f"{label:<44} {figures['median']:>9.2f} {figures['p95']:>9.2f} "
            f"{figures['n']:>5} {queries:>8}"
        )

    header = f"{'':<44} {'median':>9} {'p95':>9} {'runs':>5} {'queries':>8}"
    lines += ["", "(a) Throughput, one clerk, orders of 3 lines created then submitted", ""]
    for label, figures in (("service layer", service), ("REST API", api)):
        if figures is None:
            lines.append(f"{label}: not measured — {api_note}")
            continue
        lines += [
            f"{label}: {figures['per_second']:.1f} orders/s (create + submit, sequential)",
            header + "   (ms)",
            row("  per order (create + submit)", figures["order"]),
            row("  create", figures["create"], str(figures["create_queries"])),
            row("  submit", figures["submit"], str(figures["submit_queries"])),
            "",
        ]
    verdict = "within" if ratio <= RATIO_BUDGET else "OVER"
    lines += [
        f"(b) Credit check: {args.small:,} vs {args.large:,} past orders of the customer",
        "",
        header + "   (ms)",
        row(
            f"  order_submit, {args.small:,} past orders",
            check["submit"]["small"],
            str(check["queries"]["small"]),
        ),
        row(
            f"  order_submit, {args.large:,} past orders",
            check["submit"]["large"],
            str(check["queries"]["large"]),
        ),
        row(f"  lock row + credit_check_passes, {args.small:,}", check["lock_check"]["small"]),
        row(f"  lock row + credit_check_passes, {args.large:,}", check["lock_check"]["large"]),
        "",
        header.replace("queries", "       ") + "   (µs)",
        row(f"  credit_check_passes alone, {args.small:,}", check["check_us"]["small"]),
        row(f"  credit_check_passes alone, {args.large:,}", check["check_us"]["large"]),
        "",
        f"ratio of medians, order_submit {args.large:,} / {args.small:,}: {ratio:.3f} "
        f"({verdict} the {RATIO_BUDGET} budget); lock + check: {lock_ratio:.3f}",
        "",
        f"Queries of one submit ({args.large:,} past orders):",
    ]
    lines += [f"  - {summarise(sql)}" for sql in check["sql"]["large"]]
    lines += ["", "Queries of one create (service layer):"]
    lines += [f"  - {summarise(sql)}" for sql in service["create_sql"]]
    lines += [
        "",
        "EXPLAIN ANALYZE of the plain SELECTs of that submit, slowest first (top 4):",
    ]
    for execution, text in plans[:4]:
        lines += ["", f"--- {execution:.3f} ms: {text}"]

    report = "\n".join(lines) + "\n"
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    say(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
