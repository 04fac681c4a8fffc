"""One shipping notice through the whole chain by the services (R12–R14): approval reserves the
stock, the warehouse issues it with a gate pass, security lets it out by the pass number as
typed, and the customer-signed copy makes its gross delivered in the contract ledger."""

import datetime
from decimal import Decimal

import pytest

from contracts.models import Contract
from contracts.selectors import ledger_figures
from inventory import services
from inventory.models import StockLevel
from tests.inventory.conftest import approved_notice, put_stock


@pytest.mark.rule("R12", "R13", "R14")
def test_an_approved_notice_reserves_stock_and_issue_exit_and_signed_copy_book_its_gross(
    clerk, manager, contract, lathe_line, warehouse, keeper, guard
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="5")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    assert notice.status == "approved"
    level = StockLevel.objects.get(product=lathe_line.product, warehouse=warehouse)
    assert level.reserved == 1
    notice = services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)
    assert notice.gate_pass_no.startswith("CM-")
    services.gate_exit(actor=guard, gate_pass_no=notice.gate_pass_no.lower())
    services.shipping_notice_confirm_delivery(
        actor=clerk, notice_id=notice.pk, signed_by="张三", signed_at=datetime.date.today()
    )
    figures = ledger_figures(contract=Contract.objects.select_related("ledger").get(pk=contract.pk))
    assert figures["shipped"] == figures["delivered"] == Decimal("180800.00")
