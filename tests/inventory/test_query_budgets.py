"""Query budgets of the fulfilment steps (issue 14): the warehouse's issue (R13) and the
customer-signed delivery (R14) cost an exact number of queries, the same for the first notice
of a contract and for one with notices issued, delivered and stock moved before it — nothing
in them reads history. The actor's roles are read before counting (a request reads them once,
whatever it does)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.permissions import user_roles
from inventory import services
from tests.inventory.conftest import approved_notice, put_stock

pytestmark = pytest.mark.django_db

# BEGIN/COMMIT are savepoints under the test's transaction; the month's period check is one query
# on both (on PostgreSQL the read that locks its row FOR SHARE, core.periods).
ISSUE = {"postgresql": 12, "sqlite": 12}
DELIVERY = {"postgresql": 11, "sqlite": 13}


def _counted(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _both_lines_notice(*, clerk, manager, keeper, contract, warehouse, quantity):
    """A notice for `quantity` of each of the contract's lines, the stock put in first."""
    lines = list(contract.lines.select_related("product"))
    for line in lines:
        put_stock(actor=keeper, product=line.product, warehouse=warehouse, quantity=quantity)
    return approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": line.pk, "quantity": quantity} for line in lines],
    )


@pytest.mark.rule("R13")
@pytest.mark.rule("R14")
def test_issue_and_signed_delivery_cost_the_same_queries_however_much_history_came_before(
    clerk, manager, keeper, guard, contract, warehouse
):
    issues, deliveries = [], []
    # Each round adds a notice, its moves, its due and its journal entry. The first round also
    # creates the year's gate pass counter (core.numbering): it is not counted.
    for _ in range(4):
        notice = _both_lines_notice(
            clerk=clerk,
            manager=manager,
            keeper=keeper,
            contract=contract,
            warehouse=warehouse,
            quantity="0.25",
        )
        user_roles(keeper), user_roles(guard), user_roles(clerk)
        issues.append(
            _counted(lambda n=notice: services.shipping_notice_issue(actor=keeper, notice_id=n.pk))
        )
        services.shipping_notice_exit(actor=guard, notice_id=notice.pk)
        deliveries.append(
            _counted(
                lambda n=notice: services.shipping_notice_confirm_delivery(
                    actor=clerk, notice_id=n.pk, signed_by="李四", signed_at=timezone.localdate()
                )
            )
        )
    assert issues[1:] == [ISSUE[connection.vendor]] * 3
    assert deliveries[1:] == [DELIVERY[connection.vendor]] * 3
