"""A primary with a read replica (README: Scaling, issue 14 item 7): with the router on, report
reads go to the `replica` alias and every write — and every read in a transaction — to the
primary; without `DATABASE_REPLICA_URL` there is one database and no router.

The test profile declares `replica` as a test mirror of `default`: a second connection to the
same test database, so the data a test commits is there to read and each connection's queries
can be captured apart. The router is switched on per test."""

import datetime
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connections, router, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.routers import ReplicaRouter
from contracts.models import ContractDue, ContractLedger
from contracts.selectors import contract_list, ledger_sheet
from core.db import PIN_COOKIE, REPLICA, reporting
from finance.models import Allocation, Receipt
from finance.selectors import (
    aging_contract,
    aging_customer,
    aging_report,
    customer_statement,
    trial_balance,
)
from finance.selectors_monthend import month_summary
from sales.models import Customer
from tests.finance.conftest import collect, due
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
    approved_order,
    catalogue,
    contract,
    customer,
    finance,
    head,
)

ROOT = Path(__file__).resolve().parents[2]
BOTH = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
ROUTER = "config.routers.ReplicaRouter"
PIN_MIDDLEWARE = "core.db.PrimaryAfterWriteMiddleware"
DUES_TABLE = ContractDue._meta.db_table


@pytest.fixture
def routed(settings):
    settings.DATABASE_ROUTERS = [ROUTER]
    return settings


class Captured:
    """Every query of the block, per connection (`primary`, `replica`: their SQL), kept when
    the block ends — a later request clears the connections' logs."""

    def __enter__(self):
        self._contexts = [CaptureQueriesContext(connections[a]) for a in ("default", REPLICA)]
        for context in self._contexts:
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in reversed(self._contexts):
            context.__exit__(*exc)
        self.primary, self.replica = (
            [query["sql"] for query in context.captured_queries] for context in self._contexts
        )


@pytest.fixture
def captured():
    return Captured


@pytest.fixture
def receivable(contract, finance):  # noqa: F811
    """A contract with dues in three buckets and a receipt applied to the oldest, committed;
    `finance` reads and writes."""
    today = timezone.localdate()
    due(contract, "1000.00", today - datetime.timedelta(days=100))
    due(contract, "2000.00", today - datetime.timedelta(days=45))
    due(contract, "3000.00", today + datetime.timedelta(days=5))
    collect(finance, contract, "1500.00", today - datetime.timedelta(days=2))
    return SimpleNamespace(contract=contract, finance=finance)


