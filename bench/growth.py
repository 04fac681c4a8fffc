"""Growth benchmark (issue 14 items 1 and 5): what a user waits for at 10 k, 100 k and 1 M orders.

Run by hand against PostgreSQL, never in the test suite (bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2c_bench_growth \\
        .venv/bin/python -m bench.growth [--sizes 10000,100000,1000000] [--runs 30]

or from the orchestrator: `from bench import growth; figures = growth.run(sizes=…, runs=…)`.

The database is the benchmark's own: dropped and created again (the name must contain
"bench"), `migrate` builds the schema, the roles and approval policies; users, the catalogue
and an active price list are made through the services (bench/orders.py's `setup`).

Seeding (not timed as part of the figures; its own time is printed per level): the database
grows cumulatively to each size, each level adding orders n = previous+1 … size with set-based
INSERT … SELECT over generate_series, server-side (no row crosses the wire), every row with an
explicit id derived from n (order n, its contract n, notice n, receipt n…), so the statements
need no id round-trip; the id sequences are then moved past 10^10 so that what the services
create while measuring never collides with the next level. Per order n:

- customer: 1 per 100 orders (100, 1 000, 10 000); every 5th order belongs to one "hot"
  customer (20 % of the history); the others are spread over all customers;
- 3 lines (the same three products and prices as bench/orders.py);
- entered n × 400 s ago: each level adds older history (1 M orders ≈ 12.7 years at ~216 a
  day). An order is delivered ~10 days after entry and due 30 days later, so the open work of
  the newest ~40 days is ~8,640 orders — inside the smallest level — and the open work
  (recent orders, undelivered or unpaid contracts, the 200 newest orders `submitted` and
  pending at the sales manager) is the same at every level and only the history grows
  — "year five", as the issue puts it;
- status: the 200 newest `submitted`, else by n mod 20: 10 % draft, 5 % cancelled, 10 %
  approved, 75 % contracted;
- approval requests with their steps and decisions: the order's (sales manager, general
  manager), the contract's (sales head, finance) and the shipping notice's (sales manager);
- a contract (active; `completed` once delivered, invoiced and collected in full, as the
  month-end run marks it) with its 3 lines and its ledger;
- when the order is older than ~10 days: a delivered shipping notice (3 lines; its history
  rows issued → delivered, which the ledger page reads), the amount due 30 days after
  delivery, an issued invoice (and its history row), the delivery's journal entry (3 lines);
- collection: the hot customer pays everything that has fallen due (so it passes the credit
  check); the others pay in full except every 10th (half) and 10th+1 (nothing): overdue
  amounts for the aging report. A receipt with one allocation and its journal entry (2 lines);
- counters kept as the services keep them: the ledger's figures, the order's exposure
  (gross − collected while it counts, R3) and the customer's exposure = Σ of its orders';
  the receipt's `allocated`.

Then VACUUM ANALYZE. History rows of orders, customers and contracts are not written (the
measured reads do not read them).

Measured at each level, after warm-up (median and p95 in ms over --runs runs; queries per call
by CaptureQueriesContext on separate calls). The per-document figures are measured in
--rounds rounds (3), each round taking every figure in turn, and each figure keeps its round
with the lowest median: a burst of other work on this 2-core machine spoils one round of a
figure, not the figure (the best of repeated medians, as timeit takes the best of repeats):

- per-document: `credit_check_passes` on the hot customer's locked row; `order_submit` of a
  fresh 3-line draft of the hot customer; the sales manager's inbox (GET /approvals/ and GET
  /api/v1/approvals/?mine=pending); one contract's pages (GET /contracts/{id}/,
  /contracts/{id}/ledger/, /api/v1/contracts/{id}/ledger/) — the same contract at every level;
  the first page of every API list (orders, contracts, shipping notices, receipts, invoices,
  customers, approvals; default page size), as the general manager (sees everything, R23);
  ratio = median at the largest size / at the smallest, target ≤ 1.2;
- reports: `aging_report` (what GET /api/v1/reports/aging/ returns) and `trial_balance` of the
  previous month: ms per 1 000 orders (linear growth) and the query count (constant).

The table is printed; `main()` also writes it to bench/results/growth.txt.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/o2c_bench_growth")
os.environ.setdefault("DB_CONN_MAX_AGE", "3600")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from bench.inbox import machine, p95, postgres_facts, recreate_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "growth.txt"
RATIO_BUDGET = 1.2
SIZES = (10_000, 100_000, 1_000_000)
PENDING = 200  # the newest orders, submitted: the sales manager's inbox at every level
SPACING_SECONDS = 400  # order n was entered n × 400 s ago: 1 M orders ≈ 12.7 years; the
# ~40-day pipeline (≈ 8,640 orders) fits in the smallest level, so the open work is the same at all
ROUNDS = 3  # rounds of the per-document figures at each level; the best median is kept
HOT = 1001  # the hot customer's id; customer c (1-based) has id 1000 + c
SEQUENCE_FLOOR = 10_000_000_000  # service-made rows get ids above every seeded one
from bench.orders import LINES  # noqa: E402  (product index, quantity, unit price): the same order


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- seeding -----------------------------------------------------------------------------


def setup() -> dict:
    """Users (clerk, sales manager, GM through bench/orders.py; sales head, finance, a
    warehouse), the catalogue and the active price list; tokens for the API."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from bench.orders import setup as orders_setup
    from core.roles import Role
    from inventory.models import Warehouse

    ctx = orders_setup()
    for key, name, role in (
        ("head", "bench_head", Role.SALES_HEAD),
        ("finance", "bench_finance", Role.FINANCE),
    ):
        ctx[key] = User.objects.create_user(name, password="bench-password")
        ctx[key].groups.add(Group.objects.get(name=str(role)))
    ctx["manager"] = User.objects.get(username="bench_sm")
    ctx["gm"] = User.objects.get(username="bench_gm")
    ctx["gm_token"] = Token.objects.create(user=ctx["gm"]).key
    ctx["sm_token"] = Token.objects.create(user=ctx["manager"]).key
    ctx["warehouse"] = Warehouse.objects.create(code="WH-G", name="基准成品库")
    from core.money import line_amounts

    amounts = []
    for index, quantity, price in LINES:
        product = ctx["products"][index]
        net, tax, gross = line_amounts(
            quantity=quantity, unit_price=price, tax_rate=product.tax_rate
        )
        amounts.append((product.pk, quantity, price, product.tax_rate, net, tax, gross))
    ctx["amounts"] = amounts
    ctx["net"] = sum(a[4] for a in amounts)
    ctx["tax"] = sum(a[5] for a in amounts)
    ctx["gross"] = sum(a[6] for a in amounts)
    return ctx


