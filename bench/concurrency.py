"""Concurrency benchmark (issue 14, item 4): orders and approvals through REST against gunicorn
with several workers, many client processes at once.

Run by hand against PostgreSQL, never in the test suite (bench/README.md):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/o2c_bench_concurrency \\
        .venv/bin/python -m bench.concurrency [--per-client 25] [--clients 8] \\
        [--workers 5] [--worker-class sync|gthread] [--threads 1]

`python -m bench` imports `run()` from here. The database is the benchmark's own: dropped and
created again (the name must contain "bench"), `migrate` builds the schema and seeds the roles
and approval policies; users, a catalogue on an approved price list and the customers are made
through the services, as bench/cycle.py does.

The server is gunicorn (`config.wsgi`) on 127.0.0.1, a free port, `--workers` (default
2 × cores + 1) sync workers, `config.settings.base` with DEBUG=false, ALLOWED_HOSTS from the
environment, DB_CONN_MAX_AGE=3600 (persistent connections, one per worker) and the Celery
broker on Redis (CELERY_BROKER_URL, default db 8): what a commit queues (the approvers' notices)
is a push onto Redis, as in production, not run inside the request. The production profile needs
SECRET_KEY and HTTPS (SECURE_SSL_REDIRECT); `--settings production` runs it with
SECURE_SSL_REDIRECT=false and a throw-away key. No worker consumes the queue; it is emptied at
the end.

Clients are processes (multiprocessing, fork), so the client side is not bound by one GIL; each
keeps one HTTP/1.1 connection (http.client; the sync worker closes it after every answer, the
gthread worker keeps it alive) with its user's token and a fresh Idempotency-Key on every POST.
All clients of a scenario start on one barrier; the rate is what they completed over the wall
time from the barrier to the last one done.

(a) Hot customer: `--clients` clients create and submit orders for ONE customer (`POST
    orders/`, then `POST orders/{id}/submit/`: the API has no create-and-submit call), each
    `--per-client` orders of 3 lines. R23 lets only the customer's owner enter its orders, so
    the clients share the owner's token. The submit's credit check locks the customer's row
    (R4). The limit lets all but the last 2 × clients orders pass; afterwards the customer's
    exposure counter must equal R3 computed from the rows and exactly the first
    floor(limit / gross) orders, in the order the lock granted them, passed.
(b) Independent customers: the same with one clerk and one customer per client; with 1 client
    and with `--clients`, to show how throughput scales with the server's cores.
(c) Approvals: the orders of (b) are pending at their sales manager step; `--clients` sales
    managers approve disjoint sets of them at once (`POST approvals/{id}/approve/`), and one
    sales manager alone before; per-call latency 1 vs N shows whether they wait on each other.

While a scenario runs, a thread samples pg_stat_activity of the bench database every 10 ms:
backends waiting on a lock (wait_event_type = 'Lock'; a row lock shows as `transactionid` or
`tuple`). Then, in process and through the services, the submit's customer row lock is timed:
from the `SELECT … FOR UPDATE` of the customer to the end of COMMIT, with the statements run in
between (and the same for the order number counter that `order_create` locks).

The report is printed and written to bench/results/concurrency.txt.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/o2c_bench_concurrency")
os.environ.setdefault("DB_CONN_MAX_AGE", "3600")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="o2c-bench-media-"))
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from bench.inbox import machine, p95, postgres_facts, recreate_database  # noqa: E402
from bench.servers import Client, Server  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "concurrency.txt"
TARGET_HOT = 200.0  # orders/s for one hot customer through REST (issue 14)
LINES = [("2", "950.00")] * 3  # quantity, unit price of each of the 3 lines (list 1000, floor 800)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def stats(values: list[float]) -> dict:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "n": 0}
    return {"p50": statistics.median(values), "p95": p95(values), "n": len(values)}


# --- setup -------------------------------------------------------------------------------


def setup(*, clients: int) -> dict:
    """Users (one per role, N clerks with a customer each, N sales managers), 3 products on an
    approved list, the hot customer and a warm-up customer; tokens for all of them."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from bench.cycle import setup as cycle_setup
    from core.roles import Role
    from sales.models import Customer

    ctx = cycle_setup(lines=len(LINES), stock=1)
    clerk = ctx["users"]["sales_clerk"]

    def person(name: str, role: Role) -> User:
        user = User.objects.create_user(name, email=f"{name}@bench.test")
        user.groups.add(Group.objects.get(name=role.value))
        return user

    def customer(code: str, owner: User, limit: Decimal) -> Customer:
        return Customer.objects.create(
            code=code, name=f"并发客户 {code}", owner=owner, credit_limit=limit, credit_days=30
        )

    big = Decimal("999999999999.00")
    ctx["hot"] = customer("C-HOT", clerk, big)  # the limit is set before (a)
    ctx["hot_submits"] = customer("C-HOT-S", clerk, big)  # (a) submits only; limit as (a)
    ctx["warm"] = customer("C-WARM", clerk, big)
    ctx["clerks"], ctx["customers"], ctx["managers"] = [], [], []
    for n in range(clients):
        own = person(f"conc_clerk{n:02d}", Role.SALES_CLERK)
        ctx["clerks"].append(Token.objects.create(user=own).key)
        ctx["customers"].append(customer(f"C-IND-{n:02d}", own, big).pk)
        manager = person(f"conc_sm{n:02d}", Role.SALES_MANAGER)
        ctx["managers"].append(Token.objects.create(user=manager).key)
    ctx["lines"] = [
        {"product": p.pk, "quantity": q, "unit_price": price}
        for p, (q, price) in zip(ctx["products"], LINES, strict=True)
    ]
    return ctx