def _settings_of(environ: dict) -> dict:
    code = (
        "import json, config.settings.base as s; print(json.dumps({"
        "'aliases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
        f"'pinned': {PIN_MIDDLEWARE!r} in s.MIDDLEWARE, "
        "'replica': s.DATABASES.get('replica', {}).get('NAME'), "
        "'no_server_cursors': [d['DISABLE_SERVER_SIDE_CURSORS'] for d in s.DATABASES.values()]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def test_without_a_replica_url_there_is_one_database_and_no_router():
    environ = {**os.environ, "DATABASE_URL": "postgres://o2c@db:5432/o2c"}
    environ.pop("DATABASE_REPLICA_URL", None)
    environ.pop("DB_DISABLE_SERVER_SIDE_CURSORS", None)

    assert _settings_of(environ) == {
        "aliases": ["default"],
        "routers": [],
        "pinned": False,
        "replica": None,
        "no_server_cursors": [False],
    }


def test_a_replica_url_adds_the_replica_alias_the_router_and_read_your_writes():
    environ = {
        **os.environ,
        "DATABASE_URL": "postgres://o2c@pgbouncer:6432/o2c",
        "DATABASE_REPLICA_URL": "postgres://o2c@pgbouncer-replica:6432/o2c",
        "DB_DISABLE_SERVER_SIDE_CURSORS": "true",
    }

    assert _settings_of(environ) == {
        "aliases": ["default", "replica"],
        "routers": [ROUTER],
        "pinned": True,
        "replica": "o2c",
        "no_server_cursors": [True, True],
    }


def test_the_router_writes_and_migrates_on_the_primary_and_relates_both_aliases():
    replica_router = ReplicaRouter()
    on_replica, on_primary = Customer(), Customer()
    on_replica._state.db, on_primary._state.db = REPLICA, "default"

    with reporting():
        assert replica_router.db_for_write(Customer) == "default"
    assert replica_router.allow_migrate("default", "sales") is True
    assert replica_router.allow_migrate(REPLICA, "sales") is False
    assert replica_router.allow_relation(on_replica, on_primary) is True


@BOTH
def test_the_aging_report_reads_the_replica_and_gives_the_same_figures(
    receivable, settings, captured
):
    customer_id = receivable.contract.customer_id
    with reporting():  # the router is off: without a replica nothing moves
        assert router.db_for_read(ContractDue) == "default"
    expected = (
        aging_report(user=receivable.finance),
        aging_customer(user=receivable.finance, customer_id=customer_id),
        aging_contract(user=receivable.finance, contract_id=receivable.contract.pk),
    )
    settings.DATABASE_ROUTERS = [ROUTER]

    with captured() as queries:
        report = aging_report(user=receivable.finance)
        by_customer = aging_customer(user=receivable.finance, customer_id=customer_id)
        by_contract = aging_contract(user=receivable.finance, contract_id=receivable.contract.pk)

    assert (report, by_customer, by_contract) == expected
    assert report["total"] == Decimal("4500.00")
    assert queries.primary == []
    assert sum("left_after" in sql for sql in queries.replica) == 3


@BOTH
def test_the_other_reports_and_an_export_read_the_replica_with_the_same_results(
    receivable, settings, captured
):
    reader, today = receivable.finance, timezone.localdate()

    def reports():
        statement = customer_statement(
            user=reader,
            customer_id=receivable.contract.customer_id,
            date_from=today - datetime.timedelta(days=200),
            date_to=today,
        )
        ledger = ledger_sheet(contract_list(user=reader))
        return trial_balance(period=f"{today:%Y-%m}"), statement, month_summary(3), ledger.rows

    expected = reports()
    settings.DATABASE_ROUTERS = [ROUTER]

    with captured() as queries:
        figures = reports()

    assert figures == expected
    assert queries.primary == []
    assert len(queries.replica) >= 6


@BOTH
def test_reads_outside_a_report_stay_on_the_primary(receivable, routed, captured):
    with captured() as queries:
        ledger = ContractLedger.objects.get(contract_id=receivable.contract.pk)
        with reporting():
            due_row = ContractDue.objects.filter(contract_id=receivable.contract.pk).first()
        # An object read in a report does not lead later reads to the replica.
        due_contract = due_row.contract

    assert ledger.collected == Decimal("1500.00")
    assert due_contract.pk == receivable.contract.pk
    assert len(queries.primary) == 2
    assert len(queries.replica) == 1
    assert DUES_TABLE in queries.replica[0]


@BOTH
def test_every_write_goes_to_the_primary_even_inside_a_report(receivable, routed, captured):
    today, actor = timezone.localdate(), receivable.finance
    with captured() as queries, reporting():
        # R16: the receipt service locks the customer's row and writes several tables.
        receipt = collect(actor, receivable.contract, "500.00", today)
        created = Customer.objects.create(code="C-ROUTED", name="路由客户", owner=actor)
        created.email = "routed@example.com"
        created.save()
        Customer.objects.filter(pk=created.pk).update(phone="021-0000")
        with transaction.atomic():
            locked = Customer.objects.select_for_update().get(pk=created.pk)
            Customer.objects.get_or_create(code="C-ROUTED", defaults={"owner": actor})
        created.delete()

    assert locked.phone == "021-0000"
    assert queries.replica == []
    written = " ".join(queries.primary).upper()
    for statement in ("INSERT", "UPDATE", "DELETE"):
        assert statement in written
    if connections["default"].vendor == "postgresql":
        assert "FOR UPDATE" in written
    assert Receipt.objects.get(pk=receipt.pk).allocated == Decimal("500.00")
    assert Allocation.objects.filter(receipt=receipt).count() == 1


@BOTH
def test_a_report_read_inside_a_transaction_stays_on_the_primary(receivable, routed, captured):
    with captured() as queries, transaction.atomic():
        report = aging_report(user=receivable.finance)
        balance = trial_balance(period=f"{timezone.localdate():%Y-%m}")

    assert report["total"] == Decimal("4500.00")
    assert balance["totals"]["debit"] == balance["totals"]["credit"]
    assert queries.replica == []
    assert any(DUES_TABLE in sql for sql in queries.primary)


@BOTH
def test_after_their_own_write_a_client_reads_reports_from_the_primary(
    receivable, routed, captured, client
):
    routed.MIDDLEWARE = [*routed.MIDDLEWARE, PIN_MIDDLEWARE]
    client.force_login(receivable.finance)

    with captured() as before:
        assert client.get("/finance/aging/").status_code == 200
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.cookies[PIN_COOKIE]["max-age"] == routed.REPLICA_PIN_SECONDS
    with captured() as after:
        page = client.get("/finance/aging/")

    assert any(DUES_TABLE in sql for sql in before.replica)
    assert not any(DUES_TABLE in sql for sql in before.primary)
    assert "4,500.00" in page.content.decode()
    assert after.replica == []
    assert any(DUES_TABLE in sql for sql in after.primary)
