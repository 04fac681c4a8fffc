"""Invoices (issue 12 item 5, R17): requested by finance once the contract's threshold is
collected (exact at the cent), never beyond what is neither invoiced nor in approval, approved
by the VP of finance and only then issued with a gapless number, the ledger's `invoiced` and the
VAT reclassification Dr 222102 / Cr 2221; the fapiao recorded once after issue; an issued
invoice never changes (the ORM, the admin, the API and the database refuse) and a red invoice
reverses it. Every refusal changes nothing.

The contract (tests/inventory/conftest.py): gross 368,490.00 of which tax 41,990.00, invoice
threshold 60 % → 221,094.00 must be collected before an invoice."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from approvals.models import ApprovalRequest, Decision, RequestStatus
from approvals.services import approval_decide
from contracts.models import ContractLedger
from contracts.services import contract_draft
from core.errors import InvalidInput, PermissionRefused, RuleViolation
from core.models import ClosedPeriod, NumberCounter
from finance.models import Invoice, InvoiceImmutable, JournalEntry, JournalLine, Receipt
from finance.services import (
    invoice_cancel,
    invoice_create,
    invoice_fapiao_record,
    invoice_red_create,
    invoice_submit,
    receipt_create,
    receipt_reverse,
)
from tests.contracts.conftest import make_order
from tests.factories import UserFactory
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
    approved_order,
    catalogue,
    contract,
    customer,
    finance,
    head,
)

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R17")]

TODAY = timezone.localdate
GROSS = Decimal("368490.00")
THRESHOLD = Decimal("221094.00")  # 60 % of the gross, to the cent


@pytest.fixture
def vp(make_user):
    """The VP of finance, who approves invoices and red invoices."""
    return make_user("finance_vp", username="vp.zhou")


def _cashier():
    """Who records the receipts of these tests: a finance user of their own, so the finance
    user who requests the invoices is not also the one whose receipts count."""
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(username="cashier.wu").first()
    return found or UserFactory(roles=("finance",), username="cashier.wu")


def collect(contract, amount) -> Receipt:  # noqa: F811
    """Money received from the customer and allocated to the contract (R16): the ledger's
    `collected` moves through finance's receipt service, as it does in use."""
    return receipt_create(
        actor=_cashier(),
        customer_id=contract.customer_id,
        amount=str(amount),
        method="bank_transfer",
        received_on=TODAY(),
        allocations=[{"contract": contract.pk, "amount": str(amount)}],
    )


def uncollect(receipt) -> None:
    """A receipt entered wrongly is reversed: its allocation leaves `collected` (R16, R24)."""
    receipt_reverse(actor=_cashier(), receipt_id=receipt.pk, reason="录入错误")


def ledger(contract) -> ContractLedger:  # noqa: F811
    return ContractLedger.objects.get(contract_id=contract.pk)


