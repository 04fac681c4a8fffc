"""The whole order-to-cash cycle (issue 14): order → approvals → contract → co-sign → shipping
notice → approval → issue → gate exit → signed delivery → receipt with allocation → invoice →
approval, timed step by step through the service layer and through the REST API.

Run by hand against PostgreSQL, never in the test suite (bench/README.md); `python -m bench`
runs it with the others. Alone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2c_bench_cycle \\
        .venv/bin/python -m bench.cycle [--cycles 100] [--lines 3] [--rest http|client]

One user per role (the approvers of every chain: sales_manager and general_manager for the
order, R7; sales_head and finance co-sign the contract, R8; sales_manager the notice, R13;
finance_vp the invoice, R17), a catalogue on an approved price list, a customer with a high
limit, a stocked warehouse. A cycle sells K lines (K = --lines, as Tryton's peer bench), ships
and delivers all of it, collects the gross in one receipt allocated to the contract and invoices
it. Celery runs inline (no broker): whatever a step queues on commit (approvers' notices) is
inside the step's time, as Tryton's "~tasks" are inside its cycle.

Through REST each step is one HTTP request of one client with its token and an Idempotency-Key
on every POST, as API.md asks of integrations: `--rest http` against gunicorn on loopback (one
worker, one thread; the default), `--rest client` with django.test.Client in process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/o2c_bench_cycle")
os.environ.setdefault("DB_CONN_MAX_AGE", "3600")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# A fresh media directory: the contract PDFs of an earlier run (same numbers) are not reused.
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="o2c-bench-media-"))
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

STEPS = (
    "order create",
    "order submit",
    "order approve (sales_manager)",
    "order approve (general_manager)",
    "contract draft",
    "contract submit",
    "co-sign (sales_head)",
    "co-sign (finance)",
    "notice create",
    "notice submit",
    "notice approve (sales_manager)",
    "issue",
    "gate exit",
    "signed delivery",
    "receipt + allocation",
    "invoice create",
    "invoice submit",
    "invoice approve (finance_vp)",
)
BIG_LIMIT = Decimal("999999999999.00")


def summary(values: list[float]) -> dict:
    from bench.inbox import p95  # the benchmarks' one p95 (nearest rank)

    return {"median": statistics.median(values), "p95": p95(values), "n": len(values)}


# --- setup -------------------------------------------------------------------------------


def setup(*, lines: int, stock: int) -> dict:
    """Users, K products on an approved list, a customer, a warehouse holding `stock` of each."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from approvals.models import ApprovalRequest
    from approvals.services import approval_decide
    from core.roles import Role
    from inventory.services import stock_adjust, warehouse_create
    from sales.models import Customer, Product
    from sales.services.price_lists import price_list_create, price_list_submit

    users = {}
    for role in Role:
        person, _ = User.objects.get_or_create(
            username=f"cycle_{role.value}", defaults={"email": f"{role.value}@bench.test"}
        )
        person.groups.add(Group.objects.get(name=role.value))
        users[role.value] = person
    from sales.models import PriceList

    existing = PriceList.objects.filter(name="周期基准价格表", status="active").first()
    if existing is not None and existing.items.count() == lines:  # a second run on the same DB
        products = [item.product for item in existing.items.order_by("product__code")]
    else:
        tag = uuid.uuid4().hex[:6]
        products = [
            Product.objects.create(
                code=f"P-CY-{tag}-{n:02d}",
                name=f"周期产品{n}",
                unit="台",
                tax_rate=Decimal("0.1300"),
            )
            for n in range(lines)
        ]
        price_list = price_list_create(
            actor=users[Role.SALES_MANAGER],
            name="周期基准价格表",
            valid_from=timezone.localdate().replace(month=1, day=1),
            items=[
                {"product": p, "list_price": "1000.00", "floor_price": "800.00"} for p in products
            ],
        )
        price_list_submit(actor=users[Role.SALES_MANAGER], price_list_id=price_list.pk)
        request = ApprovalRequest.objects.get(document_id=price_list.pk, document_type="price_list")
        approval_decide(actor=users[Role.GENERAL_MANAGER], request_id=request.pk, approve=True)
    clerk = users[Role.SALES_CLERK]
    customer = Customer.objects.create(
        code=f"C-CY-{uuid.uuid4().hex[:6]}",
        name=f"周期客户{uuid.uuid4().hex[:6]}",
        owner=clerk,
        credit_limit=BIG_LIMIT,
        credit_days=30,
    )
    warehouse = warehouse_create(
        actor=users[Role.GENERAL_MANAGER], code=f"WH-{uuid.uuid4().hex[:4]}", name="成品库"
    )
    for product in products:
        stock_adjust(
            actor=users[Role.WAREHOUSE],
            product_id=product.pk,
            warehouse_id=warehouse.pk,
            quantity=stock,
            reason="期初盘点",
        )
    tokens = {role: Token.objects.get_or_create(user=user)[0].key for role, user in users.items()}
    return {
        "users": users,
        "tokens": tokens,
        "products": products,
        "customer": customer,
        "warehouse": warehouse,
    }


