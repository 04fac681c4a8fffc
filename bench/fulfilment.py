"""Fulfilment benchmark (R12, R13; issue 6): shipping notices issued per second, and the stock
query over 100,000 stock moves.

Run by hand against PostgreSQL, never in the test suite (bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2c_bench_fulfilment \\
        .venv/bin/python bench/fulfilment.py [--notices 300] [--contracts 6] [--moves 100000]

The database is the benchmark's own: dropped and created again on every run (the script
refuses a name without "bench"), then `migrate` builds the schema and seeds the roles and
approval policies.

(a) Notices issued per second. Six active contracts (each made through the services: order
created, submitted and approved by its chain, contract drafted, submitted and co-signed) of
one customer, with two lines each (a lathe and tooling sets, ×50 and ×100). One warehouse,
stocked by one adjustment per product. Then --notices shipping notices of 2 lines each (1 lathe,
2 tooling sets) on the contracts in turn: created and submitted by the clerk
(`shipping_notice_create` + `shipping_notice_submit`: the R12 quantity check under the
contract's lock, the overdue check, the approval request), approved by the sales manager
(`approval_decide` → `shipping_notice_approved`: overdue and validity again, the
reservation), and, once all are approved, issued by the warehouse one after another in the
same order (`shipping_notice_issue`: two stock rows locked and moved, two stock moves, the
reservation released, a gate pass number from the locked counter, the ledger's `shipped`).
Each step is timed per call; notices/s = notices / wall time of the sequential loop. Without a
broker Celery tasks run inline (the approvers' notification queued on commit runs inside the
timed submit).

(b) The stock query. 200 products × 5 warehouses = 1,000 stock rows; 100,000 stock moves
(100 per product and warehouse: receipts, issues and counted adjustments with a reason, times
spread over the last year, never below zero) written with bulk_create, and every stock row's
`on_hand` set to the sum of its moves (checked in SQL afterwards: 0 mismatches). Timed after
a warm-up, median and p95 of --runs (20) rounds, each round calling every measured call once
(so that the load of the shared machine falls on all alike): `GET /api/v1/stock/?warehouse=`
(first page of 50, and page_size=200: all 200 rows), `GET /api/v1/stock/?product=` (5 rows),
through django.test.Client with a token; the selector + serializer alone (`stock_list` +
`StockSerializer`); the same API call before the moves were loaded (0 moves), with EXPLAIN
ANALYZE of its stock rows query at 0 and at 100,000 moves, to show that the query does not
grow with the history; and, for comparison, summing one warehouse's moves (what a design
without the stock counter would do at request time). Peak Python memory of one call:
tracemalloc around one call, after the timed runs.

The report is printed and written to bench/results/fulfilment.txt.
"""

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/o2c_bench_fulfilment")
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

RESULTS = ROOT / "bench" / "results" / "fulfilment.txt"
BIG_LIMIT = Decimal("900000000000000.00")
LATHE_PER_NOTICE = Decimal("1")
TOOLS_PER_NOTICE = Decimal("2")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def stats(values_ms: list[float]) -> dict:
    return {
        "median": statistics.median(values_ms),
        "p95": p95(values_ms),
        "mean": statistics.fmean(values_ms),
        "n": len(values_ms),
    }


def queries_of(call) -> tuple[int, list[str], object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured), [q["sql"] for q in captured.captured_queries], result


# --- setup through the services ----------------------------------------------------------


def decide_all(document) -> None:
    """Approve the document's pending request step by step, each open step by the bench user
    holding its role (whatever the seeded policy asks)."""
    from django.contrib.auth.models import User

    from approvals.models import ApprovalRequest, RequestStatus
    from approvals.services import approval_decide

    document.refresh_from_db()
    request_id = document.approval_request.pk
    for _ in range(10):
        request = ApprovalRequest.objects.get(pk=request_id)
        if request.status != RequestStatus.PENDING:
            break
        for step in request.steps.filter(status="open"):
            approval_decide(
                actor=User.objects.get(username=f"bench_{step.role}"),
                request_id=request_id,
                approve=True,
            )
    request = ApprovalRequest.objects.get(pk=request_id)
    assert request.status == RequestStatus.APPROVED, (document, request.status)