def refused(code, call, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def approve(invoice, vp):
    invoice.refresh_from_db()
    return approval_decide(actor=vp, request_id=invoice.approval_request.pk, approve=True)


def issued(contract, finance, vp, amount="100000.00") -> Invoice:  # noqa: F811
    """An invoice requested, submitted and approved: issued."""
    invoice = invoice_create(actor=finance, contract_id=contract.pk, amount=amount)
    invoice_submit(actor=finance, invoice_id=invoice.pk)
    approve(invoice, vp)
    return Invoice.objects.get(pk=invoice.pk)


def balance(account: str, contract) -> Decimal:  # noqa: F811
    sums = JournalLine.objects.filter(account__code=account, contract=contract).aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    return (sums["d"] or 0) - (sums["c"] or 0)


# --- the threshold (R17), exact at the cent ------------------------------------------------------


@pytest.mark.parametrize(
    ("collected", "allowed"),
    [
        ("221057.15", False),  # 59.99 %
        ("221093.99", False),  # one cent short of 60 %
        ("221094.00", True),  # 60.00 %
    ],
)
def test_an_invoice_waits_for_the_threshold_exact_at_the_cent(
    contract,  # noqa: F811
    finance,  # noqa: F811
    collected,
    allowed,
):
    collect(contract, collected)

    if allowed:
        invoice = invoice_create(actor=finance, contract_id=contract.pk, amount="1000.00")
        assert invoice.status == "draft" and invoice.number is None
        return
    error = refused(
        "collection_threshold_not_met",
        invoice_create,
        actor=finance,
        contract_id=contract.pk,
        amount="1000.00",
    )
    assert set(error.errors) == {"contract"}
    assert "221,094.00" in error.detail
    assert not Invoice.objects.exists()


def test_a_draft_is_split_into_net_and_tax_at_the_contracts_rates_and_defaults_to_what_is_left(
    contract,  # noqa: F811
    finance,  # noqa: F811
):
    """tax = round(amount × 41,990.00 / 368,490.00); the default amount is gross − invoiced."""
    collect(contract, THRESHOLD)

    part = invoice_create(actor=finance, contract_id=contract.pk, amount="100000.00")
    whole = invoice_create(actor=finance, contract_id=contract.pk)

    assert (part.amount, part.tax_amount, part.net_amount) == (
        Decimal("100000.00"),
        Decimal("11395.15"),
        Decimal("88604.85"),
    )
    assert (whole.amount, whole.tax_amount, whole.net_amount) == (
        GROSS,
        Decimal("41990.00"),
        Decimal("326500.00"),
    )
    buyer = contract.customer
    assert (part.buyer_name, part.buyer_tax_id) == (buyer.name, buyer.tax_id)
    assert part.created_by == finance and part.customer_id == contract.customer_id


def test_the_exact_remainder_is_allowed_and_one_cent_more_is_over_invoicing(
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
):
    collect(contract, GROSS)
    issued(contract, finance, vp, amount="300000.00")
    in_approval = invoice_create(actor=finance, contract_id=contract.pk, amount="60000.00")
    invoice_submit(actor=finance, invoice_id=in_approval.pk)
    left = GROSS - Decimal("360000.00")  # 8,490.00: neither invoiced nor in approval

    error = refused(
        "over_invoicing",
        invoice_create,
        actor=finance,
        contract_id=contract.pk,
        amount=str(left + Decimal("0.01")),
    )
    assert error.errors == {"amount": ["At most 8,490.00."]}
    assert Invoice.objects.count() == 2

    exact = invoice_create(actor=finance, contract_id=contract.pk, amount=str(left))
    invoice_submit(actor=finance, invoice_id=exact.pk)
    assert Invoice.objects.get(pk=exact.pk).status == "submitted"


def test_drafts_take_nothing_but_the_second_submit_for_the_same_amount_is_over_invoicing(
    contract,  # noqa: F811
    finance,  # noqa: F811
):
    collect(contract, THRESHOLD)
    first = invoice_create(actor=finance, contract_id=contract.pk)
    second = invoice_create(actor=finance, contract_id=contract.pk)
    invoice_submit(actor=finance, invoice_id=first.pk)

    refused("over_invoicing", invoice_submit, actor=finance, invoice_id=second.pk)

    second.refresh_from_db()
    assert (second.status, second.submitted_at) == ("draft", None)
    assert second.approval_request is None


def test_the_threshold_is_checked_again_at_submit(contract, finance):  # noqa: F811
    collect(contract, THRESHOLD - Decimal("0.01"))
    cent = collect(contract, "0.01")
    invoice = invoice_create(actor=finance, contract_id=contract.pk, amount="1000.00")
    uncollect(cent)  # a receipt entered wrongly is reversed

    refused("collection_threshold_not_met", invoice_submit, actor=finance, invoice_id=invoice.pk)

    assert Invoice.objects.get(pk=invoice.pk).status == "draft"
    assert not ApprovalRequest.objects.filter(document_type="invoice").exists()


def test_approval_is_refused_when_the_threshold_fell_since_the_submit_and_nothing_changes(
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
):
    collect(contract, THRESHOLD - Decimal("0.01"))
    cent = collect(contract, "0.01")
    invoice = invoice_create(actor=finance, contract_id=contract.pk, amount="1000.00")
    invoice_submit(actor=finance, invoice_id=invoice.pk)
    uncollect(cent)

    refused("collection_threshold_not_met", approve, invoice=invoice, vp=vp)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.issued_on) == ("submitted", None, None)
    request = invoice.approval_request
    assert request.status == RequestStatus.PENDING
    assert not Decision.objects.filter(request=request).exists()
    assert ledger(contract).invoiced == 0
    assert not JournalEntry.objects.filter(source_type="invoice").exists()
    assert not NumberCounter.objects.filter(series="invoice").exists()

    collect(contract, "0.01")
    approve(invoice, vp)
    assert Invoice.objects.get(pk=invoice.pk).status == "issued"