def _defaults(model, given: set[str]) -> tuple[list[str], list]:
    """Columns of `model` not in `given` that are NOT NULL, with the model's default (or ''
    for a blank text field): what Django would write and the database has no default for."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if column in given or field.null or field.primary_key:
            continue
        if field.has_default():
            value = field.get_default()
        elif field.get_internal_type() in ("CharField", "TextField", "FileField"):
            value = ""
        else:
            continue
        if hasattr(value, "pk"):
            value = value.pk
        columns.append(column)
        values.append(value)
    return columns, values


def _insert(cursor, model, select: dict[str, str], source: str, params: list | None = None):
    """INSERT INTO model's table (columns of `select` + defaults) SELECT … FROM `source`."""
    table = model if isinstance(model, str) else model._meta.db_table
    extra_columns, extra_values = (
        ([], []) if isinstance(model, str) else _defaults(model, set(select))
    )
    columns = list(select) + extra_columns
    expressions = list(select.values()) + ["%s"] * len(extra_values)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM {source}"
    )
    cursor.execute(sql, [*extra_values, *(params or [])])
    return cursor.rowcount


def _history(cursor, model, *, where: str, status: str, when: str, user: int) -> int:
    """One historical row (django-simple-history's table) per row of `model` matching
    `where`, as if it had been saved in `status` at `when` by `user`."""
    hist = model.history.model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields]
    select = {c: ("%s" if c == "status" else f"t.{c}") for c in columns}
    select.update(
        {
            "history_date": when,
            "history_type": "'~'",
            "history_user_id": str(int(user)),
            "history_change_reason": "NULL",
        }
    )
    sql = (
        f"INSERT INTO {hist} ({', '.join(select)}) SELECT {', '.join(select.values())} "
        f"FROM {model._meta.db_table} t WHERE {where}"
    )
    cursor.execute(sql, [status])
    return cursor.rowcount