def setup_contracts(*, contracts: int, per_contract: int) -> dict:
    """One user per role, the catalogue on an approved price list, a customer, `contracts`
    active contracts (lathe × per_contract, tooling × 2·per_contract), a stocked warehouse."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from contracts.models import Contract
    from contracts.services import contract_draft, contract_submit
    from core.roles import Role
    from inventory.services import stock_adjust, warehouse_create
    from sales.models import Customer, Product
    from sales.services.orders import order_create, order_submit
    from sales.services.price_lists import price_list_create, price_list_submit

    users = {}
    for role in Role:
        person = User.objects.create_user(
            f"bench_{role.value}", password="bench-password", email=f"{role.value}@bench.test"
        )
        person.groups.add(Group.objects.get(name=role.value))
        users[role.value] = person
    clerk, keeper = users[Role.SALES_CLERK], users[Role.WAREHOUSE]
    lathe = Product.objects.create(
        code="P-1001", name="数控车床", unit="台", tax_rate=Decimal("0.1300")
    )
    tools = Product.objects.create(
        code="P-2001", name="刀具套装", unit="套", tax_rate=Decimal("0.1300")
    )
    price_list = price_list_create(
        actor=users[Role.SALES_MANAGER],
        name="基准价格表",
        valid_from=timezone.localdate().replace(month=1, day=1),
        items=[
            {"product": lathe, "list_price": "168000.00", "floor_price": "150000.00"},
            {"product": tools, "list_price": "900.00", "floor_price": "800.00"},
        ],
    )
    price_list_submit(actor=users[Role.SALES_MANAGER], price_list_id=price_list.pk)
    decide_all(price_list)
    customer = Customer.objects.create(
        code="C-SHIP",
        name="发货基准客户有限公司",
        owner=clerk,
        credit_limit=BIG_LIMIT,
        credit_days=30,
    )
    active = []
    for _ in range(contracts):
        order = order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=[
                {
                    "product": lathe.pk,
                    "quantity": str(LATHE_PER_NOTICE * per_contract),
                    "unit_price": "160000.00",
                },
                {
                    "product": tools.pk,
                    "quantity": str(TOOLS_PER_NOTICE * per_contract),
                    "unit_price": "880.00",
                },
            ],
            first_payment_ratio=Decimal("0.3000"),
        )
        order_submit(actor=clerk, order_id=order.pk)
        decide_all(order)
        contract = contract_draft(actor=clerk, order_id=order.pk)
        contract_submit(actor=clerk, contract_id=contract.pk)
        decide_all(contract)
        contract = Contract.objects.get(pk=contract.pk)
        assert contract.status == "active", contract.status
        active.append(contract)
    warehouse = warehouse_create(actor=users[Role.GENERAL_MANAGER], code="WH-01", name="成品库")
    needed = contracts * per_contract
    for product, each in ((lathe, LATHE_PER_NOTICE), (tools, TOOLS_PER_NOTICE)):
        stock_adjust(
            actor=keeper,
            product_id=product.pk,
            warehouse_id=warehouse.pk,
            quantity=each * needed,
            reason="期初盘点",
        )
    return {
        "users": users,
        "token": Token.objects.create(user=keeper).key,
        "contracts": active,
        "warehouse": warehouse,
        "lathe": lathe,
        "tools": tools,
    }


# --- (a) notices issued per second -------------------------------------------------------


def notices_throughput(ctx: dict, *, notices: int) -> dict:
    from approvals.services import approval_decide
    from contracts.models import ContractLedger
    from core.roles import Role
    from inventory.models import ShippingNotice, StockLevel
    from inventory.services import (
        shipping_notice_create,
        shipping_notice_issue,
        shipping_notice_submit,
    )

    clerk = ctx["users"][Role.SALES_CLERK]
    manager = ctx["users"][Role.SALES_MANAGER]
    keeper = ctx["users"][Role.WAREHOUSE]
    lines_of = {
        contract.pk: [
            {
                "contract_line": contract.lines.get(product=ctx["lathe"]).pk,
                "quantity": str(LATHE_PER_NOTICE),
            },
            {
                "contract_line": contract.lines.get(product=ctx["tools"]).pk,
                "quantity": str(TOOLS_PER_NOTICE),
            },
        ]
        for contract in ctx["contracts"]
    }
    # One notice more than timed: its issue is run again with the queries captured.
    ids, prepare_ms, approve_ms = [], [], []
    began = time.perf_counter()
    for n in range(notices + 1):
        contract = ctx["contracts"][n % len(ctx["contracts"])]
        t0 = time.perf_counter()
        notice = shipping_notice_create(
            actor=clerk,
            data={
                "contract": contract.pk,
                "warehouse": ctx["warehouse"].pk,
                "lines": lines_of[contract.pk],
            },
        )
        shipping_notice_submit(actor=clerk, notice_id=notice.pk)
        t1 = time.perf_counter()
        request_id = ShippingNotice.objects.get(pk=notice.pk).approval_request.pk
        t2 = time.perf_counter()
        approval_decide(actor=manager, request_id=request_id, approve=True)
        t3 = time.perf_counter()
        if n < notices:
            prepare_ms.append((t1 - t0) * 1000)
            approve_ms.append((t3 - t2) * 1000)
        ids.append(notice.pk)
    prepare_elapsed = time.perf_counter() - began
    spare = ids.pop()
    approved = ShippingNotice.objects.filter(pk__in=ids, status="approved").count()
    assert approved == notices, f"{approved} of {notices} notices approved"

    gc.collect()
    issue_ms = []
    began = time.perf_counter()
    for notice_id in ids:
        t0 = time.perf_counter()
        shipping_notice_issue(actor=keeper, notice_id=notice_id)
        issue_ms.append((time.perf_counter() - t0) * 1000)
    issue_elapsed = time.perf_counter() - began
    issue_queries, issue_sql, _ = queries_of(
        lambda: shipping_notice_issue(actor=keeper, notice_id=spare)
    )

    issued = ShippingNotice.objects.filter(status="issued").exclude(gate_pass_no=None).count()
    assert issued == notices + 1, issued
    levels = {
        level.product_id: level for level in StockLevel.objects.filter(warehouse=ctx["warehouse"])
    }
    assert levels[ctx["lathe"].pk].reserved == 0 and levels[ctx["tools"].pk].reserved == 0
    shipped = sum(ContractLedger.objects.values_list("shipped", flat=True))
    gross = sum(ShippingNotice.objects.values_list("gross_amount", flat=True))
    assert shipped == gross, (shipped, gross)
    return {
        "issue_per_second": notices / issue_elapsed,
        "approve_per_second": notices / sum(approve_ms) * 1000,
        "prepare_per_second": notices / sum(prepare_ms) * 1000,
        "flow_seconds": prepare_elapsed,
        "issue": stats(issue_ms),
        "approve": stats(approve_ms),
        "prepare": stats(prepare_ms),
        "issue_queries": issue_queries,
        "issue_sql": issue_sql,
        "on_hand_left": {
            "lathe": levels[ctx["lathe"].pk].on_hand,
            "tools": levels[ctx["tools"].pk].on_hand,
        },
    }


# --- (b) the stock query over 100,000 moves ----------------------------------------------


def setup_stock_items(*, products: int, warehouses: int) -> dict:
    """`products` products and `warehouses` warehouses, a stock row (0) for each pair."""
    from inventory.models import StockLevel, Warehouse
    from sales.models import Product

    items = Product.objects.bulk_create(
        Product(code=f"B-{n:04d}", name=f"基准物料 {n:04d}", unit="件", tax_rate=Decimal("0.13"))
        for n in range(1, products + 1)
    )
    stores = Warehouse.objects.bulk_create(
        Warehouse(code=f"BW-{n:02d}", name=f"基准仓库 {n:02d}") for n in range(1, warehouses + 1)
    )
    StockLevel.objects.bulk_create(
        StockLevel(product=product, warehouse=store) for store in stores for product in items
    )
    return {"products": items, "warehouses": stores}


def load_moves(*, items: dict, moves: int, actor, seed: int = 11) -> dict:
    """`moves` stock moves spread evenly over the pairs, in time order per pair, never below
    zero; then each stock row's on_hand = the sum of its moves (bulk_update)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from inventory.models import StockLevel, StockMove, StockMoveKind

    rng = random.Random(seed)
    pairs = [(p, w) for w in items["warehouses"] for p in items["products"]]
    per_pair = moves // len(pairs)
    now = timezone.now()
    on_hand = {}
    batch = []
    created_field = StockMove._meta.get_field("created_at")

    def flush():
        with transaction.atomic(), explicit_timestamps(created_field):
            StockMove.objects.bulk_create(batch, batch_size=5_000)
        batch.clear()

    for product, store in pairs:
        level = Decimal("0")
        times = sorted(
            now - timedelta(seconds=rng.uniform(60, 365 * 24 * 3600)) for _ in range(per_pair)
        )
        for n, when in enumerate(times):
            roll = rng.random()
            if n == 0 or roll < 0.40 or level < 2:
                kind, quantity, reason = StockMoveKind.RECEIPT, Decimal(rng.randint(5, 60)), ""
                reference = f"GR-{rng.randint(1, 99999):05d}"
            elif roll < 0.92:
                kind, reason = StockMoveKind.ISSUE, ""
                quantity = -Decimal(rng.randint(1, int(level)))
                reference = f"FH-{rng.randint(1, 99999):05d}"
            else:
                kind, reference = StockMoveKind.ADJUSTMENT, ""
                quantity = Decimal(rng.choice([-1, 1])) * Decimal("0.5")
                reason = "盘点调整"
            level += quantity
            batch.append(
                StockMove(
                    product=product,
                    warehouse=store,
                    kind=kind,
                    quantity=quantity,
                    reason=reason,
                    reference=reference,
                    created_by=actor,
                    created_at=when,
                )
            )
        on_hand[(product.pk, store.pk)] = level
        if len(batch) >= 20_000:
            flush()
    if batch:
        flush()
    rows = list(StockLevel.objects.filter(warehouse__in=items["warehouses"]))
    for row in rows:
        row.on_hand = on_hand[(row.product_id, row.warehouse_id)]
    StockLevel.objects.bulk_update(rows, ["on_hand"], batch_size=1_000)
    with connection.cursor() as cursor:  # the counter agrees with the history, row by row
        cursor.execute(
            """
            SELECT count(*) FROM inventory_stocklevel l
            LEFT JOIN (SELECT product_id, warehouse_id, sum(quantity) AS total
                       FROM inventory_stockmove GROUP BY product_id, warehouse_id) m
              ON m.product_id = l.product_id AND m.warehouse_id = l.warehouse_id
            WHERE l.on_hand <> coalesce(m.total, 0)
            """
        )
        mismatches = cursor.fetchone()[0]
    assert mismatches == 0, f"{mismatches} stock rows disagree with their moves"
    return {"per_pair": per_pair, "mismatches": mismatches}


