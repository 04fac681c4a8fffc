"""`period_closed` for every kind of posting (R20; issue 13 item 3): with the month concerned
closed, each posting is refused — through its service and through REST (409 `period_closed`
naming the field) — and nothing is written: no journal entry, the contract ledgers, receipts,
allocations, invoices, notices, approvals and bank lines exactly as before.

The month concerned: the document's own date for a signed delivery, a receipt, a bank line and
a month's interest (last month is closed); today for what is dated today — an allocation made
later, a reversal, an invoice or red invoice issued at the VP's approval (the current month is
closed by creating its `ClosedPeriod` row, as the month-end close does). Commission postings are
tested with the commission slips."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from approvals.models import ApprovalRequest, Decision
from approvals.services import approval_decide
from contracts.models import ContractDue, ContractLedger
from core.errors import RuleViolation
from core.models import ClosedPeriod
from core.periods import period_of
from finance.models import (
    Allocation,
    BankStatementLine,
    InterestPosting,
    Invoice,
    JournalEntry,
    JournalLine,
    Receipt,
)
from finance.services import (
    bank_statement_confirm,
    bank_statement_upload,
    interest_post_month,
    invoice_create,
    invoice_red_create,
    invoice_submit,
    receipt_allocate,
    receipt_create,
    receipt_reverse,
)
from inventory import services as inventory
from inventory.models import ShippingNotice
from tests.finance.conftest import collect, due
from tests.finance.test_bank_import import csv_file
from tests.inventory.conftest import shipped_notice

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R20")]

TODAY = timezone.localdate
API = "/api/v1"


def last_month_day() -> datetime.date:
    return TODAY().replace(day=1) - datetime.timedelta(days=1)


def close(day: datetime.date) -> None:
    ClosedPeriod.objects.create(period=period_of(day))


def state() -> dict:
    """Everything a posting could write."""
    return {
        "entries": list(JournalEntry.objects.order_by("pk").values()),
        "lines": JournalLine.objects.count(),
        "ledgers": list(ContractLedger.objects.order_by("pk").values()),
        "dues": list(ContractDue.objects.order_by("pk").values()),
        "receipts": list(Receipt.objects.order_by("pk").values()),
        "allocations": list(Allocation.objects.order_by("pk").values()),
        "invoices": list(Invoice.objects.order_by("pk").values()),
        "notices": list(
            ShippingNotice.objects.order_by("pk").values("pk", "status", "signed_by", "signed_at")
        ),
        "interest": list(InterestPosting.objects.values_list("pk", flat=True)),
        "approvals": list(ApprovalRequest.objects.order_by("pk").values("pk", "status")),
        "decisions": Decision.objects.count(),
        "bank_lines": list(BankStatementLine.objects.order_by("pk").values()),
    }


# -- each kind of posting: its setup, then (service call, REST call, the field named) ----------


class Case:
    def __init__(self, service, rest, field: str):
        self.service, self.rest, self.field = service, rest, field


def _shipped(chain):
    return shipped_notice(
        clerk=chain["clerk"],
        manager=chain["manager"],
        keeper=chain["keeper"],
        guard=chain["guard"],
        contract=chain["contract"],
        warehouse=chain["warehouse"],
        line=chain["lathe_line"],
    )


def _delivery(chain, api) -> Case:
    """R14: the customer signed last month, which is closed."""
    notice, clerk, day = _shipped(chain), chain["clerk"], last_month_day()
    close(day)
    return Case(
        lambda: inventory.shipping_notice_confirm_delivery(
            actor=clerk, notice_id=notice.pk, signed_by="李四", signed_at=day.isoformat()
        ),
        lambda: api.as_user(clerk).post(
            f"{API}/shipping-notices/{notice.pk}/confirm-delivery/",
            {"signed_by": "李四", "signed_at": day.isoformat()},
            format="json",
        ),
        "signed_at",
    )


def _advance_at_delivery(chain, api) -> Case:
    """R14 with R16: the contract holds an advance (collected, nothing delivered) that the
    delivery would apply (Dr 2203 / Cr 1122) — dated the signing day, in the closed month."""
    collect(chain["finance"], chain["contract"], "200000.00", TODAY())
    assert ContractLedger.objects.get(contract=chain["contract"]).collected > 0
    return _delivery(chain, api)


def _receipt(chain, api) -> Case:
    """R16: received last month, which is closed."""
    finance, customer, day = chain["finance"], chain["customer"], last_month_day()
    close(day)
    data = {
        "customer": customer.pk,
        "amount": "1000.00",
        "method": "bank_transfer",
        "received_on": day.isoformat(),
        "allocations": [{"contract": chain["contract"].pk, "amount": "1000.00"}],
    }
    return Case(
        lambda: receipt_create(
            actor=finance,
            customer_id=customer.pk,
            amount=Decimal("1000.00"),
            method="bank_transfer",
            received_on=day,
            allocations=data["allocations"],
        ),
        lambda: api.as_user(finance).post(f"{API}/receipts/", data, format="json"),
        "received_on",
    )


def _on_account(chain) -> Receipt:
    return receipt_create(
        actor=chain["finance"],
        customer_id=chain["customer"].pk,
        amount=Decimal("5000.00"),
        method="bank_transfer",
        received_on=TODAY(),
        allocations=[],
    )


def _allocation(chain, api) -> Case:
    """R16: money on account allocated later, dated today — today's month closed."""
    receipt, finance = _on_account(chain), chain["finance"]
    close(TODAY())
    allocations = [{"contract": chain["contract"].pk, "amount": "5000.00"}]
    return Case(
        lambda: receipt_allocate(actor=finance, receipt_id=receipt.pk, allocations=allocations),
        lambda: api.as_user(finance).post(
            f"{API}/receipts/{receipt.pk}/allocate/", {"allocations": allocations}, format="json"
        ),
        "allocated_on",
    )