# --- one cycle through the services ---------------------------------------------------------


def cycle_services(ctx: dict, timer) -> None:
    from django.utils import timezone

    from approvals.services import approval_decide
    from contracts.services import contract_draft, contract_submit
    from finance.services import invoice_create, invoice_submit, receipt_create
    from inventory.services import (
        shipping_notice_confirm_delivery,
        shipping_notice_create,
        shipping_notice_exit,
        shipping_notice_issue,
        shipping_notice_submit,
    )
    from sales.services.orders import order_create, order_submit

    u = ctx["users"]
    today = timezone.localdate()
    with timer("order create"):
        order = order_create(
            actor=u["sales_clerk"],
            customer_id=ctx["customer"].pk,
            lines=[
                {"product": p.pk, "quantity": "2", "unit_price": "950.00"} for p in ctx["products"]
            ],
        )
    with timer("order submit"):
        order = order_submit(actor=u["sales_clerk"], order_id=order.pk)
    request_id = order.approval_request.pk
    with timer("order approve (sales_manager)"):
        approval_decide(actor=u["sales_manager"], request_id=request_id, approve=True)
    with timer("order approve (general_manager)"):
        approval_decide(actor=u["general_manager"], request_id=request_id, approve=True)
    with timer("contract draft"):
        contract = contract_draft(actor=u["sales_clerk"], order_id=order.pk)
    with timer("contract submit"):
        contract = contract_submit(actor=u["sales_clerk"], contract_id=contract.pk)
    request_id = contract.approval_request.pk
    with timer("co-sign (sales_head)"):
        approval_decide(actor=u["sales_head"], request_id=request_id, approve=True)
    with timer("co-sign (finance)"):
        approval_decide(actor=u["finance"], request_id=request_id, approve=True)
    contract_lines = list(contract.lines.values_list("pk", "quantity"))
    with timer("notice create"):
        notice = shipping_notice_create(
            actor=u["sales_clerk"],
            data={
                "contract": contract.pk,
                "warehouse": ctx["warehouse"].pk,
                "lines": [{"contract_line": pk, "quantity": str(q)} for pk, q in contract_lines],
            },
        )
    with timer("notice submit"):
        notice = shipping_notice_submit(actor=u["sales_clerk"], notice_id=notice.pk)
    with timer("notice approve (sales_manager)"):
        approval_decide(
            actor=u["sales_manager"], request_id=notice.approval_request.pk, approve=True
        )
    with timer("issue"):
        shipping_notice_issue(actor=u["warehouse"], notice_id=notice.pk)
    with timer("gate exit"):
        shipping_notice_exit(actor=u["security"], notice_id=notice.pk)
    with timer("signed delivery"):
        shipping_notice_confirm_delivery(
            actor=u["sales_clerk"], notice_id=notice.pk, signed_by="李四", signed_at=today
        )
    gross = contract.gross_amount
    with timer("receipt + allocation"):
        receipt_create(
            actor=u["finance"],
            customer_id=ctx["customer"].pk,
            amount=gross,
            method="bank_transfer",
            received_on=today,
            allocations=[{"contract": contract.pk, "amount": str(gross)}],
        )
    with timer("invoice create"):
        invoice = invoice_create(actor=u["finance"], contract_id=contract.pk)
    with timer("invoice submit"):
        invoice = invoice_submit(actor=u["finance"], invoice_id=invoice.pk)
    with timer("invoice approve (finance_vp)"):
        approval_decide(actor=u["finance_vp"], request_id=invoice.approval_request.pk, approve=True)


# --- one cycle through REST ----------------------------------------------------------------


class HttpClient:
    """One keep-alive connection per role, each with its token (bench.servers.Client), as an
    integration would hold them."""

    def __init__(self, base: str, tokens: dict):
        from urllib.parse import urlsplit

        from bench.servers import Client

        port = urlsplit(base).port
        self.clients = {role: Client(port, token) for role, token in tokens.items()}

    def post(self, role: str, path: str, body: dict | None = None) -> dict:
        status, data = self.clients[role].post(path, body)
        if status >= 300:
            raise AssertionError(f"POST {path}: {status} {str(data)[:400]}")
        return data