def seed_level(ctx: dict, *, start: int, end: int, progress: bool = True) -> dict:
    """Orders start+1 … end and everything that follows them (module docstring)."""
    from django.db import connection, transaction

    from approvals.models import ApprovalRequest, Decision, RequestStep
    from contracts.models import Contract, ContractDue, ContractLedger, ContractLine
    from finance.models import (
        Account,
        Allocation,
        Invoice,
        JournalEntry,
        JournalLine,
        Receipt,
    )
    from inventory.models import ShippingNotice, ShippingNoticeLine
    from sales.models import Customer, Order, OrderLine

    customers_before, customers = max(start // 100, 0), max(end // 100, 2)
    gross, net, tax = ctx["gross"], ctx["net"], ctx["tax"]
    clerk, manager, gm = ctx["clerk"].pk, ctx["manager"].pk, ctx["gm"].pk
    head, fin = ctx["head"].pk, ctx["finance"].pk
    account = dict(Account.objects.values_list("code", "pk"))
    rows: dict[str, int] = {}
    G = f"{gross}::numeric"
    TODAY = f"'{ctx['today'].isoformat()}'::date"  # the local day, as the selectors see it

    steps = []

    def step(name):
        def wrap(fn):
            steps.append((name, fn))
            return fn

        return wrap

    @step("customers")
    def _(cur):
        return _insert(
            cur,
            Customer,
            {
                "id": "1000 + c",
                "code": "'G' || lpad(c::text, 6, '0')",
                "name": "'增长客户' || lpad(c::text, 6, '0') || '有限公司'",
                "owner_id": str(clerk),
                "credit_limit": "900000000000000.00",
                "credit_days": "30",
                "risk_level": "'low'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "generate_series(%s, %s) c",
            [customers_before + 1, customers],
        )

    @step("work table")
    def _(cur):
        # One row per new order with what every later statement derives from n.
        cur.execute("DROP TABLE IF EXISTS growth_n")
        cur.execute(
            f"""
            CREATE UNLOGGED TABLE growth_n AS
            WITH base AS (
              SELECT n,
                CASE WHEN mod(n, 5) = 0 THEN {HOT}
                     ELSE 1002 + mod(n::bigint * 7919, %(others)s) END AS customer_id,
                now() - make_interval(secs => n * {SPACING_SECONDS}) AS created,
                CASE WHEN n <= {PENDING} THEN 'submitted'
                     WHEN mod(n, 20) IN (1, 2) THEN 'draft'
                     WHEN mod(n, 20) = 3 THEN 'cancelled'
                     WHEN mod(n, 20) IN (4, 6) THEN 'approved'
                     ELSE 'contracted' END AS status
              FROM generate_series(%(start)s + 1, %(end)s) n
            ), dated AS (
              SELECT b.*,
                CASE WHEN b.status = 'contracted'
                      AND (b.created + interval '10 days')::date < {TODAY}
                     THEN (b.created + interval '10 days')::date END AS delivered_on
              FROM base b
            )
            SELECT d.*,
              CASE WHEN d.delivered_on IS NULL THEN 0::numeric
                   WHEN d.customer_id = {HOT} THEN
                     CASE WHEN d.delivered_on + 27 < {TODAY} THEN {G} ELSE 0 END
                   WHEN mod(d.n, 10) = 7 THEN round({G} / 2, 2)
                   WHEN mod(d.n, 10) = 9 THEN 0
                   ELSE {G} END AS collected
            FROM dated d
            """,
            {"others": customers - 1, "start": start, "end": end},
        )
        cur.execute("ALTER TABLE growth_n ADD PRIMARY KEY (n)")
        cur.execute("ANALYZE growth_n")
        return end - start

    @step("orders")
    def _(cur):
        return _insert(
            cur,
            Order,
            {
                "id": "n",
                "number": "'SO-G' || lpad(n::text, 9, '0')",
                "customer_id": "customer_id",
                "price_list_id": str(ctx["price_list"].pk),
                "status": "status",
                "credit_status": "CASE WHEN status IN ('draft', 'cancelled') THEN 'unchecked'"
                " ELSE 'passed' END",
                "net_amount": str(net),
                "tax_amount": str(tax),
                "gross_amount": str(gross),
                "exposure_amount": f"CASE WHEN status IN ('submitted', 'approved') THEN {G}"
                f" WHEN status = 'contracted' THEN {G} - collected ELSE 0 END",
                "created_by_id": str(clerk),
                "created_at": "created",
                "submitted_at": "CASE WHEN status IN ('draft', 'cancelled') THEN NULL"
                " ELSE created + interval '1 hour' END",
            },
            "growth_n",
        )

    @step("order lines")
    def _(cur):
        values = ", ".join(
            f"({k}, {pid}, {q}, {p}, {r}, {ln}, {lt}, {lg})"
            for k, (pid, q, p, r, ln, lt, lg) in enumerate(ctx["amounts"])
        )
        return _insert(
            cur,
            OrderLine,
            {
                "id": "3 * n - 2 + k",
                "order_id": "n",
                "product_id": "pid",
                "quantity": "q",
                "unit_price": "p",
                "tax_rate": "r",
                "net": "ln",
                "tax": "lt",
                "gross": "lg",
            },
            f"growth_n, (VALUES {values}) AS l(k, pid, q, p, r, ln, lt, lg)",
        )

    @step("order approvals")
    def _(cur):
        count = _insert(
            cur,
            ApprovalRequest,
            {
                "id": "1000 + 3 * n - 2",
                "document_type": "'order'",
                "document_id": "n",
                "document_number": "'SO-G' || lpad(n::text, 9, '0')",
                "status": "CASE WHEN status = 'submitted' THEN 'pending' ELSE 'approved' END",
                "requested_by_id": str(clerk),
                "amount": str(gross),
                "customer_id": "g.customer_id",
                "customer_name": "c.name",
                "on_hold": "false",
                "current_sequence": "CASE WHEN status = 'submitted' THEN 1 END",
                "created_at": "created + interval '1 hour'",
                "closed_at": "CASE WHEN status = 'submitted' THEN NULL"
                " ELSE created + interval '1 day' END",
            },
            "growth_n g JOIN sales_customer c ON c.id = g.customer_id"
            " WHERE status IN ('submitted', 'approved', 'contracted')",
        )
        _insert(
            cur,
            RequestStep,
            {
                "id": "1000 + 10 * n + s",
                "request_id": "1000 + 3 * n - 2",
                "sequence": "seq",
                "role": "role",
                "status": "CASE WHEN status <> 'submitted' THEN 'approved'"
                " WHEN s = 1 THEN 'open' ELSE 'waiting' END",
            },
            "growth_n, (VALUES (1, 1, 'sales_manager'), (2, 3, 'general_manager'))"
            " AS x(s, seq, role) WHERE status IN ('submitted', 'approved', 'contracted')",
        )
        _insert(
            cur,
            Decision,
            {
                "id": "1000 + 10 * n + s",
                "request_id": "1000 + 3 * n - 2",
                "step_id": "1000 + 10 * n + s",
                "user_id": "who",
                "role": "role",
                "decision": "'approved'",
                "ip_address": "'10.0.0.8'",
                "decided_at": "created + interval '1 hour' + s * interval '4 hours'",
            },
            f"growth_n, (VALUES (1, {manager}, 'sales_manager'), (2, {gm}, 'general_manager'))"
            " AS x(s, who, role) WHERE status IN ('approved', 'contracted')",
        )
        return count

    contracted = "growth_n WHERE status = 'contracted'"
    delivered = "growth_n WHERE delivered_on IS NOT NULL"

    @step("contracts")
    def _(cur):
        count = _insert(
            cur,
            Contract,
            {
                "id": "n",
                "number": "'HT-G' || lpad(n::text, 9, '0')",
                "status": f"CASE WHEN delivered_on IS NOT NULL AND collected = {G}"
                " THEN 'completed' ELSE 'active' END",
                "net_amount": str(net),
                "tax_amount": str(tax),
                "gross_amount": str(gross),
                "credit_days": "30",
                "created_at": "created + interval '1 day'",
                "submitted_at": "created + interval '1 day'",
                "activated_at": "created + interval '2 days'",
                "signed_on": "(created + interval '2 days')::date",
                "completed_on": f"CASE WHEN delivered_on IS NOT NULL AND collected = {G}"
                " THEN delivered_on + 30 END",
                "created_by_id": str(clerk),
                "salesperson_id": str(clerk),
                "customer_id": "customer_id",
                "order_id": "n",
            },
            contracted,
        )
        _insert(
            cur,
            ContractLine,
            {
                "id": "ol.id",
                "contract_id": "ol.order_id",
                "order_line_id": "ol.id",
                "product_id": "ol.product_id",
                "quantity": "ol.quantity",
                "unit_price": "ol.unit_price",
                "tax_rate": "ol.tax_rate",
                "net": "ol.net",
                "tax": "ol.tax",
                "gross": "ol.gross",
            },
            "growth_n g JOIN sales_orderline ol ON ol.order_id = g.n WHERE g.status = 'contracted'",
        )
        done = "CASE WHEN delivered_on IS NOT NULL THEN " + G + " ELSE 0 END"
        _insert(
            cur,
            ContractLedger,
            {
                "contract_id": "n",
                "contracted": G,
                "shipped": done,
                "delivered": done,
                "invoiced": done,
                "collected": "collected",
                "due": done,
                "overdue": f"CASE WHEN delivered_on + 30 < {TODAY} THEN {done} - collected"
                " ELSE 0 END",
                "interest": "0",
                "interest_accrued": "0",
                "updated_at": "now()",
            },
            contracted,
        )
        return count

    @step("contract approvals")
    def _(cur):
        count = _insert(
            cur,
            ApprovalRequest,
            {
                "id": "1000 + 3 * g.n - 1",
                "document_type": "'contract'",
                "document_id": "g.n",
                "document_number": "'HT-G' || lpad(g.n::text, 9, '0')",
                "status": "'approved'",
                "requested_by_id": str(clerk),
                "amount": str(gross),
                "customer_id": "g.customer_id",
                "customer_name": "c.name",
                "on_hold": "false",
                "created_at": "created + interval '1 day'",
                "closed_at": "created + interval '2 days'",
            },
            "growth_n g JOIN sales_customer c ON c.id = g.customer_id"
            " WHERE g.status = 'contracted'",
        )
        roles = f"(VALUES (3, {head}, 'sales_head'), (4, {fin}, 'finance')) AS x(s, who, role)"
        _insert(
            cur,
            RequestStep,
            {
                "id": "1000 + 10 * n + s",
                "request_id": "1000 + 3 * n - 1",
                "sequence": "1",
                "role": "role",
                "status": "'approved'",
            },
            f"growth_n, {roles} WHERE status = 'contracted'",
        )
        _insert(
            cur,
            Decision,
            {
                "id": "1000 + 10 * n + s",
                "request_id": "1000 + 3 * n - 1",
                "step_id": "1000 + 10 * n + s",
                "user_id": "who",
                "role": "role",
                "decision": "'approved'",
                "ip_address": "'10.0.0.8'",
                "decided_at": "created + interval '2 days'",
            },
            f"growth_n, {roles} WHERE status = 'contracted'",
        )
        return count

    @step("shipping notices")
    def _(cur):
        when = "delivered_on::timestamptz"
        count = _insert(
            cur,
            ShippingNotice,
            {
                "id": "n",
                "number": "'FH-G' || lpad(n::text, 9, '0')",
                "status": "'delivered'",
                "valid_until": "delivered_on + 7",
                "net_amount": str(net),
                "tax_amount": str(tax),
                "gross_amount": str(gross),
                "created_at": f"{when} - interval '3 days'",
                "submitted_at": f"{when} - interval '3 days'",
                "approved_at": f"{when} - interval '2 days'",
                "gate_pass_no": "'GP-G' || lpad(n::text, 9, '0')",
                "issued_at": f"{when} - interval '1 day'",
                "issued_by_id": str(gm),
                "exited_at": f"{when} - interval '20 hours'",
                "exited_by_id": str(gm),
                "signed_by": "'张收货'",
                "signed_at": "delivered_on",
                "delivery_recorded_at": when,
                "delivery_recorded_by_id": str(gm),
                "booked_on": "delivered_on",
                "contract_id": "n",
                "created_by_id": str(clerk),
                "customer_id": "customer_id",
                "warehouse_id": str(ctx["warehouse"].pk),
            },
            delivered,
        )
        _insert(
            cur,
            ShippingNoticeLine,
            {
                "id": "ol.id",
                "notice_id": "g.n",
                "contract_line_id": "ol.id",
                "product_id": "ol.product_id",
                "quantity": "ol.quantity",
                "net": "ol.net",
                "tax": "ol.tax",
                "amount": "ol.gross",
            },
            "growth_n g JOIN sales_orderline ol ON ol.order_id = g.n"
            " WHERE g.delivered_on IS NOT NULL",
        )
        where = f"t.id > {start} AND t.id <= {end}"
        _history(cur, ShippingNotice, where=where, status="issued", when="t.issued_at", user=gm)
        _history(
            cur,
            ShippingNotice,
            where=where,
            status="delivered",
            when="t.delivery_recorded_at",
            user=gm,
        )
        _insert(
            cur,
            ApprovalRequest,
            {
                "id": "1000 + 3 * g.n",
                "document_type": "'shipping_notice'",
                "document_id": "g.n",
                "document_number": "'FH-G' || lpad(g.n::text, 9, '0')",
                "status": "'approved'",
                "requested_by_id": str(clerk),
                "amount": str(gross),
                "customer_id": "g.customer_id",
                "customer_name": "c.name",
                "on_hold": "false",
                "created_at": "g.delivered_on::timestamptz - interval '3 days'",
                "closed_at": "g.delivered_on::timestamptz - interval '2 days'",
            },
            "growth_n g JOIN sales_customer c ON c.id = g.customer_id"
            " WHERE g.delivered_on IS NOT NULL",
        )
        _insert(
            cur,
            RequestStep,
            {
                "id": "1000 + 10 * n + 5",
                "request_id": "1000 + 3 * n",
                "sequence": "1",
                "role": "'sales_manager'",
                "status": "'approved'",
            },
            delivered,
        )
        _insert(
            cur,
            Decision,
            {
                "id": "1000 + 10 * n + 5",
                "request_id": "1000 + 3 * n",
                "step_id": "1000 + 10 * n + 5",
                "user_id": str(manager),
                "role": "'sales_manager'",
                "decision": "'approved'",
                "ip_address": "'10.0.0.8'",
                "decided_at": "delivered_on::timestamptz - interval '2 days'",
            },
            delivered,
        )
        _insert(
            cur,
            ContractDue,
            {
                "id": "n",
                "contract_id": "n",
                "delivered_on": "delivered_on",
                "due_on": "delivered_on + 30",
                "amount": G,
                "reference": "'FH-G' || lpad(n::text, 9, '0')",
                "created_at": "delivered_on::timestamptz",
            },
            delivered,
        )
        return count

    @step("invoices")
    def _(cur):
        count = _insert(
            cur,
            Invoice,
            {
                "id": "g.n",
                "number": "'FP-G' || lpad(g.n::text, 9, '0')",
                "status": "'issued'",
                "amount": G,
                "net_amount": str(net),
                "tax_amount": str(tax),
                "buyer_name": "c.name",
                "created_at": "g.delivered_on::timestamptz + interval '1 day'",
                "submitted_at": "g.delivered_on::timestamptz + interval '1 day'",
                "issued_on": "g.delivered_on + 2",
                "issued_at": "g.delivered_on::timestamptz + interval '2 days'",
                "contract_id": "g.n",
                "created_by_id": str(fin),
                "customer_id": "g.customer_id",
            },
            "growth_n g JOIN sales_customer c ON c.id = g.customer_id"
            " WHERE g.delivered_on IS NOT NULL",
        )
        _history(
            cur,
            Invoice,
            where=f"t.id > {start} AND t.id <= {end}",
            status="issued",
            when="t.issued_at",
            user=fin,
        )
        return count

    paid = "growth_n WHERE collected > 0"
    received = f"LEAST(delivered_on + 25, {TODAY})"

    @step("receipts")
    def _(cur):
        count = _insert(
            cur,
            Receipt,
            {
                "id": "n",
                "number": "'SK-G' || lpad(n::text, 9, '0')",
                "amount": "collected",
                "method": "'bank_transfer'",
                "received_on": received,
                "allocated": "collected",
                "status": "'posted'",
                "created_at": f"{received}::timestamptz",
                "created_by_id": str(fin),
                "customer_id": "customer_id",
                "booked_on": received,
            },
            paid,
        )
        _insert(
            cur,
            Allocation,
            {
                "id": "n",
                "amount": "collected",
                "allocated_on": received,
                "reversed": "false",
                "created_at": f"{received}::timestamptz",
                "contract_id": "n",
                "created_by_id": str(fin),
                "receipt_id": "n",
            },
            paid,
        )
        return count

    @step("journal")
    def _(cur):
        entry = {
            "date": "d",
            "memo": "''",
            "source_type": "kind",
            "source_id": "n",
            "source_number": "prefix || lpad(n::text, 9, '0')",
            "posted_at": "d::timestamptz",
            "contract_id": "n",
            "customer_id": "customer_id",
            "posted_by_id": str(fin),
        }
        count = _insert(
            cur,
            JournalEntry,
            {"id": "2 * n - 1", **entry},
            "(SELECT n, customer_id, delivered_on AS d, 'shipping_notice' AS kind,"
            f" 'FH-G' AS prefix FROM {delivered}) s",
        )
        count += _insert(
            cur,
            JournalEntry,
            {"id": "2 * n", **entry},
            f"(SELECT n, customer_id, {received} AS d, 'receipt' AS kind,"
            f" 'SK-G' AS prefix FROM {paid}) s",
        )
        lines = (
            f"(1, 2 * n - 1, {account['1122']}, {G}, 0, delivered_on),"
            f" (2, 2 * n - 1, {account['6001']}, 0, {net}, delivered_on),"
            f" (3, 2 * n - 1, {account['222102']}, 0, {tax}, delivered_on),"
            f" (4, 2 * n, {account['1002']}, collected, 0, NULL),"
            f" (5, 2 * n, {account['1122']}, 0, collected, NULL)"
        )
        _insert(
            cur,
            JournalLine,
            {
                "id": "5 * n - 5 + k",
                "entry_id": "e",
                "account_id": "a",
                "debit": "dr",
                "credit": "cr",
                "contract_id": "n",
                "customer_id": "customer_id",
            },
            f"growth_n, LATERAL (VALUES {lines}) AS l(k, e, a, dr, cr, x)"
            " WHERE delivered_on IS NOT NULL AND (k <= 3 OR collected > 0)",
        )
        return count

    @step("counters")
    def _(cur):
        # R3: the customer's exposure = Σ what its orders add (service-made orders included).
        cur.execute(
            """UPDATE sales_customer c SET exposure = s.total
               FROM (SELECT customer_id, SUM(exposure_amount) AS total FROM sales_order
                     GROUP BY customer_id) s
               WHERE s.customer_id = c.id AND c.exposure <> s.total"""
        )
        cur.execute("DROP TABLE growth_n")
        for model in (
            Customer,
            Order,
            OrderLine,
            ApprovalRequest,
            RequestStep,
            Decision,
            Contract,
            ContractLine,
            ShippingNotice,
            ShippingNoticeLine,
            ContractDue,
            Invoice,
            Receipt,
            Allocation,
            JournalEntry,
            JournalLine,
        ):
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" GREATEST({SEQUENCE_FLOOR}, (SELECT MAX(id) FROM {table})))"
            )
        return cur.rowcount

    from tqdm import tqdm

    bar = tqdm(
        total=len(steps) + 1,
        desc=f"seed {end:>9,}",
        unit="step",
        disable=not progress,
        file=sys.stderr,
        leave=True,
    )
    started = time.perf_counter()
    timings = {}
    for name, fn in steps:
        bar.set_postfix_str(name)
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            # Consistent by construction: skip the per-row foreign key and immutability
            # triggers while loading (superuser; as pg_restore --disable-triggers does).
            cursor.execute("SET LOCAL session_replication_role = replica")
            rows[name] = fn(cursor)
        timings[name] = time.perf_counter() - t0
        bar.update()
    bar.set_postfix_str("VACUUM ANALYZE")
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    timings["vacuum analyze"] = time.perf_counter() - t0
    bar.update()
    bar.close()
    return {"seconds": time.perf_counter() - started, "rows": rows, "steps": timings}


def table_sizes() -> dict[str, int]:
    from django.db import connection

    tables = (
        "sales_customer",
        "sales_order",
        "sales_orderline",
        "approvals_approvalrequest",
        "approvals_requeststep",
        "approvals_decision",
        "contracts_contract",
        "contracts_contractline",
        "inventory_shippingnotice",
        "inventory_shippingnoticeline",
        "contracts_contractdue",
        "finance_invoice",
        "finance_receipt",
        "finance_allocation",
        "finance_journalentry",
        "finance_journalline",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)",
            [list(tables)],
        )
        found = dict(cursor.fetchall())
        cursor.execute("SELECT pg_database_size(current_database())")
        found["database bytes"] = cursor.fetchone()[0]
    return found


