"""`manage.py check_invariants` and the nightly task (issue 16, core.invariants): on a chain of
real documents — order, contract, production notice, a signed delivery, a receipt, an invoice,
an approved shipping notice holding stock — every check holds; each invariant broken by a
corrupted row (a direct `.update()` or insert: bypassing the services is the point here) is
reported by exactly its check, naming the row, and the command exits 1 with the report."""

# ruff: noqa: F811  (the inventory chain's fixtures, imported below, are the books' arguments)
import json
from decimal import Decimal

import pytest
from celery.result import EagerResult
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from approvals.models import ApprovalRequest, RequestStep
from approvals.services import approval_decide
from contracts.models import ContractLedger
from core.invariants import invariants_check_and_mail, run_invariants
from core.models import NumberCounter
from core.tasks import invariants_check
from finance.models import Account, JournalEntry, JournalLine, Receipt
from finance.services import invoice_create, invoice_submit
from inventory.models import StockLevel
from sales.models import Customer, Order
from tests.finance.conftest import collect, deliver
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
    approved_notice,
    approved_order,
    catalogue,
    contract,
    customer,
    finance,
    guard,
    head,
    keeper,
    lathe_line,
    planner,
    put_stock,
    released_notice,
    salesvp,
    warehouse,
)

CHECKS = {"numbers", "approvals", "exposure", "ledger", "stock", "journal", "receipts"}


@pytest.fixture
def books(
    make_user,
    clerk,
    manager,
    keeper,
    guard,
    planner,
    salesvp,
    finance,
    warehouse,
    contract,
    lathe_line,
):
    """The chain through the real services; what the corruptions below aim at."""
    vp = make_user("finance_vp", username="vp.zhou")
    released_notice(planner=planner, salesvp=salesvp, contract=contract, line=lathe_line)
    chain = {"clerk": clerk, "manager": manager, "keeper": keeper, "guard": guard}
    deliver(contract=contract, warehouse=warehouse, line=lathe_line, **chain)
    receipt = collect(finance, contract, "221094.00", timezone.localdate())  # 60 %: R17
    invoice = invoice_create(actor=finance, contract_id=contract.pk, amount=Decimal("100000.00"))
    invoice_submit(actor=finance, invoice_id=invoice.pk)
    invoice.refresh_from_db()
    approval_decide(actor=vp, request_id=invoice.approval_request.pk, approve=True)
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    return {"contract": contract, "receipt": receipt, "notice": notice, "warehouse": warehouse}


def _broken(results) -> dict[str, list[str]]:
    return {r.name: [b.subject for b in r.breaks] for r in results if not r.ok}


def _command(*args) -> tuple[int, str]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("check_invariants", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.mark.django_db
def test_real_documents_keep_every_invariant(books):
    results = run_invariants()
    assert {r.name for r in results} == CHECKS
    assert _broken(results) == {}
    code, report = _command()
    assert code == 0
    assert all(f"{name}" in report for name in CHECKS)
    assert report.count(" ok ") == len(CHECKS)


def _year() -> int:
    return timezone.localdate().year


def _exposure(books):
    customer = books["contract"].customer
    Customer.objects.filter(pk=customer.pk).update(exposure=F("exposure") + Decimal("0.01"))
    return "exposure", f"customer {customer.code}"


def _collected(books):
    contract = books["contract"]
    ContractLedger.objects.filter(contract=contract).update(collected=F("collected") - 1)
    return "ledger", f"contract {contract.number}"


def _delivered(books):
    contract = books["contract"]
    ContractLedger.objects.filter(contract=contract).update(delivered=F("delivered") + 1)
    return "ledger", f"contract {contract.number}"


def _journal(books):
    entry = JournalEntry.objects.filter(source_type="receipt").first()
    # An insert: the journal refuses every UPDATE (R24), not a stray line.
    JournalLine.objects.create(
        entry=entry, account=Account.objects.get(code="1002"), debit=Decimal("5.00")
    )
    return "journal", f"journal entry {entry.pk}"


def _receipt(books):
    receipt = books["receipt"]
    Receipt.objects.filter(pk=receipt.pk).update(allocated=F("allocated") - 1)
    return "receipts", f"receipt {receipt.number}"


def _on_hand(books):
    level = StockLevel.objects.get(warehouse=books["warehouse"], product__code="P-1001")
    StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + 1)
    return "stock", "product P-1001 in WH-01"