class InProcessClient:
    """django.test.Client: the whole middleware stack, no network."""

    def __init__(self, tokens: dict):
        from django.test import Client

        self.client = Client()
        self.tokens = tokens

    def post(self, role: str, path: str, body: dict | None = None) -> dict:
        import json

        response = self.client.post(
            "/api/v1/" + path,
            data=json.dumps(body or {}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {self.tokens[role]}",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        if response.status_code >= 300:
            raise AssertionError(f"POST {path}: {response.status_code} {response.content[:400]!r}")
        return response.json()


def cycle_rest(ctx: dict, client, timer) -> None:
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    with timer("order create"):
        order = client.post(
            "sales_clerk",
            "orders/",
            {
                "customer": ctx["customer"].pk,
                "lines": [
                    {"product": p.pk, "quantity": "2", "unit_price": "950.00"}
                    for p in ctx["products"]
                ],
            },
        )
    with timer("order submit"):
        order = client.post("sales_clerk", f"orders/{order['id']}/submit/")
    approval = order["approval"]["id"]
    with timer("order approve (sales_manager)"):
        client.post("sales_manager", f"approvals/{approval}/approve/")
    with timer("order approve (general_manager)"):
        client.post("general_manager", f"approvals/{approval}/approve/")
    with timer("contract draft"):
        contract = client.post("sales_clerk", "contracts/", {"order": order["id"]})
    with timer("contract submit"):
        submitted = client.post("sales_clerk", f"contracts/{contract['id']}/submit/")
    approval = submitted["approval"]["id"]
    with timer("co-sign (sales_head)"):
        client.post("sales_head", f"approvals/{approval}/approve/")
    with timer("co-sign (finance)"):
        client.post("finance", f"approvals/{approval}/approve/")
    with timer("notice create"):
        notice = client.post(
            "sales_clerk",
            "shipping-notices/",
            {
                "contract": contract["id"],
                "warehouse": ctx["warehouse"].pk,
                "lines": [
                    {"contract_line": line["id"], "quantity": line["quantity"]}
                    for line in contract["lines"]
                ],
            },
        )
    with timer("notice submit"):
        notice = client.post("sales_clerk", f"shipping-notices/{notice['id']}/submit/")
    with timer("notice approve (sales_manager)"):
        client.post("sales_manager", f"approvals/{notice['approval']['id']}/approve/")
    with timer("issue"):
        client.post("warehouse", f"shipping-notices/{notice['id']}/issue/")
    with timer("gate exit"):
        client.post("security", f"shipping-notices/{notice['id']}/exit/")
    with timer("signed delivery"):
        client.post(
            "sales_clerk",
            f"shipping-notices/{notice['id']}/confirm-delivery/",
            {"signed_by": "李四", "signed_at": today},
        )
    gross = contract["gross_amount"]
    with timer("receipt + allocation"):
        client.post(
            "finance",
            "receipts/",
            {
                "customer": ctx["customer"].pk,
                "amount": gross,
                "method": "bank_transfer",
                "received_on": today,
                "allocations": [{"contract": contract["id"], "amount": gross}],
            },
        )
    with timer("invoice create"):
        invoice = client.post("finance", "invoices/", {"contract": contract["id"]})
    with timer("invoice submit"):
        invoice = client.post("finance", f"invoices/{invoice['id']}/submit/")
    with timer("invoice approve (finance_vp)"):
        client.post("finance_vp", f"approvals/{invoice['approval']['id']}/approve/")


# --- timing ------------------------------------------------------------------------------------


class StepTimer:
    def __init__(self):
        self.times = defaultdict(list)
        self.queries = {}
        self.capture = False

    def __call__(self, step: str):
        timer = self

        class _Ctx:
            def __enter__(self):
                if timer.capture:
                    from django.db import connection
                    from django.test.utils import CaptureQueriesContext

                    self.cq = CaptureQueriesContext(connection)
                    self.cq.__enter__()
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                elapsed = (time.perf_counter() - self.t0) * 1000
                if timer.capture:
                    self.cq.__exit__(*exc)
                    timer.queries[step] = len(self.cq)
                elif exc[0] is None:
                    timer.times[step].append(elapsed)
                return False

        return _Ctx()


def run_cycles(
    one_cycle, *, cycles: int, warmup: int, capture: bool = True, after_warmup=None
) -> dict:
    import gc

    timer = StepTimer()
    if capture:
        timer.capture = True
        one_cycle(timer)
        timer.capture = False
    began = time.perf_counter()
    for _ in range(warmup):
        scratch = StepTimer()
        one_cycle(scratch)
    warmup_seconds = time.perf_counter() - began
    if after_warmup is not None:
        after_warmup()
    gc.collect()
    whole = []
    began = time.perf_counter()
    for _ in range(cycles):
        t0 = time.perf_counter()
        one_cycle(timer)
        whole.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - began
    return {
        "cycles_per_second": cycles / elapsed,
        "cycle": summary(whole),
        "steps": {step: summary(timer.times[step]) for step in STEPS},
        "queries": dict(timer.queries),
        "cycles": cycles,
        "warmup_seconds": warmup_seconds,
        "elapsed": elapsed,
    }


def print_result(label: str, result: dict, file=sys.stdout) -> None:
    print(
        f"\n{label}: {result['cycles_per_second']:.2f} cycles/s over {result['cycles']} "
        f"cycles; cycle median {result['cycle']['median']:.1f} ms, "
        f"p95 {result['cycle']['p95']:.1f} ms"
        + (
            f"; {result['drained_per_second']:.2f} cycles/s counting the worker's "
            f"{result['drain_seconds']:.1f} s on their tasks"
            if "drained_per_second" in result
            else ""
        ),
        file=file,
    )
    print(f"  {'step':<34}{'median':>9}{'p95':>9}{'queries':>9}", file=file)
    for step in STEPS:
        s = result["steps"][step]
        q = result["queries"].get(step, "")
        print(f"  {step:<34}{s['median']:>9.2f}{s['p95']:>9.2f}{q!s:>9}", file=file)


def run(
    *,
    cycles: int = 100,
    warmup: int = 5,
    lines: int = 3,
    rest: str = "http",
    broker: str = "",
    keep_db: bool = False,
    say=print,
) -> dict:
    """Both paths on a fresh database. With `broker` (a Redis URL) a real Celery worker takes
    what the steps queue (approvers' notices, the signed contract's PDF), as in production: the
    steps' times are what a caller waits; the worker stays idle while they are timed (on this
    2-core machine it would otherwise take a core from them) and is then timed alone on what
    they queued, so `drained_per_second` = cycles / (their wall time + the worker's). Without
    a broker, tasks run inline inside the steps."""
    if broker:
        os.environ["CELERY_BROKER_URL"] = broker
    from bench.inbox import recreate_database

    if not keep_db:
        recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from bench.servers import celery_worker, gunicorn

    if not keep_db:
        call_command("migrate", verbosity=0)
    stock = (cycles + warmup + 2) * 2 * 2
    ctx = setup(lines=lines, stock=stock)
    results = {"lines": lines, "broker": bool(broker)}
    with contextlib.ExitStack() as stack:
        # The worker waits while the callers are timed (on 2 cores it would take one from
        # them), then is timed alone on what they queued: `drained_per_second` counts both.
        worker = stack.enter_context(celery_worker(broker=broker, idle=True)) if broker else None
        flush = worker.timed_drain if worker is not None else None
        say(f"cycle: {cycles} cycles through the services …")
        results["services"] = run_cycles(
            lambda timer: cycle_services(ctx, timer),
            cycles=cycles,
            warmup=warmup,
            after_warmup=flush,
        )
        if worker is not None:
            _drained(results["services"], worker.timed_drain())
        if rest != "none":
            say(f"cycle: {cycles} cycles through REST ({rest}) …")
            if rest == "client":
                client = InProcessClient(ctx["tokens"])
            else:
                base = stack.enter_context(gunicorn(workers=1))
                client = HttpClient(base, ctx["tokens"])
            results["rest"] = run_cycles(
                lambda timer: cycle_rest(ctx, client, timer),
                cycles=cycles,
                warmup=warmup,
                capture=rest == "client",
                after_warmup=flush,
            )
            results["rest"]["mode"] = rest
            if worker is not None:
                _drained(results["rest"], worker.timed_drain())
    return results


def _drained(result: dict, drain_seconds: float) -> None:
    """The cycles' wall time plus the worker's time on their tasks, alone."""
    result["drain_seconds"] = drain_seconds
    result["drained_per_second"] = result["cycles"] / (result["elapsed"] + drain_seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--lines", type=int, default=3)
    parser.add_argument("--rest", choices=("http", "client", "none"), default="http")
    parser.add_argument(
        "--broker",
        default="",
        help="Redis URL: tasks go to a real Celery worker (default: inline, no broker)",
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--json", action="store_true", help="the figures as JSON at the end")
    args = parser.parse_args()
    results = run(
        cycles=args.cycles,
        warmup=args.warmup,
        lines=args.lines,
        rest=args.rest,
        broker=args.broker,
        keep_db=args.keep_db,
        say=lambda m: print(m, file=sys.stderr, flush=True),
    )
    print_result("services", results["services"])
    if "rest" in results:
        print_result(f"REST ({results['rest']['mode']})", results["rest"])
    if args.json:
        print("\nJSON " + json.dumps(results))


if __name__ == "__main__":
    main()