def test_the_vp_approves_and_the_invoice_is_issued_numbered_invoiced_and_its_vat_moves(
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
):
    collect(contract, THRESHOLD)
    invoice = invoice_create(actor=finance, contract_id=contract.pk, amount="100000.00")
    invoice_submit(actor=finance, invoice_id=invoice.pk)
    invoice.refresh_from_db()
    request = invoice.approval_request
    assert invoice.status == "submitted"
    assert [(s.role, s.status) for s in request.steps.all()] == [("finance_vp", "open")]
    # R21: finance who requested it does not approve it.
    with pytest.raises(PermissionRefused):
        approval_decide(actor=finance, request_id=request.pk, approve=True)

    approve(invoice, vp)

    invoice.refresh_from_db()
    year = TODAY().year
    assert invoice.status == "issued" and invoice.number == f"FP-{year}-00001"
    assert invoice.issued_on == TODAY()
    assert ledger(contract).invoiced == Decimal("100000.00")
    entry = JournalEntry.objects.get(source_type="invoice", source_id=invoice.pk)
    assert (entry.date, entry.contract_id, entry.customer_id, entry.source_number) == (
        TODAY(),
        contract.pk,
        contract.customer_id,
        invoice.number,
    )
    assert entry.posted_by == vp
    assert list(entry.lines.values_list("account__code", "debit", "credit")) == [
        ("222102", Decimal("11395.15"), Decimal("0.00")),
        ("2221", Decimal("0.00"), Decimal("11395.15")),
    ]
    request.refresh_from_db()
    assert request.document_number == invoice.number


def test_numbers_are_gapless_and_taken_only_at_issue(contract, finance, vp):  # noqa: F811
    collect(contract, GROSS)
    first = invoice_create(actor=finance, contract_id=contract.pk, amount="1000.00")
    invoice_submit(actor=finance, invoice_id=first.pk)
    refused_one = invoice_create(actor=finance, contract_id=contract.pk, amount="1000.00")
    invoice_submit(actor=finance, invoice_id=refused_one.pk)
    refused_one.refresh_from_db()
    approval_decide(
        actor=vp, request_id=refused_one.approval_request.pk, approve=False, comment="金额有误"
    )
    second = issued(contract, finance, vp, amount="2000.00")
    approve(first, vp)

    year = TODAY().year
    numbers = {i.pk: i.number for i in Invoice.objects.all()}
    assert numbers == {
        second.pk: f"FP-{year}-00001",
        first.pk: f"FP-{year}-00002",
        refused_one.pk: None,
    }
    assert Invoice.objects.get(pk=refused_one.pk).status == "draft"


def test_a_closed_month_refuses_the_approval_and_nothing_changes(contract, finance, vp):  # noqa: F811
    collect(contract, THRESHOLD)
    invoice = invoice_create(actor=finance, contract_id=contract.pk, amount="1000.00")
    invoice_submit(actor=finance, invoice_id=invoice.pk)
    ClosedPeriod.objects.create(period=TODAY().strftime("%Y-%m"))

    refused("period_closed", approve, invoice=invoice, vp=vp)

    assert Invoice.objects.get(pk=invoice.pk).status == "submitted"
    assert ledger(contract).invoiced == 0


def test_only_finance_requests_and_only_for_an_active_contract_it_names(
    clerk,
    customer,  # noqa: F811
    catalogue,  # noqa: F811
    manager,
    gm,
    contract,  # noqa: F811
    finance,  # noqa: F811
):
    collect(contract, THRESHOLD)
    with pytest.raises(PermissionRefused):
        invoice_create(actor=clerk, contract_id=contract.pk)
    with pytest.raises(InvalidInput) as bad:
        invoice_create(actor=finance, contract_id=999999, amount="-5", buyer_bank="银" * 101)
    assert set(bad.value.errors) == {"contract", "amount", "buyer_bank"}
    for amount in ("abc", "0", "1.001", "99999999999999.00"):
        with pytest.raises(InvalidInput) as bad:
            invoice_create(actor=finance, contract_id=contract.pk, amount=amount)
        assert list(bad.value.errors) == ["amount"]
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm)
    draft = contract_draft(actor=clerk, order_id=order.pk)
    error = refused("invalid_transition", invoice_create, actor=finance, contract_id=draft.pk)
    assert "contract" in error.errors
    assert not Invoice.objects.exists()


def test_a_draft_can_be_cancelled_and_then_takes_nothing(contract, finance):  # noqa: F811
    collect(contract, THRESHOLD)
    invoice = invoice_create(actor=finance, contract_id=contract.pk)

    invoice_cancel(actor=finance, invoice_id=invoice.pk)

    assert Invoice.objects.get(pk=invoice.pk).status == "cancelled"
    refused("invalid_transition", invoice_submit, actor=finance, invoice_id=invoice.pk)
    refused("invalid_transition", invoice_cancel, actor=finance, invoice_id=invoice.pk)


# --- red invoices --------------------------------------------------------------------------------