def _reserved(books):
    StockLevel.objects.filter(warehouse=books["warehouse"], product__code="P-1001").update(
        reserved=0
    )
    return "stock", "product P-1001 in WH-01"


def _number_gap(books):
    NumberCounter.objects.filter(series="invoice", year=_year()).update(last=F("last") + 1)
    return "numbers", f"series invoice {_year()}"


def _number_twice(books):
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(number=f"SO-{_year()}-00007")
    return "numbers", f"series order {_year()}"


def _step_undecided(books):
    request = ApprovalRequest.objects.get(document_type="contract")
    RequestStep.objects.filter(request=request, role="finance").update(status="open")
    return "approvals", f"contract {books['contract'].number}"


def _no_request(books):
    notice = books["notice"]
    ApprovalRequest.objects.filter(document_type="shipping_notice", document_id=notice.pk).update(
        status="rejected"
    )
    return "approvals", f"shipping_notice {notice.number}"


CORRUPTIONS = [
    _exposure,
    _collected,
    _delivered,
    _journal,
    _receipt,
    _on_hand,
    _reserved,
    _number_gap,
    _number_twice,
    _step_undecided,
    _no_request,
]


@pytest.mark.django_db
@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__.strip("_"))
def test_a_corrupted_row_is_reported_by_its_check_naming_it(books, corrupt):
    check, subject = corrupt(books)

    broken = _broken(run_invariants())

    assert list(broken) == [check]
    assert subject in broken[check]
    code, report = _command()
    assert code == 1
    assert subject in report
    assert f"{check} " in report and "break" in report
    code, only = _command("--check", check, "--json")
    assert code == 1
    answer = json.loads(only[: only.rindex("}") + 1])
    assert answer["ok"] is False
    assert [c["check"] for c in answer["checks"]] == [check]
    assert subject in [b["subject"] for b in answer["checks"][0]["breaks"]]


@pytest.mark.django_db
def test_an_unknown_check_is_refused_naming_it():
    code, message = _command("--check", "nope")
    assert code == 2
    assert "nope" in message and "exposure" in message


@pytest.mark.django_db
def test_the_nightly_check_mails_finance_only_on_a_break(books, make_user, mailoutbox):
    make_user("finance", username="finance.li", email="")  # no address: nobody to mail
    make_user("sales_manager", username="manager.zhang")
    assert invariants_check_and_mail()["broken"] == {}
    assert mailoutbox == []

    _check, subject = _exposure(books)
    summary = invariants_check_and_mail()

    assert summary["broken"] == {"exposure": 2}  # the counter against its orders, and R3's
    assert [m.to for m in mailoutbox] == [["finance.sun@example.com"]]
    assert "exposure" in mailoutbox[0].subject
    assert subject in mailoutbox[0].body


@pytest.mark.celery_worker
def test_the_worker_runs_the_nightly_check_and_mails_finance_on_a_break(
    books, mailoutbox, celery_live_worker
):
    mailoutbox.clear()  # the approvals' mails of the chain
    first = invariants_check.delay()
    assert not isinstance(first, EagerResult)
    assert first.get(timeout=30)["broken"] == {}
    assert mailoutbox == []

    _check, subject = _receipt(books)
    assert invariants_check.delay().get(timeout=30)["broken"] == {"receipts": 1}
    assert [m.to for m in mailoutbox] == [["finance.sun@example.com"]]
    assert subject in mailoutbox[0].body


def test_every_approvable_document_declares_the_states_its_approval_leads_to():
    from approvals.documents import registered_types
    from approvals.invariants import approved_states
    from core.invariants import autodiscover

    autodiscover()
    declared = {str(model.approval_document_type) for model, _statuses in approved_states()}
    assert declared == set(registered_types())


def test_every_numbered_series_in_the_code_is_checked():
    """Each `document_number(series=…)` of the apps' services is a registered series (R8), so
    a new numbered document cannot be left out of the `numbers` check."""
    import re
    from pathlib import Path

    from core.invariants import numbered_series

    root = Path(__file__).resolve().parents[2]
    used = {
        match
        for app in ("sales", "contracts", "inventory", "finance", "approvals")
        for path in (root / app).rglob("*.py")
        for match in re.findall(
            r'document_number\([^)]*series="(\w+)"', path.read_text(encoding="utf-8")
        )
    }
    assert used
    assert used == {entry.series for entry in numbered_series()}