# --- measuring ---------------------------------------------------------------------------


def timed(call, *, runs: int, warmup: int, setup=None) -> dict:
    """Median and p95 of `call()` over `runs` (`setup()` untimed before each, its result passed
    to `call`), then the queries of one more call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once():
        arg = setup() if setup else None
        t0 = time.perf_counter()
        result = call(arg) if setup else call()
        return (time.perf_counter() - t0) * 1000, result

    for _ in range(warmup):
        once()
    times = [once()[0] for _ in range(runs)]
    arg = setup() if setup else None
    with CaptureQueriesContext(connection) as captured:
        call(arg) if setup else call()
    return {
        "median": statistics.median(times),
        "p95": p95(times),
        "queries": len(captured),
        "sql": [q["sql"] for q in captured.captured_queries],
    }


def measure_level(ctx: dict, *, runs: int, size: int, rounds: int = ROUNDS) -> dict:
    """Every per-document figure `rounds` times over (each round all of them in turn, so a
    burst of other work on the machine hits one round of each, not every run of one), keeping
    each figure's round with the lowest median; the reports once."""
    from finance.selectors import aging_report, trial_balance

    figures: dict[str, dict] = {}
    for _ in range(rounds):
        for label, measured in _per_document(ctx, runs=runs).items():
            best = figures.get(label)
            if best is None or measured["median"] < best["median"]:
                figures[label] = measured
    report_runs = max(3, runs // 6)
    figures["aging_report (GM) [report]"] = timed(
        lambda: aging_report(user=ctx["gm"]), runs=report_runs, warmup=1
    )
    period = (ctx["today"].replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    figures["trial_balance (previous month) [report]"] = timed(
        lambda: trial_balance(period=period), runs=report_runs, warmup=1
    )
    return figures


def _per_document(ctx: dict, *, runs: int) -> dict:
    from django.db import transaction
    from django.test import Client

    from sales.models import Customer
    from sales.services.orders import credit_check_passes, order_create, order_submit

    warmup = max(2, runs // 10)
    figures: dict[str, dict] = {}
    clerk, gross = ctx["clerk"], ctx["gross"]
    lines = [
        {"product": ctx["products"][i].pk, "quantity": str(q), "unit_price": str(p)}
        for i, q, p in LINES
    ]

    def credit_check():
        with transaction.atomic():
            customer = Customer.objects.select_for_update().get(pk=HOT)
            assert credit_check_passes(customer=customer, amount=gross), "hot customer refused"

    figures["credit check (hot customer, locked row)"] = timed(
        credit_check, runs=runs, warmup=warmup
    )

    def draft():
        return order_create(actor=clerk, customer_id=HOT, lines=lines)

    def submit(order):
        submitted = order_submit(actor=clerk, order_id=order.pk)
        assert submitted.credit_status == "passed", submitted.credit_status

    figures["order_submit (3 lines, hot customer)"] = timed(
        submit, runs=runs, warmup=warmup, setup=draft
    )

    api, browser_sm, browser_gm = Client(), Client(), Client()
    browser_sm.force_login(ctx["manager"])
    browser_gm.force_login(ctx["gm"])

    def get(client, path, token=None, params=None):
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}

        def call():
            response = client.get(path, params or {}, **headers)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
            return response

        return call

    contract = ctx["contract_id"]
    pages = [
        ("GET /approvals/ (HTML, sales manager)", get(browser_sm, "/approvals/")),
        (
            "GET /api/v1/approvals/?mine=pending (SM)",
            get(api, "/api/v1/approvals/", ctx["sm_token"], {"mine": "pending"}),
        ),
        ("GET /contracts/{id}/ (HTML)", get(browser_gm, f"/contracts/{contract}/")),
        (
            "GET /contracts/{id}/ledger/ (HTML)",
            get(browser_gm, f"/contracts/{contract}/ledger/"),
        ),
        (
            "GET /api/v1/contracts/{id}/ledger/",
            get(api, f"/api/v1/contracts/{contract}/ledger/", ctx["gm_token"]),
        ),
    ]
    for name in (
        "orders",
        "contracts",
        "shipping-notices",
        "receipts",
        "invoices",
        "customers",
        "approvals",
    ):
        pages.append(
            (f"GET /api/v1/{name}/ (page 1, GM)", get(api, f"/api/v1/{name}/", ctx["gm_token"]))
        )
    for label, call in pages:
        figures[label] = timed(call, runs=runs, warmup=warmup)
    return figures


# --- the run -----------------------------------------------------------------------------


def run(sizes=SIZES, runs: int = 30, progress: bool = True, rounds: int = ROUNDS) -> dict:
    """Recreate the database, grow it to each size in turn and measure at each; returns
    {"sizes", "seeding": {size: {...}}, "figures": {size: {label: {...}}}, "ratios",
    "tables": {size: {...}}, "environment"}."""
    sizes = tuple(sorted(sizes))
    name = recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    assert not settings.DEBUG, "DEBUG must be false for a benchmark"
    if progress:
        say(f"database {name}: created; migrating …")
    call_command("migrate", verbosity=0, interactive=False)
    ctx = setup()
    ctx["today"] = timezone.localdate()
    seeding, figures, tables = {}, {}, {}
    previous = 0
    for size in sizes:
        seeding[size] = seed_level(ctx, start=previous, end=size, progress=progress)
        previous = size
        if "contract_id" not in ctx:
            ctx["contract_id"] = pick_contract()
        tables[size] = table_sizes()
        if progress:
            say(f"  seeded to {size:,} orders in {seeding[size]['seconds']:.1f} s; measuring …")
        figures[size] = measure_level(ctx, runs=runs, size=size, rounds=rounds)
    first, last = sizes[0], sizes[-1]
    ratios = {
        label: figures[last][label]["median"] / figures[first][label]["median"]
        for label in figures[first]
    }
    return {
        "database": name,
        "sizes": sizes,
        "runs": runs,
        "rounds": rounds,
        "seeding": seeding,
        "figures": figures,
        "ratios": ratios,
        "tables": tables,
        "environment": {"machine": machine(), "postgres": postgres_facts()},
    }


def pick_contract() -> int:
    """A delivered, invoiced, partly collected contract of the hot customer (the first one):
    its pages are measured at every level. Below ~9 k orders (`--quick`) nothing is delivered
    yet (the newest ~40 days are open work): then the hot customer's first contract."""
    from contracts.models import Contract

    hot = Contract.objects.filter(customer_id=HOT).order_by("id").values_list("id", flat=True)
    return hot.filter(ledger__delivered__gt=0).first() or hot.first()


def report(result: dict) -> str:
    import django
    import rest_framework

    sizes = result["sizes"]
    env = result["environment"]
    box, pg = env["machine"], env["postgres"]
    first, last = sizes[0], sizes[-1]
    lines = [
        "O2C growth benchmark (bench/growth.py, issue 14 item 5)",
        f"date:      {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"command:   DATABASE_URL=postgres://…/{result['database']} .venv/bin/python -m "
        f"bench.growth --sizes {','.join(str(s) for s in sizes)} --runs {result['runs']} "
        f"--rounds {result.get('rounds', 1)}",
        f"machine:   nproc {box['cpus']}, RAM {box['ram']}, {box['model'] or '?'}, "
        f"Linux {box['kernel']}",
        f"postgres:  {pg['server_version']} (shared_buffers {pg['shared_buffers']}, "
        f"work_mem {pg['work_mem']}, jit {pg['jit']}), same machine, TCP 127.0.0.1",
        f"software:  Python {platform.python_version()}, Django {django.get_version()}, "
        f"DRF {rest_framework.VERSION}, DEBUG=false",
        "",
        "Seeding (INSERT … SELECT generate_series, server-side; cumulative; + VACUUM ANALYZE):",
    ]
    for size in sizes:
        seed = result["seeding"][size]
        t = result["tables"][size]
        slowest = sorted(seed["steps"].items(), key=lambda kv: kv[1], reverse=True)[:3]
        lines.append(
            f"  to {size:>9,} orders: {seed['seconds']:7.1f} s  (orders {t['sales_order']:,}, "
            f"lines {t['sales_orderline']:,}, contracts {t['contracts_contract']:,}, "
            f"notices {t['inventory_shippingnotice']:,}, receipts {t['finance_receipt']:,}, "
            f"approval requests {t['approvals_approvalrequest']:,}, journal lines "
            f"{t['finance_journalline']:,}; database {t['database bytes'] / 2**30:.2f} GiB; "
            "slowest: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest) + ")"
        )
    lines += [
        "",
        f"Latency in ms (median / p95 over {result['runs']} runs, the best of "
        f"{result.get('rounds', 1)} rounds taken in turn; reports over fewer, once), queries "
        "per call; django.test.Client through the whole middleware stack, API with a token.",
        "ratio = median at the largest size / median at the smallest "
        f"(target ≤ {RATIO_BUDGET} for per-document operations).",
        "",
    ]
    head = f"{'measurement':46}" + "".join(f"{f'{s:,}':>20}" for s in sizes) + f"{'ratio':>8}"
    lines += [head, f"{'':46}" + "".join(f"{'med / p95 / q':>20}" for _ in sizes), "-" * len(head)]
    for label in result["figures"][first]:
        cells = ""
        for size in sizes:
            f = result["figures"][size][label]
            cells += f"{f['median']:>9.1f} /{f['p95']:>6.1f} /{f['queries']:>2}"
        ratio = result["ratios"][label]
        report_row = "[report]" in label
        verdict = "" if report_row else (" ok" if ratio <= RATIO_BUDGET else " OVER")
        lines.append(f"{label:46}{cells}{ratio:>7.2f}{verdict}")
    lines += ["", "Reports, ms per 1 000 orders (linear growth keeps it flat; queries constant):"]
    for label in result["figures"][first]:
        if "[report]" not in label:
            continue
        per = "  ".join(
            f"{s:,}: {result['figures'][s][label]['median'] / (s / 1000):.3f} ms/1k "
            f"({result['figures'][s][label]['queries']} q)"
            for s in sizes
        )
        lines.append(f"  {label.replace(' [report]', ''):44} {per}")
    over = [
        label
        for label, ratio in result["ratios"].items()
        if "[report]" not in label and ratio > RATIO_BUDGET
    ]
    lines += [
        "",
        f"per-document operations over {RATIO_BUDGET}× from {first:,} to {last:,}: "
        + (", ".join(over) if over else "none"),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--rounds", type=int, default=ROUNDS, help="rounds of every per-document figure; best kept"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()
    sizes = tuple(int(s.replace("_", "")) for s in args.sizes.split(","))
    result = run(sizes=sizes, runs=args.runs, progress=not args.quiet, rounds=args.rounds)
    text = report(result)
    print(text)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
        say(f"written to {args.output}")


if __name__ == "__main__":
    main()