def test_a_red_invoice_reverses_an_issued_one_once_and_needs_no_threshold(
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
):
    most = collect(contract, "200000.00")
    collect(contract, THRESHOLD - Decimal("200000.00"))
    original = issued(contract, finance, vp, amount="100000.00")
    draft = invoice_create(actor=finance, contract_id=contract.pk, amount="1000.00")
    refused("invalid_transition", invoice_red_create, actor=finance, invoice_id=draft.pk)
    uncollect(most)  # well below the threshold now: a red invoice needs none

    red = invoice_red_create(actor=finance, invoice_id=original.pk, note="开票信息有误")

    assert (red.status, red.reverses_id, red.number) == ("draft", original.pk, None)
    assert (red.amount, red.net_amount, red.tax_amount) == (
        Decimal("-100000.00"),
        Decimal("-88604.85"),
        Decimal("-11395.15"),
    )
    refused("invalid_transition", invoice_red_create, actor=finance, invoice_id=original.pk)
    refused("invalid_transition", invoice_red_create, actor=finance, invoice_id=red.pk)

    invoice_submit(actor=finance, invoice_id=red.pk)
    approve(red, vp)

    red.refresh_from_db()
    original.refresh_from_db()
    assert red.status == "issued" and red.number == f"FP-{TODAY().year}-00002"
    assert original.status == "reversed"
    assert ledger(contract).invoiced == 0
    entry = JournalEntry.objects.get(source_type="invoice", source_id=red.pk)
    assert list(entry.lines.values_list("account__code", "debit", "credit")) == [
        ("2221", Decimal("11395.15"), Decimal("0.00")),
        ("222102", Decimal("0.00"), Decimal("11395.15")),
    ]
    assert balance("2221", contract) == 0 and balance("222102", contract) == 0
    refused("invalid_transition", invoice_red_create, actor=finance, invoice_id=original.pk)


def test_a_cancelled_red_draft_leaves_room_for_another(contract, finance, vp):  # noqa: F811
    collect(contract, THRESHOLD)
    original = issued(contract, finance, vp)
    red = invoice_red_create(actor=finance, invoice_id=original.pk)
    invoice_cancel(actor=finance, invoice_id=red.pk)

    again = invoice_red_create(actor=finance, invoice_id=original.pk)

    assert again.reverses_id == original.pk and again.status == "draft"


def test_a_reversed_amount_can_be_invoiced_again(contract, finance, vp):  # noqa: F811
    collect(contract, THRESHOLD)
    original = issued(contract, finance, vp, amount=str(GROSS))
    refused("over_invoicing", invoice_create, actor=finance, contract_id=contract.pk)
    red = invoice_red_create(actor=finance, invoice_id=original.pk)
    invoice_submit(actor=finance, invoice_id=red.pk)
    approve(red, vp)

    again = invoice_create(actor=finance, contract_id=contract.pk)

    assert again.amount == GROSS


# --- the fapiao ----------------------------------------------------------------------------------


def test_the_fapiao_is_recorded_once_after_issue(contract, finance, vp):  # noqa: F811
    collect(contract, THRESHOLD)
    draft = invoice_create(actor=finance, contract_id=contract.pk, amount="1000.00")
    refused(
        "invalid_transition",
        invoice_fapiao_record,
        actor=finance,
        invoice_id=draft.pk,
        fapiao_number="12345678",
        fapiao_date=TODAY(),
    )
    invoice = issued(contract, finance, vp, amount="2000.00")
    for number, date, field in (
        ("1234567", TODAY(), "fapiao_number"),
        ("12345678A", TODAY(), "fapiao_number"),
        ("12345678", "soon", "fapiao_date"),
        ("12345678", TODAY() + datetime.timedelta(days=1), "fapiao_date"),
        ("12345678", TODAY() - datetime.timedelta(days=1), "fapiao_date"),
    ):
        with pytest.raises(InvalidInput) as bad:
            invoice_fapiao_record(
                actor=finance, invoice_id=invoice.pk, fapiao_number=number, fapiao_date=date
            )
        assert list(bad.value.errors) == [field]

    invoice_fapiao_record(
        actor=finance,
        invoice_id=invoice.pk,
        fapiao_number="24312000000012345678",
        fapiao_date=TODAY().isoformat(),
    )

    invoice.refresh_from_db()
    assert (invoice.fapiao_number, invoice.fapiao_date, invoice.fapiao_recorded_by) == (
        "24312000000012345678",
        TODAY(),
        finance,
    )
    refused(
        "invalid_transition",
        invoice_fapiao_record,
        actor=finance,
        invoice_id=invoice.pk,
        fapiao_number="87654321",
        fapiao_date=TODAY(),
    )
    other = issued(contract, finance, vp, amount="3000.00")
    with pytest.raises(InvalidInput) as taken:
        invoice_fapiao_record(
            actor=finance,
            invoice_id=other.pk,
            fapiao_number="24312000000012345678",
            fapiao_date=TODAY(),
        )
    assert list(taken.value.errors) == ["fapiao_number"]


# --- issued invoices never change (R17, R24) -----------------------------------------------------


