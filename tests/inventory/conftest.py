"""Fixtures for fulfilment (R10–R15): an active contract through the real services, the roles
that act on it, stock in a warehouse, and notices moved along their chain."""

from decimal import Decimal

import pytest
from django.db import transaction

from approvals.services import approval_decide
from contracts.models import Contract
from contracts.services import contract_draft, contract_submit
from inventory import services
from inventory.models import ProductionNotice, ShippingNotice, StockMoveKind
from tests.contracts import conftest as contract_fixtures
from tests.factories import WarehouseFactory

# The contracts' fixtures, shared: a catalogue on an active price list, the clerk's customer
# (credit days 45), the co-signers, and an order approved by the chain.
catalogue = contract_fixtures.catalogue
customer = contract_fixtures.customer
head = contract_fixtures.head
finance = contract_fixtures.finance
approved_order = contract_fixtures.approved_order


@pytest.fixture
def planner(make_user):
    return make_user("planner", username="planner.zhou")


@pytest.fixture
def salesvp(make_user):
    return make_user("sales_vp", username="vp.qian")


@pytest.fixture
def producer(make_user):
    return make_user("production", username="prod.wu")


@pytest.fixture
def qc(make_user):
    return make_user("qc", username="qc.zheng")


@pytest.fixture
def keeper(make_user):
    """The warehouse keeper (role `warehouse`)."""
    return make_user("warehouse", username="wh.feng")


@pytest.fixture
def guard(make_user):
    """Security at the gate (role `security`)."""
    return make_user("security", username="guard.chu")


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="WH-01", name="成品库")


def activate(*, clerk, order, head, finance) -> Contract:
    """Draft, submit and co-sign a contract for an approved order."""
    contract = contract_draft(actor=clerk, order_id=order.pk)
    contract_submit(actor=clerk, contract_id=contract.pk)
    request_id = Contract.objects.get(pk=contract.pk).approval_request.pk
    approval_decide(actor=head, request_id=request_id, approve=True)
    approval_decide(actor=finance, request_id=request_id, approve=True)
    return Contract.objects.select_related("customer", "ledger").get(pk=contract.pk)


@pytest.fixture
def contract(clerk, approved_order, head, finance):
    """Active: lathe × 2 (gross 361600.00) and service × 1.5; gross 368490.00, first payment
    ratio 0.4, credit days 45."""
    return activate(clerk=clerk, order=approved_order, head=head, finance=finance)


@pytest.fixture
def lathe_line(contract):
    return contract.lines.get(product__code="P-1001")


def put_stock(*, actor, product, warehouse, quantity) -> None:
    with transaction.atomic():
        services.stock_move_post(
            actor=actor,
            product_id=product.pk,
            warehouse_id=warehouse.pk,
            kind=StockMoveKind.RECEIPT,
            quantity=Decimal(quantity),
            reference="test",
        )


def approve(document, approver) -> None:
    document.refresh_from_db()
    approval_decide(actor=approver, request_id=document.approval_request.pk, approve=True)


def approved_notice(*, clerk, manager, contract, warehouse, lines, **data) -> ShippingNotice:
    """A shipping notice created, submitted and approved by the sales manager."""
    notice = services.shipping_notice_create(
        actor=clerk,
        data={"contract": contract.pk, "warehouse": warehouse.pk, "lines": lines, **data},
    )
    services.shipping_notice_submit(actor=clerk, notice_id=notice.pk)
    approve(notice, manager)
    return ShippingNotice.objects.get(pk=notice.pk)


def issued_notice(*, clerk, manager, keeper, contract, warehouse, line, quantity="1"):
    """Stock put in, then a one-line notice approved and issued by the warehouse (R13)."""
    put_stock(actor=keeper, product=line.product, warehouse=warehouse, quantity=quantity)
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": line.pk, "quantity": quantity}],
    )
    return services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)


def shipped_notice(*, guard, **kwargs) -> ShippingNotice:
    """An issued notice whose goods security let out of the gate: waiting for the signed copy."""
    notice = issued_notice(**kwargs)
    return services.shipping_notice_exit(actor=guard, notice_id=notice.pk)


def released_notice(*, planner, salesvp, contract, line, quantity="1", due_date="2030-01-31"):
    """A production notice drafted by the planner and signed by the sales VP (R10)."""
    notice = services.production_notice_create(
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": due_date,
            "lines": [{"contract_line": line.pk, "quantity": quantity}],
        },
    )
    services.production_notice_submit(actor=planner, notice_id=notice.pk)
    approve(notice, salesvp)
    return ProductionNotice.objects.get(pk=notice.pk)
