"""Query budgets of the contract steps (issue 14): drafting a contract from an approved order and
submitting it for co-sign cost a fixed number of queries, whatever the order's lines and the
contracts that came before (R8)."""

import pytest

from approvals.services import approval_decide
from contracts import services
from contracts.models import Contract
from core.permissions import user_roles
from tests.contracts.conftest import make_order

pytestmark = pytest.mark.django_db

# Each service's transaction is a savepoint pair inside the test's transaction (2 queries).
# contract_draft: the order's lines with their products joined to the order, locked, with its
# customer, price list and salesperson and the active clause set's id (one query), the
# contract and its history row, the contract lines and their history rows (one INSERT each,
# whatever their number), the ledger, the order marked contracted and its history row.
CONTRACT_DRAFT_QUERIES = 10
# contract_submit: the contract's lines joined to the contract, locked, with its customer
# (R23), order, salesperson, author and the lines' products (what the API answers with), the
# contract and its history row, then the approval request (its policy's steps, the request,
# its steps).
CONTRACT_SUBMIT_QUERIES = 8


def _active_contract(*, clerk, customer, catalogue, manager, gm, head, finance):
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm)
    contract = services.contract_draft(actor=clerk, order_id=order.pk)
    contract = services.contract_submit(actor=clerk, contract_id=contract.pk)
    for signer in (head, finance):
        approval_decide(actor=signer, request_id=contract.approval_request.pk, approve=True)


@pytest.mark.parametrize("past", [0, 3])
def test_drafting_and_submitting_a_contract_cost_the_same_queries_whatever_the_history(
    past,
    clerk,
    customer,
    catalogue,
    manager,
    gm,
    head,
    finance,
    django_assert_num_queries,
):
    people = {"clerk": clerk, "manager": manager, "gm": gm, "head": head, "finance": finance}
    for _ in range(past):
        _active_contract(customer=customer, catalogue=catalogue, **people)
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm)
    user_roles(clerk)  # the clerk's roles, read once per request

    with django_assert_num_queries(CONTRACT_DRAFT_QUERIES):
        contract = services.contract_draft(actor=clerk, order_id=order.pk)
    with django_assert_num_queries(CONTRACT_SUBMIT_QUERIES):
        contract = services.contract_submit(actor=clerk, contract_id=contract.pk)

    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == "pending_signoff"
    assert [(line.order_line_id, line.gross) for line in contract.lines.all()] == [
        (line.pk, line.gross) for line in order.lines.all()
    ]
    assert all(line.history.get().history_user == clerk for line in contract.lines.all())
    assert contract.history.count() == 2  # drafted, submitted (R24)
    assert contract.ledger.contracted == 0  # counted at activation
    order.refresh_from_db()
    assert order.status == "contracted"
    assert Contract.objects.filter(status="active").count() == past