@pytest.mark.rule("R24")
def test_the_orm_refuses_to_change_or_delete_an_issued_invoice(contract, finance, vp):  # noqa: F811
    collect(contract, THRESHOLD)
    invoice = issued(contract, finance, vp)

    for field, value in (
        ("amount", Decimal("1.00")),
        ("number", "FP-1999-00001"),
        ("buyer_name", "别人"),
        ("issued_on", TODAY() - datetime.timedelta(days=1)),
    ):
        changed = Invoice.objects.get(pk=invoice.pk)
        setattr(changed, field, value)
        with pytest.raises(InvoiceImmutable):
            changed.save()
    with pytest.raises(InvoiceImmutable):
        Invoice.objects.get(pk=invoice.pk).delete()
    # What may move: the fapiao, once, and the status to reversed.
    fapiao = Invoice.objects.get(pk=invoice.pk)
    fapiao.fapiao_number, fapiao.fapiao_date = "12345678", TODAY()
    fapiao.save()
    again = Invoice.objects.get(pk=invoice.pk)
    again.fapiao_number = "87654321"
    with pytest.raises(InvoiceImmutable):
        again.save()
    assert Invoice.objects.get(pk=invoice.pk).amount == Decimal("100000.00")


@pytest.mark.rule("R24")
@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_an_issued_invoice(contract, finance, vp):  # noqa: F811
    collect(contract, THRESHOLD)
    invoice = issued(contract, finance, vp)
    draft = invoice_create(actor=finance, contract_id=contract.pk, amount="1000.00")

    for sql in (
        "UPDATE finance_invoice SET amount = 1, net_amount = 1, tax_amount = 0 WHERE id = %s",
        "UPDATE finance_invoice SET number = 'FP-1999-00001' WHERE id = %s",
        f"UPDATE finance_invoice SET contract_id = {contract.pk} + 0, issued_on = NULL "
        "WHERE id = %s",
        "UPDATE finance_invoice SET status = 'draft', number = NULL WHERE id = %s",
        "DELETE FROM finance_invoice WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [invoice.pk])
    with connection.cursor() as cursor:  # a draft is not issued: it may change
        cursor.execute("UPDATE finance_invoice SET note = 'x' WHERE id = %s", [draft.pk])
        cursor.execute(
            "UPDATE finance_invoice SET fapiao_number = '12345678', fapiao_date = %s WHERE id = %s",
            [TODAY(), invoice.pk],
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE finance_invoice SET fapiao_number = '87654321' WHERE id = %s", [invoice.pk]
        )
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.amount, stored.number, stored.fapiao_number) == (
        Decimal("100000.00"),
        invoice.number,
        "12345678",
    )


# --- the ledger's history ------------------------------------------------------------------------


@pytest.mark.rule("R24")
def test_the_ledger_history_shows_the_invoices_that_moved_invoiced(contract, finance, vp):  # noqa: F811
    from django.utils import translation

    from core.history import counter_moves

    collect(contract, THRESHOLD)
    invoice = issued(contract, finance, vp)
    red = invoice_red_create(actor=finance, invoice_id=invoice.pk)
    invoice_submit(actor=finance, invoice_id=red.pk)
    approve(red, vp)
    red.refresh_from_db()

    with translation.override("en"):
        moves = [
            (str(row["kind_label"]), row["user"], row["changes"][0]["amount"])
            for row in counter_moves(contract.ledger)
        ]

    assert moves == [
        (f"invoice {red.number}", vp, Decimal("-100000.00")),
        (f"invoice {invoice.number}", vp, Decimal("100000.00")),
    ]


# --- the admin ----------------------------------------------------------------------------------


@pytest.mark.rule("R24")
def test_the_admin_shows_invoices_read_only(client, make_user, contract, finance, vp):  # noqa: F811
    collect(contract, THRESHOLD)
    invoice = issued(contract, finance, vp)
    client.force_login(make_user(is_superuser=True, is_staff=True))

    listing = client.get("/admin/finance/invoice/")
    assert listing.status_code == 200 and invoice.number in listing.content.decode()
    assert "/admin/finance/invoice/add/" not in listing.content.decode()
    change = client.post(
        f"/admin/finance/invoice/{invoice.pk}/change/", {"amount": "1.00", "status": "draft"}
    )
    assert change.status_code == 403
    assert client.post(f"/admin/finance/invoice/{invoice.pk}/delete/").status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).amount == Decimal("100000.00")


# --- REST (API.md "Cash": invoices/) -------------------------------------------------------------


