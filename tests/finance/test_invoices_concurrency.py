"""Invoices under concurrency, on real PostgreSQL (R17; issue 12 "Done when": two invoices
racing for the same uninvoiced amount → one `over_invoicing`).

Each race runs two durable service calls in two threads with their own connections, released
together; a call that has returned keeps its transaction open until the other has returned or
waits for a lock (`tests.inventory.test_concurrency_fulfilment.Race`), so the loser reads what
the winner wrote only once the winner commits — through the contract ledger's row lock."""

from decimal import Decimal

import pytest

from approvals.models import ApprovalRequest, RequestStatus
from contracts.models import ContractLedger
from core.errors import RuleViolation
from finance.models import Invoice, JournalEntry
from finance.services import invoice_create, invoice_submit
from tests.finance.test_invoices import GROSS, THRESHOLD, approve, collect
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
    approved_order,
    catalogue,
    contract,
    customer,
    finance,
    head,
)
from tests.inventory.test_concurrency_fulfilment import Race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.rule("R17"),
]


@pytest.fixture
def vp(make_user):
    return make_user("finance_vp", username="vp.zhou")


@pytest.fixture
def finance2(make_user):
    """A second finance user."""
    return make_user("finance", username="finance.qian")


def test_two_invoices_racing_for_the_same_uninvoiced_amount_one_is_over_invoicing(
    contract,  # noqa: F811
    finance,  # noqa: F811
    finance2,
    vp,
):
    """Two drafts for the whole gross, submitted at once by two finance users: one goes to the
    VP, the other is refused `over_invoicing` naming `amount` and stays a draft without an
    approval request; the one approved is the only amount invoiced."""
    collect(contract, THRESHOLD)
    drafts = [invoice_create(actor=user, contract_id=contract.pk) for user in (finance, finance2)]

    race = Race(
        lambda: invoice_submit(actor=finance, invoice_id=drafts[0].pk),
        lambda: invoice_submit(actor=finance2, invoice_id=drafts[1].pk),
    ).run()

    winner, loser = race.winner_and_loser()
    assert race.outcomes[loser] == ("refused", "over_invoicing")
    assert race.waited == {loser}, "the loser did not wait for the winner's ledger lock"
    assert isinstance(race.refusals[loser], RuleViolation)
    assert set(race.refusals[loser].errors) == {"amount"}
    submitted = Invoice.objects.get(pk=drafts[winner].pk)
    refused = Invoice.objects.get(pk=drafts[loser].pk)
    assert (submitted.status, refused.status) == ("submitted", "draft")
    assert not ApprovalRequest.objects.filter(
        document_type="invoice", document_id=refused.pk
    ).exists()
    assert submitted.approval_request.status == RequestStatus.PENDING

    approve(submitted, vp)
    assert ContractLedger.objects.get(contract=contract).invoiced == GROSS
    assert JournalEntry.objects.filter(source_type="invoice").count() == 1


def test_two_requests_for_the_last_amount_while_another_is_in_approval_one_is_refused(
    contract,  # noqa: F811
    finance,  # noqa: F811
    finance2,
):
    """With 360,000.00 in approval, two requests for the 8,490.00 left, created and submitted
    at once: exactly one is submitted; the other is refused `over_invoicing` at create or at
    submit, whichever it reached under the other's lock."""
    collect(contract, GROSS)
    in_approval = invoice_create(actor=finance, contract_id=contract.pk, amount="360000.00")
    invoice_submit(actor=finance, invoice_id=in_approval.pk)
    left = str(GROSS - Decimal("360000.00"))

    def request(user):
        invoice = invoice_create(actor=user, contract_id=contract.pk, amount=left)
        return invoice_submit(actor=user, invoice_id=invoice.pk)

    race = Race(lambda: request(finance), lambda: request(finance2)).run()

    _winner, loser = race.winner_and_loser()
    assert race.outcomes[loser] == ("refused", "over_invoicing")
    assert Invoice.objects.filter(status="submitted").count() == 2
    assert Invoice.objects.filter(status="draft").count() == 0  # the loser's rolled back