def _reversal(chain, api) -> Case:
    """R24: a receipt (allocated to a contract) reversed today — today's month closed."""
    receipt = collect(chain["finance"], chain["contract"], "5000.00", TODAY())
    finance = chain["finance"]
    close(TODAY())
    return Case(
        lambda: receipt_reverse(actor=finance, receipt_id=receipt.pk, reason="录错"),
        lambda: api.as_user(finance).post(
            f"{API}/receipts/{receipt.pk}/reverse/", {"reason": "录错"}, format="json"
        ),
        "reversed_at",
    )


def _submitted(chain, invoice_id) -> ApprovalRequest:
    invoice_submit(actor=chain["finance"], invoice_id=invoice_id)
    return Invoice.objects.get(pk=invoice_id).approval_request


def _approve(chain, api, request: ApprovalRequest, field: str) -> Case:
    vp = chain["vp"]
    return Case(
        lambda: approval_decide(actor=vp, request_id=request.pk, approve=True),
        lambda: api.as_user(vp).post(f"{API}/approvals/{request.pk}/approve/", {}, format="json"),
        field,
    )


def _invoice(chain, api) -> Case:
    """R17: the VP's approval issues the invoice today (number, `invoiced`, its VAT entry)."""
    collect(chain["finance"], chain["contract"], "368490.00", TODAY())
    invoice = invoice_create(
        actor=chain["finance"], contract_id=chain["contract"].pk, amount="100000.00"
    )
    request = _submitted(chain, invoice.pk)
    close(TODAY())
    return _approve(chain, api, request, "issued_on")


def _red_invoice(chain, api) -> Case:
    """R17: the red invoice of an issued invoice, issued at the VP's approval today."""
    collect(chain["finance"], chain["contract"], "368490.00", TODAY())
    invoice = invoice_create(
        actor=chain["finance"], contract_id=chain["contract"].pk, amount="100000.00"
    )
    approval_decide(actor=chain["vp"], request_id=_submitted(chain, invoice.pk).pk, approve=True)
    red = invoice_red_create(actor=chain["finance"], invoice_id=invoice.pk)
    request = _submitted(chain, red.pk)
    close(TODAY())
    return _approve(chain, api, request, "issued_on")


def _interest(chain, api) -> Case:
    """R18: last month's interest on an amount overdue all through it; last month closed."""
    day = last_month_day()
    due(chain["contract"], "100000.00", day.replace(day=1) - datetime.timedelta(days=10))
    period = period_of(day)
    close(day)
    finance = chain["finance"]
    return Case(
        lambda: interest_post_month(actor=finance, period=period),
        lambda: api.as_user(finance).post(
            f"{API}/interest-postings/", {"period": period}, format="json"
        ),
        "period",
    )


def _bank_confirm(chain, api) -> Case:
    """Bank import: a statement line dated last month (closed) confirmed into a receipt."""
    day, finance, customer = last_month_day(), chain["finance"], chain["customer"]
    statement = bank_statement_upload(
        actor=finance, upload=csv_file([[day.isoformat(), "10.00", customer.name, "LATE-1"]])
    )
    close(day)
    lines = [{"row": 2, "customer": customer.pk}]
    return Case(
        lambda: bank_statement_confirm(actor=finance, statement_id=statement.pk, lines=lines),
        lambda: api.as_user(finance).post(
            f"{API}/bank-statements/{statement.pk}/confirm/", {"lines": lines}, format="json"
        ),
        "lines.0.received_on",
    )


KINDS = {
    "signed_delivery": _delivery,
    "advance_applied_at_delivery": _advance_at_delivery,
    "receipt": _receipt,
    "allocation_later": _allocation,
    "receipt_reversal": _reversal,
    "invoice_issue": _invoice,
    "red_invoice_issue": _red_invoice,
    "interest_posting": _interest,
    "bank_statement_confirm": _bank_confirm,
}


@pytest.fixture
def vp(make_user):
    return make_user("finance_vp", username="vp.zhou")


@pytest.fixture
def chain(clerk, manager, keeper, guard, finance, vp, customer, contract, warehouse, lathe_line):
    return {
        "clerk": clerk,
        "manager": manager,
        "keeper": keeper,
        "guard": guard,
        "finance": finance,
        "vp": vp,
        "customer": customer,
        "contract": contract,
        "warehouse": warehouse,
        "lathe_line": lathe_line,
    }


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_service_refuses_a_posting_in_a_closed_month_and_writes_nothing(kind, chain, api):
    case = KINDS[kind](chain, api)
    before = state()

    with pytest.raises(RuleViolation) as refused:
        case.service()

    assert refused.value.code == "period_closed"
    assert list(refused.value.errors) == [case.field]
    assert state() == before


@pytest.mark.parametrize("kind", list(KINDS))
def test_rest_answers_409_period_closed_naming_the_field_and_writes_nothing(kind, chain, api):
    case = KINDS[kind](chain, api)
    before = state()

    response = case.rest()

    body = response.json()
    assert response.status_code == 409, body
    assert body["code"] == "period_closed"
    assert list(body["errors"]) == [case.field]
    assert state() == before


@pytest.mark.rule("R17", "R20")
def test_the_refused_invoice_is_issued_once_its_month_is_open_again(chain, api):
    """The refusal changed nothing: reopened, the same approval issues the invoice."""
    case = _invoice(chain, api)
    with pytest.raises(RuleViolation):
        case.service()
    ClosedPeriod.objects.all().delete()

    case.service()

    invoice = Invoice.objects.get()
    assert invoice.status == "issued" and invoice.issued_on == TODAY()