def test_the_api_requests_submits_approves_records_the_fapiao_and_reverses(
    api,
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
):
    collect(contract, THRESHOLD)
    client = api.as_user(finance)

    created = client.post("/api/v1/invoices/", {"contract": contract.pk}, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    # Answered as the service returned it (issue 14): what a GET reads afterwards.
    assert body == client.get(f"/api/v1/invoices/{body['id']}/").json()
    assert (body["status"], body["number"], body["approval"]) == ("draft", None, None)
    assert (body["amount"], body["net_amount"], body["tax_amount"]) == (
        "368490.00",
        "326500.00",
        "41990.00",
    )
    assert body["contract"] == contract.pk and body["customer"] == contract.customer_id
    invoice_id = body["id"]
    submitted = client.post(f"/api/v1/invoices/{invoice_id}/submit/")
    assert submitted.status_code == 200
    assert submitted.json() == client.get(f"/api/v1/invoices/{invoice_id}/").json()
    approval = submitted.json()["approval"]
    assert submitted.json()["status"] == "submitted"
    assert approval["status"] == "pending"
    assert approval["current_steps"] == [{"sequence": 1, "role": "finance_vp"}]

    inbox = api.as_user(vp).get("/api/v1/approvals/?mine=pending").json()["results"]
    assert [(i["document_type"], i["document_id"]) for i in inbox] == [("invoice", invoice_id)]
    decided = api.as_user(vp).post(f"/api/v1/approvals/{approval['id']}/approve/", {})
    assert decided.status_code == 200

    client = api.as_user(finance)
    detail = client.get(f"/api/v1/invoices/{invoice_id}/").json()
    assert detail["status"] == "issued" and detail["number"].startswith("FP-")
    assert detail["approval"]["decisions"][0]["user"] == "vp.zhou"
    assert client.get(f"/api/v1/contracts/{contract.pk}/ledger/").json()["invoiced"] == (
        "368490.00"
    )
    fapiao = client.post(
        f"/api/v1/invoices/{invoice_id}/fapiao/",
        {"fapiao_number": "12345678", "fapiao_date": TODAY().isoformat()},
        format="json",
    )
    assert fapiao.status_code == 200
    assert (fapiao.json()["fapiao_number"], fapiao.json()["fapiao_date"]) == (
        "12345678",
        TODAY().isoformat(),
    )
    red = client.post(f"/api/v1/invoices/{invoice_id}/red/", {"note": "退货"}, format="json")
    assert red.status_code == 201
    assert (red.json()["amount"], red.json()["reverses"], red.json()["status"]) == (
        "-368490.00",
        invoice_id,
        "draft",
    )
    listed = client.get(f"/api/v1/invoices/?contract={contract.pk}&red=true").json()
    assert [row["id"] for row in listed["results"]] == [red.json()["id"]]


def test_the_api_answers_409_with_the_rules_code_and_writes_nothing(
    api,
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
):
    client = api.as_user(finance)

    short = client.post("/api/v1/invoices/", {"contract": contract.pk}, format="json")
    assert short.status_code == 409
    assert short.json()["code"] == "collection_threshold_not_met"
    assert set(short.json()["errors"]) == {"contract"}

    collect(contract, THRESHOLD - Decimal("0.01"))
    cent = collect(contract, "0.01")
    first = client.post("/api/v1/invoices/", {"contract": contract.pk}, format="json").json()
    second = client.post("/api/v1/invoices/", {"contract": contract.pk}, format="json").json()
    assert client.post(f"/api/v1/invoices/{first['id']}/submit/").status_code == 200
    over = client.post(f"/api/v1/invoices/{second['id']}/submit/")
    assert over.status_code == 409
    assert over.json()["code"] == "over_invoicing" and "amount" in over.json()["errors"]
    assert client.get(f"/api/v1/invoices/{second['id']}/").json()["status"] == "draft"
    more = client.post(
        "/api/v1/invoices/", {"contract": contract.pk, "amount": "0.01"}, format="json"
    )
    assert more.status_code == 409 and more.json()["code"] == "over_invoicing"

    uncollect(cent)
    request_id = client.get(f"/api/v1/invoices/{first['id']}/").json()["approval"]["id"]
    refused_approval = api.as_user(vp).post(f"/api/v1/approvals/{request_id}/approve/", {})
    assert refused_approval.status_code == 409
    assert refused_approval.json()["code"] == "collection_threshold_not_met"
    after = api.as_user(finance).get(f"/api/v1/invoices/{first['id']}/").json()
    assert (after["status"], after["number"], after["approval"]["status"]) == (
        "submitted",
        None,
        "pending",
    )
    assert after["approval"]["decisions"] == []
    assert Invoice.objects.count() == 2


@pytest.mark.rule("R25")
def test_bad_input_is_400_naming_each_field(api, contract, finance):  # noqa: F811
    client = api.as_user(finance)

    bad = client.post(
        "/api/v1/invoices/",
        {"contract": 999999, "amount": "-1", "buyer_account": "1" * 41},
        format="json",
    )

    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"contract", "amount", "buyer_account"}
    assert client.post("/api/v1/invoices/", {}, format="json").json()["errors"].keys() == {
        "contract"
    }
    assert not Invoice.objects.exists()