def order_gross() -> Decimal:
    from core.money import document_amounts, line_amounts

    return document_amounts(
        line_amounts(quantity=Decimal(q), unit_price=Decimal(price), tax_rate=Decimal("0.13"))
        for q, price in LINES
    )[2]


# --- the server: bench/servers.py ---------------------------------------------------------


# --- the clients (each its own process) ----------------------------------------------------


def _orders(client: Client, spec: dict, out: dict) -> None:
    for _ in range(spec["count"]):
        t0 = time.perf_counter()
        status, order = client.post(
            "orders/", {"customer": spec["customer"], "lines": spec["lines"]}
        )
        t1 = time.perf_counter()
        out["create"].append((t1 - t0) * 1000)
        if status != 201:
            out["errors"].append(f"POST orders/: {status} {str(order)[:200]}")
            continue
        status, submitted = client.post(f"orders/{order['id']}/submit/")
        t2 = time.perf_counter()
        out["submit"].append((t2 - t1) * 1000)
        if status != 200:
            out["errors"].append(
                f"POST orders/{order['id']}/submit/: {status} {str(submitted)[:200]}"
            )
            continue
        out["done"] += 1
        out["credit"][submitted["credit_status"]] = (
            out["credit"].get(submitted["credit_status"], 0) + 1
        )
        out["approvals"].append(submitted["approval"]["id"])


def _approvals(client: Client, spec: dict, out: dict) -> None:
    for request_id in spec["requests"]:
        t0 = time.perf_counter()
        status, body = client.post(f"approvals/{request_id}/approve/")
        out["approve"].append((time.perf_counter() - t0) * 1000)
        if status != 200:
            out["errors"].append(
                f"POST approvals/{request_id}/approve/: {status} {str(body)[:200]}"
            )
            continue
        out["done"] += 1


def _submits(client: Client, spec: dict, out: dict) -> None:
    """Submit drafts made before the barrier: the hot customer's row-locked credit check
    alone, without the create request of each order."""
    for order_id in spec["orders"]:
        t0 = time.perf_counter()
        status, submitted = client.post(f"orders/{order_id}/submit/")
        out["submit"].append((time.perf_counter() - t0) * 1000)
        if status != 200:
            out["errors"].append(f"POST orders/{order_id}/submit/: {status} {str(submitted)[:200]}")
            continue
        out["done"] += 1
        credit = submitted["credit_status"]
        out["credit"][credit] = out["credit"].get(credit, 0) + 1


def _reads(client: Client, spec: dict, out: dict) -> None:
    """The stack's floor: one cheap GET, again and again."""
    for _ in range(spec["count"]):
        t0 = time.perf_counter()
        status, body = client.get(spec["path"])
        out["read"].append((time.perf_counter() - t0) * 1000)
        if status != 200:
            out["errors"].append(f"GET {spec['path']}: {status} {str(body)[:200]}")
            continue
        out["done"] += 1


KINDS = {"orders": _orders, "approvals": _approvals, "submits": _submits, "reads": _reads}


def _client_main(port: int, spec: dict, barrier, queue) -> None:
    out = {"create": [], "submit": [], "approve": [], "read": [], "errors": [], "done": 0,
           "credit": {}, "approvals": []}  # fmt: skip
    client = Client(port, spec["token"])
    try:
        barrier.wait(120)
        out["began"] = time.perf_counter()
        KINDS[spec["kind"]](client, spec, out)
    except Exception as exc:  # reported as an error of the scenario
        out["errors"].append(f"{type(exc).__name__}: {exc}")
    out["ended"] = time.perf_counter()
    queue.put(out)