def stock_calls(ctx: dict, items: dict) -> dict:
    """The calls measured in (b), by label."""
    from django.db.models import Sum
    from django.test import Client

    from inventory import selectors
    from inventory.api.serializers import StockSerializer
    from inventory.models import StockMove

    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {ctx['token']}"}
    store = items["warehouses"][2]
    product = items["products"][len(items["products"]) // 2]
    warehouses, products = len(items["warehouses"]), len(items["products"])

    def api(params: dict, *, rows: int, count: int):
        def call():
            response = client.get("/api/v1/stock/", params, **auth)
            if response.status_code != 200:
                raise RuntimeError(f"GET stock/ {params}: HTTP {response.status_code}")
            body = response.json()
            if body["count"] != count or len(body["results"]) != rows:
                raise RuntimeError(
                    f"GET stock/ {params}: {body['count']} / {len(body['results'])} rows"
                )
            return response

        return call

    def selector_warehouse():
        return StockSerializer(selectors.stock_list(warehouse=store.pk), many=True).data

    def selector_product():
        return StockSerializer(selectors.stock_list(product=product.pk), many=True).data

    def summed_moves():
        return list(
            StockMove.objects.filter(warehouse=store)
            .values("product")
            .annotate(total=Sum("quantity"))
            .order_by("product")
        )

    return {
        "api ?warehouse= (page 1 of 50)": api(
            {"warehouse": store.pk}, rows=min(50, products), count=products
        ),
        "api ?warehouse=&page_size=200": api(
            {"warehouse": store.pk, "page_size": 200}, rows=min(200, products), count=products
        ),
        "api ?product=": api({"product": product.pk}, rows=warehouses, count=warehouses),
        "selector+serializer, warehouse": selector_warehouse,
        "selector+serializer, product": selector_product,
        "for comparison: Σ moves of a warehouse": summed_moves,
    }


def measure_round_robin(calls: dict, *, runs: int, warmup: int) -> dict:
    """Latency of each call over `runs` rounds, each round calling every one once (so that
    the load of a shared machine falls on all alike), after `warmup` rounds; then the queries
    of one more call each, and its peak memory."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        for call in calls.values():
            call()
    times = {label: [] for label in calls}
    for _ in range(runs):
        for label, call in calls.items():
            start = time.perf_counter()
            call()
            times[label].append((time.perf_counter() - start) * 1000)
    figures = {}
    for label, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            call()
        figures[label] = {
            "median": statistics.median(times[label]),
            "p95": p95(times[label]),
            "max": max(times[label]),
            "n": runs,
            "queries": len(captured),
            "sql": [q["sql"] for q in captured.captured_queries],
            "peak": peak_memory(call),
        }
    return figures


def stock_rows_plan(sqls: list[str]) -> dict:
    """EXPLAIN ANALYZE of the stock rows query among a request's queries."""
    sql = next(s for s in sqls if 'FROM "inventory_stocklevel" INNER JOIN' in s)
    return explain(sql, repeat=5)


def peak_memory(call) -> int:
    """Peak bytes Python allocated during one call (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- the report --------------------------------------------------------------------------


def row_counts() -> list[tuple[str, str]]:
    from django.db.models import Count

    from contracts.models import Contract
    from inventory.models import ShippingNotice, StockLevel, StockMove

    kinds = StockMove.objects.values("kind").annotate(n=Count("id")).order_by("kind")
    statuses = ShippingNotice.objects.values("status").annotate(n=Count("id")).order_by("status")
    return [
        ("active contracts", f"{Contract.objects.filter(status='active').count():,}"),
        (
            "shipping notices",
            ", ".join(f"{r['status']} {r['n']:,}" for r in statuses) or "0",
        ),
        ("stock rows", f"{StockLevel.objects.count():,}"),
        (
            "stock moves",
            f"{StockMove.objects.count():,} ("
            + ", ".join(f"{r['kind']} {r['n']:,}" for r in kinds)
            + ")",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=300, help="notices issued, timed")
    parser.add_argument("--contracts", type=int, default=6, help="contracts they are spread on")
    parser.add_argument("--moves", type=int, default=100_000, help="stock moves loaded for (b)")
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--warehouses", type=int, default=5)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per stock query")
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    database = recreate_database(os.environ["DATABASE_URL"])
    say(f"database {database}: created; migrating …")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from core.roles import Role

    assert not settings.DEBUG, "DEBUG must be false for a benchmark"
    call_command("migrate", verbosity=0, interactive=False)

    per_contract = -(-(args.notices + 1) // args.contracts)
    say(f"setup: {args.contracts} active contracts through the services …")
    started = time.perf_counter()
    ctx = setup_contracts(contracts=args.contracts, per_contract=per_contract)
    setup_seconds = time.perf_counter() - started
    gc.collect()
    gc.freeze()

    load_before = os.getloadavg()
    say(f"(a) {args.notices} notices: create + submit, approve, then issue …")
    flow = notices_throughput(ctx, notices=args.notices)

    say(f"(b) {args.products} products × {args.warehouses} warehouses; measuring at 0 moves …")
    items = setup_stock_items(products=args.products, warehouses=args.warehouses)
    vacuum_analyze()
    calls = stock_calls(ctx, items)
    empty_label = "api ?warehouse= (page 1 of 50)"
    empty = measure_round_robin(
        {empty_label: calls[empty_label]}, runs=args.runs, warmup=max(args.warmup, 10)
    )[empty_label]
    empty_plan = stock_rows_plan(empty["sql"])
    say(f"    loading {args.moves:,} stock moves …")
    started = time.perf_counter()
    loaded = load_moves(items=items, moves=args.moves, actor=ctx["users"][Role.WAREHOUSE])
    load_seconds = time.perf_counter() - started
    vacuum_analyze()
    say(f"    loaded in {load_seconds:.1f} s, VACUUM ANALYZE done; measuring …")
    figures = measure_round_robin(calls, runs=args.runs, warmup=args.warmup)
    plan = stock_rows_plan(figures[empty_label]["sql"])
    load_after = os.getloadavg()

    info = machine()
    pg = postgres_facts()
    import django as dj

    lines = [
        "O2C fulfilment benchmark (bench/fulfilment.py)",
        f"date:      {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"command:   DATABASE_URL=postgres://…/{connection.settings_dict['NAME']} "
        f".venv/bin/python bench/fulfilment.py --notices {args.notices} "
        f"--contracts {args.contracts} --moves {args.moves} --products {args.products} "
        f"--warehouses {args.warehouses} --runs {args.runs}",
        f"machine:   nproc {info['cpus']}, RAM {info['ram']}, {info['model'] or '?'}, "
        f"Linux {info['kernel']}; load average (1 min) {load_before[0]:.2f} before the "
        f"timed runs, {load_after[0]:.2f} after (other processes share the machine)",
        f"postgres:  {pg['server_version']} (shared_buffers {pg['shared_buffers']}, "
        f"work_mem {pg['work_mem']}, jit {pg['jit']}), same machine, TCP 127.0.0.1",
        f"software:  Python {platform.python_version()}, Django {dj.get_version()}, "
        f"DEBUG={settings.DEBUG}, Celery tasks inline (no broker), "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}",
        f"data:      {args.contracts} contracts through the services in {setup_seconds:.0f} s; "
        f"{args.moves:,} moves with bulk_create in {load_seconds:.1f} s "
        f"({loaded['per_pair']} per product and warehouse; stock rows = Σ moves, "
        f"{loaded['mismatches']} mismatches), then VACUUM ANALYZE; at the end:",
    ]
    lines += [f"  {name:<24} {value}" for name, value in row_counts()]

    def row(label, figures, extra=""):
        return (
            f"{label:<42} {figures['median']:>8.2f} {figures['p95']:>8.2f} "
            f"{figures.get('mean', figures.get('max', 0)):>8.2f} {figures['n']:>5} {extra:>8}"
        )

    lines += [
        "",
        f"(a) Shipping notices of 2 lines on {args.contracts} contracts, "
        f"{args.notices} one after another, through the services",
        "",
        f"issue (shipping_notice_issue):     {flow['issue_per_second']:.1f} notices/s "
        f"(sequential, wall time), mean {flow['issue']['mean']:.2f} ms per issue",
        f"approve (approval_decide):         {flow['approve_per_second']:.1f} notices/s "
        f"(sum of the timed calls), mean {flow['approve']['mean']:.2f} ms",
        f"create + submit (clerk):           {flow['prepare_per_second']:.1f} notices/s "
        f"(sum of the timed calls), mean {flow['prepare']['mean']:.2f} ms",
        "",
        f"{'':<42} {'median':>8} {'p95':>8} {'mean':>8} {'runs':>5} {'queries':>8}   (ms)",
        row("  issue", flow["issue"], str(flow["issue_queries"])),
        row("  approve", flow["approve"]),
        row("  create + submit", flow["prepare"]),
        "",
        f"left on hand: lathe {flow['on_hand_left']['lathe']}, tooling "
        f"{flow['on_hand_left']['tools']}; reserved 0; ledger shipped = Σ notices' gross",
        "",
        f"(b) GET /api/v1/stock/ with {args.products * args.warehouses:,} stock rows and "
        f"{args.moves:,} stock moves (a warehouse has {args.products} rows, a product "
        f"{args.warehouses})",
        "",
        f"{'':<42} {'median':>8} {'p95':>8} {'max':>8} {'runs':>5} {'queries':>8}   (ms)",
        row(
            "  at 0 moves: " + empty_label.removeprefix("api "),
            empty,
            str(empty["queries"]),
        ),
    ]
    for label, figure in figures.items():
        lines.append(row(f"  {label}", figure, str(figure["queries"])))
    lines += [
        "",
        "peak Python memory of one call (tracemalloc):",
    ]
    lines += [
        f"  {label:<40} {figure['peak'] / 1024:>8.0f} KiB" for label, figure in figures.items()
    ]
    ratio = figures[empty_label]["median"] / empty["median"]
    lines += [
        "",
        f"?warehouse= at {args.moves:,} / 0 moves: ratio of medians {ratio:.3f}; the stock rows "
        f"query itself (EXPLAIN ANALYZE, median of 5) {plan['execution']:.3f} ms vs "
        f"{empty_plan['execution']:.3f} ms: the stock query reads the stock rows, never the "
        "moves (the request times above vary with the shared machine's load)",
        "",
        "Queries of one issue:",
    ]
    lines += [f"  - {summarise(sql)}" for sql in flow["issue_sql"]]
    lines += ["", "Queries of GET /api/v1/stock/?warehouse=:"]
    lines += [f"  - {summarise(sql)}" for sql in figures[empty_label]["sql"]]
    lines += [
        "",
        f"EXPLAIN ANALYZE of its stock rows query at {args.moves:,} moves:",
        plan["text"],
    ]

    report = "\n".join(lines) + "\n"
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    say(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