@pytest.mark.rule("R23", "R24")
def test_who_may_read_and_write_invoices_through_the_api(
    api,
    make_user,
    clerk,
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
):
    collect(contract, THRESHOLD)
    invoice = issued(contract, finance, vp)
    other_clerk = make_user("sales_clerk", username="clerk.other")
    keeper = make_user("warehouse", username="wh.li")

    assert api.as_user(clerk).get(f"/api/v1/invoices/{invoice.pk}/").status_code == 200
    assert api.as_user(other_clerk).get(f"/api/v1/invoices/{invoice.pk}/").status_code == 404
    assert api.as_user(other_clerk).get("/api/v1/invoices/").json()["count"] == 0
    assert api.as_user(keeper).get("/api/v1/invoices/").status_code == 403
    assert api.as_user(clerk).post(
        "/api/v1/invoices/", {"contract": contract.pk}, format="json"
    ).json()["code"] == ("permission_denied")
    # Issued invoices are never edited or deleted through the API.
    client = api.as_user(finance)
    for method in ("put", "patch", "delete"):
        answer = getattr(client, method)(
            f"/api/v1/invoices/{invoice.pk}/", {"amount": "1.00"}, format="json"
        )
        assert answer.status_code == 405, method
    assert Invoice.objects.get(pk=invoice.pk).amount == Decimal("100000.00")


def test_the_schema_describes_the_invoice_endpoints(client):
    import json

    paths = json.loads(client.get("/api/schema/?format=json").content)["paths"]

    for path in (
        "/api/v1/invoices/",
        "/api/v1/invoices/{id}/",
        "/api/v1/invoices/{id}/submit/",
        "/api/v1/invoices/{id}/red/",
        "/api/v1/invoices/{id}/fapiao/",
        "/api/v1/invoices/{id}/pdf/",
    ):
        assert path in paths, path


# --- pages ---------------------------------------------------------------------------------------


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_finance_requests_an_invoice_from_the_contract_page_and_the_vp_approves_it_in_the_inbox(
    client,
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
):
    collect(contract, THRESHOLD)
    client.force_login(finance)
    contract_page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert f'href="/invoices/new/?contract={contract.pk}"' in contract_page

    form = client.get(f"/invoices/new/?contract={contract.pk}")
    assert form.status_code == 200
    assert form.context["form"]["contract"].value() == contract.pk
    assert form.context["form"]["amount"].value() == GROSS  # what is left to invoice
    assert "221,094.00" in form.content.decode()
    created = client.post(
        "/invoices/new/",
        {
            "contract": contract.pk,
            "amount": "100,000.00",
            "buyer_bank": "工商银行上海分行",
            "buyer_account": "1001 2345 6789",
        },
    )
    invoice = Invoice.objects.get()
    assert created.status_code == 302 and created.url == f"/invoices/{invoice.pk}/"
    assert (invoice.amount, invoice.buyer_bank) == (Decimal("100000.00"), "工商银行上海分行")
    submitted = client.post(f"/invoices/{invoice.pk}/submit/", follow=True)
    assert "submitted to the VP of finance" in _messages(submitted)

    client.force_login(vp)
    inbox = client.get("/approvals/").content.decode()
    invoice.refresh_from_db()
    request = invoice.approval_request
    assert f"/approvals/{request.pk}/" in inbox
    approval = client.get(f"/approvals/{request.pk}/").content.decode()
    assert "100,000.00" in approval and "11,395.15" in approval
    decided = client.post(f"/approvals/{request.pk}/decide/", {"decision": "approve"})
    assert decided.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "issued"

    client.force_login(finance)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert invoice.number in page and 'id="record-fapiao"' in page and 'id="make-red"' in page
    bad = client.post(f"/invoices/{invoice.pk}/fapiao/", {"fapiao_number": "12"})
    assert bad.status_code == 400
    assert set(bad.context["fapiao_form"].errors) >= {"fapiao_number"}
    recorded = client.post(
        f"/invoices/{invoice.pk}/fapiao/",
        {"fapiao_number": "24312000000000000001", "fapiao_date": TODAY().isoformat()},
    )
    assert recorded.status_code == 302
    red = client.post(f"/invoices/{invoice.pk}/red/", {"note": "开错"})
    red_invoice = Invoice.objects.get(reverses=invoice)
    assert red.url == f"/invoices/{red_invoice.pk}/"
    assert red_invoice.amount == Decimal("-100000.00")


def test_a_refused_request_shows_why_on_the_form_and_writes_nothing(client, contract, finance):  # noqa: F811
    collect(contract, "1000.00")
    client.force_login(finance)

    refused_page = client.post("/invoices/new/", {"contract": contract.pk})

    assert refused_page.status_code == 409
    assert "221,094.00" in refused_page.content.decode()
    assert not Invoice.objects.exists()