# --- CPU spent (server, database, clients) ---------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [master, *map(int, children)]


def backend_pids(dbname: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        )
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """CPU seconds of the gunicorn processes, the bench database's backends and the client
    processes between `start()` and `stop()`."""

    def __init__(self, master: int, dbname: str):
        self.master, self.dbname = master, dbname

    def _snapshot(self) -> tuple[dict, dict]:
        server = {pid: cpu_seconds(pid) for pid in server_pids(self.master)}
        database = {pid: cpu_seconds(pid) for pid in backend_pids(self.dbname)}
        return server, database

    def start(self) -> None:
        import resource

        self.server, self.database = self._snapshot()
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)

    def stop(self) -> dict:
        import resource

        from django.db import connections

        server, database = self._snapshot()
        connections.close_all()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)

        def delta(before: dict, after: dict) -> float:
            return sum(t - before.get(pid, 0.0) for pid, t in after.items())

        return {
            "server": delta(self.server, server),
            "database": delta(self.database, database),
            "clients": (children.ru_utime + children.ru_stime)
            - (self.children.ru_utime + self.children.ru_stime),
        }


# --- lock waits ----------------------------------------------------------------------------


class LockSampler(threading.Thread):
    """Samples pg_stat_activity of the bench database every `interval` s while running."""

    def __init__(self, dbname: str, interval: float = 0.01):
        super().__init__(daemon=True)
        self.dbname, self.interval = dbname, interval
        self.stop = threading.Event()
        self.samples = 0
        self.samples_waiting = 0
        self.backend_waits: dict[str, int] = {}
        self.active = 0

    def run(self) -> None:
        import psycopg2
        from django.db import connection

        settings = connection.settings_dict
        db = psycopg2.connect(
            dbname=settings["NAME"], user=settings["USER"] or None,
            password=settings["PASSWORD"] or None, host=settings["HOST"] or None,
            port=settings["PORT"] or None,
        )  # fmt: skip
        db.autocommit = True
        with db.cursor() as cursor:
            while not self.stop.is_set():
                cursor.execute(
                    "SELECT wait_event_type, wait_event, state FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND state <> 'idle'",
                    [self.dbname],
                )
                rows = cursor.fetchall()
                self.samples += 1
                self.active += len(rows)
                waiting = [r for r in rows if r[0] == "Lock"]
                if waiting:
                    self.samples_waiting += 1
                for r in waiting:
                    self.backend_waits[r[1]] = self.backend_waits.get(r[1], 0) + 1
                time.sleep(self.interval)
        db.close()

    def result(self) -> dict:
        return {
            "samples": self.samples,
            "samples_with_lock_wait": self.samples_waiting,
            "share_with_lock_wait": self.samples_waiting / self.samples if self.samples else 0.0,
            "lock_waits_by_event": dict(self.backend_waits),
            "mean_active_backends": self.active / self.samples if self.samples else 0.0,
        }


def scenario(
    port: int, specs: list[dict], *, dbname: str | None = None, master: int | None = None
) -> dict:
    """Run one client process per spec, all released by one barrier; gather their figures."""
    from django.db import connections

    meter = CpuMeter(master, dbname) if dbname and master else None
    if meter:
        meter.start()
    connections.close_all()  # no inherited database connection in the forked clients
    mp = multiprocessing.get_context("fork")
    barrier, queue = mp.Barrier(len(specs)), mp.Queue()
    processes = [mp.Process(target=_client_main, args=(port, s, barrier, queue)) for s in specs]
    sampler = LockSampler(dbname) if dbname else None
    if sampler:
        sampler.start()
    for p in processes:
        p.start()
    outs = [queue.get(timeout=1800) for _ in processes]
    for p in processes:
        p.join()
    if sampler:
        sampler.stop.set()
        sampler.join()
    cpu = meter.stop() if meter else None
    began = min(o["began"] for o in outs if "began" in o)
    ended = max(o["ended"] for o in outs)
    wall = ended - began
    merged = {k: [v for o in outs for v in o[k]] for k in ("create", "submit", "approve", "read")}
    credit: dict[str, int] = {}
    for o in outs:
        for k, v in o["credit"].items():
            credit[k] = credit.get(k, 0) + v
    done = sum(o["done"] for o in outs)
    requests = sum(len(v) for v in merged.values())
    return {
        "clients": len(specs),
        "done": done,
        "wall_s": wall,
        "per_second": done / wall if wall else 0.0,
        "requests_per_second": requests / wall if wall else 0.0,
        "create": stats(merged["create"]),
        "submit": stats(merged["submit"]),
        "approve": stats(merged["approve"]),
        "read": stats(merged["read"]),
        "request": stats(merged["create"] + merged["submit"] + merged["approve"] + merged["read"]),
        "errors": [e for o in outs for e in o["errors"]],
        "credit": credit,
        "approvals": [a for o in outs for a in o["approvals"]],
        "locks": sampler.result() if sampler else None,
        "cpu": cpu,
    }


