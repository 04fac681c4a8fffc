from decimal import Decimal

import pytest

from approvals.services import approval_decide
from sales.services.orders import order_create, order_submit
from tests.factories import CustomerFactory, ProductFactory, active_price_list


@pytest.fixture
def catalogue(db):
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    active_price_list(
        items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")],
        commission_rate="0.0250",
    )
    return {"lathe": lathe, "service": service}


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk, credit_limit=Decimal("10000000.00"), credit_days=45)


@pytest.fixture
def head(make_user):
    return make_user("sales_head", username="head.zhao")


@pytest.fixture
def finance(make_user):
    return make_user("finance", username="finance.sun")


def make_order(*, clerk, customer, catalogue, approve=True, manager=None, gm=None, qty="2"):
    """An order through the real services; approved by the chain unless `approve=False`."""
    order = order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=[
            {"product": catalogue["lathe"].pk, "quantity": qty, "unit_price": "160000.00"},
            {"product": catalogue["service"].pk, "quantity": "1.5", "unit_price": "4333.33"},
        ],
        first_payment_ratio=Decimal("0.4000"),
    )
    if approve:
        order_submit(actor=clerk, order_id=order.pk)
        order.refresh_from_db()
        request_id = order.approval_request.pk
        approval_decide(actor=manager, request_id=request_id, approve=True)
        approval_decide(actor=gm, request_id=request_id, approve=True)
    order.refresh_from_db()
    return order


@pytest.fixture
def approved_order(clerk, customer, catalogue, manager, gm):
    return make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm)