def test_the_list_filters_totals_and_exports(
    client,
    make_user,
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
    django_assert_max_num_queries,
):
    import openpyxl

    collect(contract, GROSS)
    first = issued(contract, finance, vp, amount="1000.00")
    issued(contract, finance, vp, amount="2000.00")
    invoice_create(actor=finance, contract_id=contract.pk, amount="3000.00")
    red = invoice_red_create(actor=finance, invoice_id=first.pk)
    client.force_login(finance)

    with django_assert_max_num_queries(25):
        everything = client.get("/invoices/")
    assert everything.status_code == 200
    assert everything.context["totals"]["count"] == 4
    assert everything.context["totals"]["amount"] == Decimal("5000.00")
    issued_only = client.get("/invoices/?status=issued")
    assert issued_only.context["totals"]["count"] == 2
    reds = client.get("/invoices/?kind=red")
    assert [i.pk for i in reds.context["page_obj"]] == [red.pk]
    missing = client.get("/invoices/?status=issued&fapiao=missing")
    assert missing.context["totals"]["count"] == 2
    name = contract.customer.name[:4]
    by_customer = client.get(f"/invoices/?customer={name}&contract={contract.pk}")
    assert by_customer.context["totals"]["count"] == 4

    export = client.get("/invoices/?status=issued&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Number"
    amounts = sorted(row[7] for row in rows[1:] if isinstance(row[7], int | float))
    assert amounts[:2] == [1000, 2000]

    client.force_login(make_user("warehouse", username="wh.li"))
    assert client.get("/invoices/").status_code == 403


def test_finance_home_shows_the_invoices_to_request(client, contract, finance, vp):  # noqa: F811
    client.force_login(finance)
    cards = {c["title"]: c["count"] for c in client.get("/").context["cards"]}
    assert cards["Invoices to request"] == 0

    collect(contract, THRESHOLD)
    cards = {c["title"]: c["count"] for c in client.get("/").context["cards"]}
    assert cards["Invoices to request"] == 1
    form = client.get("/invoices/new/").content.decode()
    assert f'href="/invoices/new/?contract={contract.pk}"' in form

    issued(contract, finance, vp, amount=str(GROSS))
    cards = {c["title"]: c["count"] for c in client.get("/").context["cards"]}
    assert cards["Invoices to request"] == 0
    assert cards["Issued invoices without a fapiao"] == 1


# --- the invoice request PDF (开票通知单) ---------------------------------------------------------


def test_the_invoice_request_pdf_shows_the_buyers_tax_details_and_the_amounts(
    client,
    api,
    contract,  # noqa: F811
    finance,  # noqa: F811
    vp,
):
    from pypdf import PdfReader

    from sales.models import Customer

    Customer.objects.filter(pk=contract.customer_id).update(
        tax_id="91310000MA1TEST001", address="上海市浦东新区测试路 8 号", phone="021-5555 1234"
    )
    collect(contract, THRESHOLD)
    invoice = invoice_create(
        actor=finance,
        contract_id=contract.pk,
        amount="100000.00",
        buyer_bank="招商银行上海分行",
        buyer_account="6225 8888 0000 1234",
    )
    invoice_submit(actor=finance, invoice_id=invoice.pk)
    approve(invoice, vp)
    invoice.refresh_from_db()
    client.force_login(finance)

    response = client.get(f"/invoices/{invoice.pk}/pdf/")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "开票通知单" in text.replace(" ", "")  # the title is letter-spaced
    for expected in (
        contract.customer.name,
        "91310000MA1TEST001",
        "上海市浦东新区测试路 8 号",
        "招商银行上海分行",
        "6225 8888 0000 1234",
        contract.number,
        invoice.number,
        "88,604.85",  # net
        "11,395.15",  # tax
        "100,000.00",  # gross
        "壹拾万元整",
        "数控车床",
    ):
        assert expected in text, expected
    assert api.as_user(finance).get(f"/api/v1/invoices/{invoice.pk}/pdf/").status_code == 200


@pytest.mark.rule("R17")
def test_issued_invoices_show_on_the_statement_at_0_0(contract, finance, vp):  # noqa: F811
    from finance.selectors import customer_statement

    collect(contract, "250000.00")
    invoice = issued(contract, finance, vp)
    today = timezone.localdate()

    statement = customer_statement(
        user=finance, customer_id=contract.customer_id, date_from=today, date_to=today
    )

    lines = [line for line in statement["lines"] if line["kind"] == "invoice"]
    assert len(lines) == 1 and invoice.number in lines[0]["document"]
    assert (lines[0]["debit"], lines[0]["credit"]) == (Decimal("0.00"), Decimal("0.00"))
    receipts = sum(line["credit"] for line in statement["lines"])
    assert statement["closing_balance"] == statement["opening_balance"] - receipts