# --- checks after (a) ----------------------------------------------------------------------


def check_hot(customer_id: int, *, limit: Decimal, gross: Decimal) -> dict:
    """R3 from the rows vs the counter; R4: exactly the first floor(limit / gross) passed, in
    lock order (submitted_at is taken under the customer's lock), and nothing beyond the
    limit."""
    from django.db.models import Sum

    from contracts.models import Contract
    from finance.models import Receipt
    from sales.models import Customer, Order, OrderStatus

    customer = Customer.objects.get(pk=customer_id)
    orders = Order.objects.filter(customer_id=customer_id)
    counted = orders.filter(
        status__in=[OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.CONTRACTED]
    )
    # R3's subtraction (receipts allocated to the orders' contracts) is 0 here: none exist.
    assert not Contract.objects.filter(order__customer_id=customer_id).exists()
    assert not Receipt.objects.filter(customer_id=customer_id).exists()
    from_rows = counted.aggregate(s=Sum("gross_amount"))["s"] or Decimal("0.00")
    in_order = list(counted.order_by("submitted_at", "pk").values_list("credit_status", flat=True))
    passed = in_order.count("passed")
    expected_passed = min(len(in_order), int(limit // gross))
    passed_gross = counted.filter(credit_status="passed").aggregate(s=Sum("gross_amount"))["s"]
    return {
        "exposure_counter": customer.exposure,
        "exposure_from_rows": from_rows,
        "exposure_matches": customer.exposure == from_rows,
        "submitted": len(in_order),
        "passed": passed,
        "hold": in_order.count("hold"),
        "expected_passed": expected_passed,
        "passed_first": in_order[:passed] == ["passed"] * passed
        and "passed" not in in_order[passed:],
        "passed_within_limit": (passed_gross or 0) <= limit,
        "ok": customer.exposure == from_rows
        and passed == expected_passed
        and (passed_gross or 0) <= limit
        and "passed" not in in_order[passed:],
    }


# --- where the submit's time goes (in process, through the services) -------------------------


def lock_profile(ctx: dict, *, runs: int) -> dict:
    """Time the customer row lock of `order_submit` and the number counter lock of
    `order_create`: from the start of the locking SELECT … FOR UPDATE to the end of COMMIT,
    with the statements run while it is held."""
    from django.db import connection
    from django.db.models import F

    from sales.models import Customer
    from sales.services.orders import order_create, order_submit

    clerk = ctx["users"]["sales_clerk"]
    customer = ctx["warm"]
    Customer.objects.filter(pk=customer.pk).update(exposure=F("exposure"))
    log: list[tuple[float, float, str]] = []

    def wrapper(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            log.append((t0, time.perf_counter(), sql))

    original_commit = connection.commit
    commits: list[tuple[float, float]] = []

    def commit():
        t0 = time.perf_counter()
        original_commit()
        commits.append((t0, time.perf_counter()))

    def locks(table: str, sql: str) -> bool:
        """The statement that takes `table`'s row lock: an UPDATE of it, or a SELECT … FROM
        it … FOR UPDATE (not a join of it in another table's locking read)."""
        head = sql.lstrip()
        return head.startswith(f'UPDATE "{table}"') or (
            f'FROM "{table}"' in head and "FOR UPDATE" in head
        )

    def held(table: str) -> tuple[float, float, list[str], float]:
        start = next(i for i, (_a, _b, sql) in enumerate(log) if locks(table, sql))
        t_lock = log[start][0]
        t_end = commits[-1][1]
        inside = log[start + 1 :]
        return (
            (t_end - t_lock) * 1000,
            sum(b - a for a, b, _sql in inside) * 1000,
            [sql for _a, _b, sql in inside],
            (commits[-1][1] - commits[-1][0]) * 1000,
        )

    lines = [dict(line) for line in ctx["lines"]]
    submit_total, submit_held, submit_sql_ms, create_total, create_held = [], [], [], [], []
    commit_ms, statements_submit, statements_create = [], [], []
    connection.commit = commit
    try:
        with connection.execute_wrapper(wrapper):
            for n in range(runs + 3):
                log.clear()
                commits.clear()
                t0 = time.perf_counter()
                order = order_create(actor=clerk, customer_id=customer.pk, lines=lines)
                t1 = time.perf_counter()
                c_held, _c_sql, c_statements, _c_commit = held("core_numbercounter")
                log.clear()
                commits.clear()
                t2 = time.perf_counter()
                order_submit(actor=clerk, order_id=order.pk)
                t3 = time.perf_counter()
                s_held, s_sql, s_statements, s_commit = held("sales_customer")
                if n < 3:
                    continue  # warm-up
                create_total.append((t1 - t0) * 1000)
                create_held.append(c_held)
                submit_total.append((t3 - t2) * 1000)
                submit_held.append(s_held)
                submit_sql_ms.append(s_sql)
                commit_ms.append(s_commit)
                statements_submit, statements_create = s_statements, c_statements
    finally:
        connection.commit = original_commit
    return {
        "runs": runs,
        "create_ms": stats(create_total),
        "counter_held_ms": stats(create_held),
        "submit_ms": stats(submit_total),
        "customer_held_ms": stats(submit_held),
        "sql_while_held_ms": stats(submit_sql_ms),
        "commit_ms": stats(commit_ms),
        "statements_while_customer_held": [summarise(s) for s in statements_submit],
        "statements_while_counter_held": [summarise(s) for s in statements_create],
    }


def summarise(sql: str) -> str:
    words = sql.split()
    head = " ".join(words[:2]) if words else ""
    table = next((w.strip('"') for w in words if w.startswith('"') and "_" in w), "")
    if words and words[0] == "SELECT":
        table = next(
            (words[i + 1].strip('"') for i, w in enumerate(words[:-1]) if w == "FROM"), table
        )
        head = "SELECT … FOR UPDATE" if "FOR UPDATE" in sql else "SELECT"
    return f"{head} {table}".strip()


# --- the run -------------------------------------------------------------------------------


def run(
    *,
    clients: int = 8,
    per_client: int = 25,
    workers: int | None = None,
    worker_class: str = "sync",
    threads: int = 1,
    settings: str = "base",
    lock_runs: int = 30,
    compare: tuple[str, ...] = (),
    database_url: str | None = None,
) -> dict:
    """Set up the bench database, start gunicorn, run (a), (b), (c) and the lock profile;
    return the figures (see `report` for their table)."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    dbname = recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from sales.models import Customer

    say(f"migrating {dbname} …")
    call_command("migrate", verbosity=0)
    ctx = setup(clients=clients)
    gross = order_gross()
    hot_orders = clients * per_client
    limit = gross * (hot_orders - 2 * clients)
    Customer.objects.filter(pk__in=(ctx["hot"].pk, ctx["hot_submits"].pk)).update(
        credit_limit=limit
    )
    workers = workers or 2 * cores() + 1
    figures: dict = {
        "machine": machine(),
        "postgres": postgres_facts(),
        "gunicorn": {
            "workers": workers,
            "worker_class": worker_class,
            "threads": threads,
            "settings": f"config.settings.{settings}",
            "conn_max_age": os.environ["DB_CONN_MAX_AGE"],
            "celery_broker": os.environ["CELERY_BROKER_URL"],
        },
        "load_before": os.getloadavg(),
        "clients": clients,
        "per_client": per_client,
        "order_gross": gross,
        "hot_limit": limit,
    }

    def orders_spec(token: str, customer: int, count: int) -> dict:
        return {"kind": "orders", "token": token, "customer": customer, "count": count,
                "lines": ctx["lines"]}  # fmt: skip

    clerk = ctx["tokens"]["sales_clerk"]
    with Server(
        workers=workers, worker_class=worker_class, threads=threads, settings=settings
    ) as server:
        port, master = server.port, server.process.pid
        say(f"gunicorn on {server.base}: {workers} {worker_class} workers × {threads} threads")
        # Warm-up: every worker answers a few orders (imports, URL resolver, translations).
        warm = scenario(port, [orders_spec(clerk, ctx["warm"].pk, 4) for _ in range(clients)])
        if warm["errors"]:
            raise RuntimeError(f"warm-up failed: {warm['errors'][:3]}")
        say("(a) hot customer …")
        figures["hot"] = scenario(
            port, [orders_spec(clerk, ctx["hot"].pk, per_client) for _ in range(clients)],
            dbname=dbname, master=master,
        )  # fmt: skip
        figures["hot_check"] = check_hot(ctx["hot"].pk, limit=limit, gross=gross)
        say("(b) independent customers, 1 client …")
        figures["one"] = scenario(
            port,
            [orders_spec(ctx["clerks"][0], ctx["customers"][0], per_client)],
            dbname=dbname,
            master=master,
        )
        say(f"(b) independent customers, {clients} clients …")
        figures["many"] = scenario(
            port,
            [
                orders_spec(ctx["clerks"][n], ctx["customers"][n], per_client)
                for n in range(clients)
            ],
            dbname=dbname,
            master=master,
        )
        pending = figures["one"]["approvals"] + figures["many"]["approvals"]
        alone, rest = pending[:per_client], pending[per_client:]
        say("(c) approvals, 1 approver …")
        figures["approve_one"] = scenario(
            port, [{"kind": "approvals", "token": ctx["managers"][0], "requests": alone}],
            dbname=dbname, master=master,
        )  # fmt: skip
        say(f"(c) approvals, {clients} approvers …")
        figures["approve_many"] = scenario(
            port,
            [{"kind": "approvals", "token": ctx["managers"][n], "requests": rest[n::clients]}
             for n in range(clients)],
            dbname=dbname, master=master,
        )  # fmt: skip
        # (a) again, the submits alone: the drafts are made before the barrier, so the
        # clients' requests are the row-locked credit checks (item 4's "submitting orders").
        from sales.services.orders import order_create

        drafts = [
            order_create(
                actor=ctx["users"]["sales_clerk"],
                customer_id=ctx["hot_submits"].pk,
                lines=ctx["lines"],
            ).pk
            for _ in range(hot_orders)
        ]
        say("(a) hot customer, submits only …")
        figures["hot_submits"] = scenario(
            port,
            [{"kind": "submits", "token": clerk, "orders": drafts[n::clients]}
             for n in range(clients)],
            dbname=dbname, master=master,
        )  # fmt: skip
        figures["hot_submits_check"] = check_hot(ctx["hot_submits"].pk, limit=limit, gross=gross)
        # (d) the stack's floor on this machine: the same server and clients, the cheapest
        # requests: /healthz (middleware and SELECT 1, no REST framework) and an authenticated
        # REST detail read (token, visibility, 3 queries). What an order's two requests could
        # never beat.
        reads = per_client * 5
        say("(d) the floor: GET /healthz …")
        figures["floor_health"] = scenario(
            port,
            [{"kind": "reads", "token": clerk, "path": "/healthz", "count": reads}
             for _ in range(clients)],
            dbname=dbname, master=master,
        )  # fmt: skip
        say("(d) the floor: GET /api/v1/customers/{id}/ …")
        detail = f"/api/v1/customers/{ctx['warm'].pk}/"
        figures["floor_detail"] = scenario(
            port,
            [{"kind": "reads", "token": clerk, "path": detail, "count": reads}
             for _ in range(clients)],
            dbname=dbname, master=master,
        )  # fmt: skip
    figures["compare"] = []
    for config in compare:
        kind, n, t, *age = config.split(":")
        say(f"(b) with {config} …")
        with Server(
            workers=int(n),
            worker_class=kind,
            threads=int(t),
            settings=settings,
            conn_max_age=age[0] if age else None,
        ) as server:
            port, master = server.port, server.process.pid
            scenario(port, [orders_spec(clerk, ctx["warm"].pk, 4) for _ in range(clients)])
            result = scenario(
                port,
                [
                    orders_spec(ctx["clerks"][i], ctx["customers"][i], per_client)
                    for i in range(clients)
                ],
                dbname=dbname,
                master=master,
            )
        result.pop("approvals")
        figures["compare"].append((config, result))
    say("lock profile (services, in process) …")
    figures["lock"] = lock_profile(ctx, runs=lock_runs)
    purge_broker()
    return figures


def purge_broker() -> None:
    """Empty the bench's Redis db of the notices the run queued (no worker consumed them)."""
    url = os.environ.get("CELERY_BROKER_URL", "")
    if url.startswith("redis://"):
        import redis

        redis.Redis.from_url(url).flushdb()


# --- the report ----------------------------------------------------------------------------


def report(f: dict) -> str:
    g = f["gunicorn"]
    m = f["machine"]
    out = [
        "Concurrency benchmark (issue 14, item 4) — bench/concurrency.py",
        f"machine: {m['cpus']} CPUs ({m['model']}), {m['ram']}, kernel {m['kernel']}; "
        f"PostgreSQL {f['postgres']['server_version']}; load average before the run "
        f"{f['load_before'][0]:.1f}, after {os.getloadavg()[0]:.1f} (other work on the machine)",
        f"server: gunicorn {g['workers']} {g['worker_class']} workers × {g['threads']} "
        f"threads, {g['settings']}, DEBUG=false, CONN_MAX_AGE={g['conn_max_age']}, "
        f"Celery broker {g['celery_broker']}",
        f"clients: processes, one HTTP connection each; {f['per_client']} orders (3 lines, "
        f"gross {f['order_gross']}) or approvals per client",
        "",
        f"{'scenario':<38}{'clients':>8}{'done':>6}{'per s':>8}{'req/s':>8}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}{'lock-wait':>11}",
    ]
    rows = [
        ("(a) orders, one hot customer", f["hot"]),
        ("(b) orders, 1 client", f["one"]),
        ("(b) orders, N customers", f["many"]),
        ("(c) approvals, 1 approver", f["approve_one"]),
        ("(c) approvals, N approvers", f["approve_many"]),
    ]
    extra = [
        ("(a) submits only, one hot customer", f.get("hot_submits")),
        ("(d) floor: GET /healthz", f.get("floor_health")),
        ("(d) floor: GET customers/{id}/ (REST)", f.get("floor_detail")),
    ]
    rows += [(label, s) for label, s in extra if s]
    for label, s in rows:
        locks = s["locks"]
        share = f"{100 * locks['share_with_lock_wait']:.0f} %" if locks else "-"
        out.append(
            f"{label:<38}{s['clients']:>8}{s['done']:>6}{s['per_second']:>8.1f}"
            f"{s['requests_per_second']:>8.1f}{s['request']['p50']:>9.1f}"
            f"{s['request']['p95']:>9.1f}{len(s['errors']):>8}{share:>11}"
        )
    out.append("  (per s: submitted orders or approvals per second of wall time; p50/p95: per "
               "HTTP request; lock-wait: share of 10 ms samples of pg_stat_activity with a "
               "backend waiting on a lock)")  # fmt: skip
    out.append("")
    out.append("per request, p50 / p95 ms:")
    for label, s in rows[:3]:
        out.append(
            f"  {label:<36} create {s['create']['p50']:.1f} / {s['create']['p95']:.1f}   "
            f"submit {s['submit']['p50']:.1f} / {s['submit']['p95']:.1f}   credit {s['credit']}"
        )
    for label, s in rows[3:5]:
        out.append(f"  {label:<36} approve {s['approve']['p50']:.1f} / {s['approve']['p95']:.1f}")
    out.append("")
    hot, one, many = f["hot"]["per_second"], f["one"]["per_second"], f["many"]["per_second"]
    out.append(
        f"(a) {hot:.1f} orders/s for one hot customer (target ≥ {TARGET_HOT:.0f}: "
        f"{'met' if hot >= TARGET_HOT else 'NOT met'}); {hot / one:.2f} × one client"
    )
    out.append(
        f"(b) {many:.1f} orders/s with {f['many']['clients']} customers = {many / one:.2f} × one "
        f"client ({one:.1f}/s) on {m['cpus']} CPUs shared by server, database and clients; "
        f"hot / independent = {hot / many:.2f}"
    )
    a1, an = f["approve_one"]["approve"]["p50"], f["approve_many"]["approve"]["p50"]
    out.append(
        f"(c) {f['approve_many']['per_second']:.1f} approvals/s with "
        f"{f['approve_many']['clients']} approvers vs {f['approve_one']['per_second']:.1f}/s "
        f"alone; p50 {an:.1f} ms vs {a1:.1f} ms; lock waits sampled: "
        f"{f['approve_many']['locks']['samples_with_lock_wait']} of "
        f"{f['approve_many']['locks']['samples']} samples"
    )
    if f.get("hot_submits"):
        sub = f["hot_submits"]["per_second"]
        out.append(
            f"(a) submits only (drafts made before): {sub:.1f} orders submitted/s for one hot "
            f"customer (target ≥ {TARGET_HOT:.0f}: {'met' if sub >= TARGET_HOT else 'NOT met'}); "
            f"credit {f['hot_submits']['credit']}; after: "
            f"{'OK' if f['hot_submits_check']['ok'] else 'FAILED'}"
        )
    if f.get("floor_detail"):
        health, detail = f["floor_health"], f["floor_detail"]
        out.append(
            f"(d) the floor of this machine's stack ({f['clients']} clients, same server): "
            f"GET /healthz {health['per_second']:.0f}/s, an authenticated REST detail read "
            f"{detail['per_second']:.0f}/s — {TARGET_HOT:.0f} orders/s as create + submit "
            f"would be {2 * TARGET_HOT:.0f} writing requests/s, "
            f"{2 * TARGET_HOT / detail['per_second']:.1f} × what the stack serves of its "
            f"cheapest authenticated read"
        )
    c = f["hot_check"]
    out.append(
        f"after (a): exposure counter {c['exposure_counter']} vs R3 from the rows "
        f"{c['exposure_from_rows']} ({'equal' if c['exposure_matches'] else 'DIFFERENT'}); "
        f"limit {f['hot_limit']}: {c['passed']} passed (expected {c['expected_passed']}), "
        f"{c['hold']} on hold, passed first in lock order: {c['passed_first']}, within the "
        f"limit: {c['passed_within_limit']} → {'OK' if c['ok'] else 'FAILED'}"
    )
    for label, s in rows:
        if s["locks"] and s["locks"]["lock_waits_by_event"]:
            out.append(
                f"  lock waits in {label}: {s['locks']['lock_waits_by_event']} (backend samples); "
                f"mean active backends {s['locks']['mean_active_backends']:.1f}"
            )
        for error in s["errors"][:3]:
            out.append(f"  error in {label}: {error}")
    out.append("")
    out.append(
        "CPU per order / approval (ms; server = gunicorn workers, database = PostgreSQL "
        "backends, clients = the client processes) and what one core would do:"
    )
    for label, s in rows:
        if not s["cpu"] or not s["done"]:
            continue
        server, database, clients_ = (
            1000 * s["cpu"][k] / s["done"] for k in ("server", "database", "clients")
        )
        out.append(
            f"  {label:<36} server {server:6.1f}  database {database:6.1f}  clients "
            f"{clients_:5.1f}  → {1000 / (server + database):5.1f} per s per core "
            f"(server + database)"
        )
    if f["compare"]:
        out.append("")
        out.append(
            f"(b) with {f['clients']} clients on other server settings (worker class:workers:"
            "threads[:CONN_MAX_AGE]); CPU ms per order:"
        )
        for config, s in f["compare"]:
            cpu = s["cpu"]
            database = (
                f"{1000 * cpu['database'] / max(1, s['done']):5.1f}"
                if config.count(":") < 3 or config.rsplit(":", 1)[1] != "0"
                else "n/a (a connection per request: its backend is gone before it is measured)"
            )
            out.append(
                f"  {config:<20} {s['per_second']:6.1f} orders/s  p50 {s['request']['p50']:7.1f}  "
                f"p95 {s['request']['p95']:7.1f}  errors {len(s['errors'])}  server "
                f"{1000 * cpu['server'] / max(1, s['done']):5.1f}  database {database}"
            )
    lock = f["lock"]
    out.append("")
    out.append(
        f"where a submit's time goes (services in process, {lock['runs']} runs, ms p50/p95):"
    )
    out.append(
        f"  order_submit {lock['submit_ms']['p50']:.2f} / {lock['submit_ms']['p95']:.2f}; "
        f"customer row lock held {lock['customer_held_ms']['p50']:.2f} / "
        f"{lock['customer_held_ms']['p95']:.2f} (SQL while held "
        f"{lock['sql_while_held_ms']['p50']:.2f}, COMMIT {lock['commit_ms']['p50']:.2f}); "
        f"bound on one customer: ≤ {1000 / lock['customer_held_ms']['p50']:.0f} submits/s"
    )
    out.append(
        "  statements while the customer row is locked: "
        + "; ".join(lock["statements_while_customer_held"])
    )
    out.append(
        f"  order_create {lock['create_ms']['p50']:.2f} / {lock['create_ms']['p95']:.2f}; "
        f"order number counter locked {lock['counter_held_ms']['p50']:.2f} / "
        f"{lock['counter_held_ms']['p95']:.2f} (every order of every customer): "
        f"≤ {1000 / lock['counter_held_ms']['p50']:.0f} creates/s"
    )
    out.append(
        "  statements while the counter row is locked: "
        + "; ".join(lock["statements_while_counter_held"])
    )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--workers", type=int, default=0, help="default 2 × cores + 1")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--settings", choices=("base", "production"), default="base")
    parser.add_argument("--lock-runs", type=int, default=30)
    parser.add_argument(
        "--compare",
        default="",
        help="also run (b) on these servers, e.g. gthread:2:4,sync:5:1:0 "
        "(class:workers:threads[:CONN_MAX_AGE])",
    )
    parser.add_argument("--no-save", action="store_true", help="do not write the results file")
    args = parser.parse_args()
    figures = run(
        clients=args.clients,
        per_client=args.per_client,
        workers=args.workers or None,
        worker_class=args.worker_class,
        threads=args.threads,
        settings=args.settings,
        lock_runs=args.lock_runs,
        compare=tuple(c for c in args.compare.split(",") if c),
    )
    text = report(figures)
    command = "python -m bench.concurrency " + " ".join(sys.argv[1:])
    text = f"{text}\n\ncommand: {command.strip()}\n"
    print(text)
    if not args.no_save:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
