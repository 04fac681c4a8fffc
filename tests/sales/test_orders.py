"""Orders at the service layer: amounts (DESIGN §3), R3 exposure, R4 credit check and hold,
R5 price list and floor, R7 chain, R21 draft-only editing."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from approvals.services import approval_decide
from core.errors import InvalidInput, PermissionRefused, RuleViolation
from core.money import line_amounts
from sales.models import Customer, Order
from sales.services.orders import order_cancel, order_create, order_submit, order_update
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    off_list = ProductFactory(code="P-9999", name="不在价格表")
    active_price_list(items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")])
    return {"lathe": lathe, "service": service, "off_list": off_list}


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk, credit_limit=Decimal("1000000.00"))


def lines(catalogue, *specs):
    return [
        {"product": catalogue[name].pk, "quantity": qty, "unit_price": price}
        for name, qty, price in specs
    ]


def test_order_amounts_follow_the_money_rules(clerk, customer, catalogue):
    order = order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=lines(catalogue, ("lathe", "2", "160000.00"), ("service", "1.5", "4333.33")),
    )

    # lathe: 320000.00 + 41600.00; service: 6499.995 → 6500.00 net, 390.00 tax
    assert [(line.net, line.tax, line.gross) for line in order.lines.all()] == [
        (Decimal("320000.00"), Decimal("41600.00"), Decimal("361600.00")),
        (Decimal("6500.00"), Decimal("390.00"), Decimal("6890.00")),
    ]
    assert (order.net_amount, order.tax_amount, order.gross_amount) == (
        Decimal("326500.00"),
        Decimal("41990.00"),
        Decimal("368490.00"),
    )
    assert (order.status, order.credit_status) == ("draft", "unchecked")
    assert order.number.startswith("SO-")


@settings(max_examples=60, deadline=None)
@given(
    quantity=st.decimals(min_value="0.001", max_value="100000", places=3),
    price=st.decimals(min_value="0", max_value="10000000", places=2),
    rate=st.sampled_from([Decimal("0"), Decimal("0.0600"), Decimal("0.0900"), Decimal("0.1300")]),
)
def test_line_amounts_are_exact_cents_and_gross_is_net_plus_tax(quantity, price, rate):
    net, tax, gross = line_amounts(quantity=quantity, unit_price=price, tax_rate=rate)

    assert gross == net + tax
    for amount in (net, tax, gross):
        assert amount == amount.quantize(Decimal("0.01"))
    assert abs(net - quantity * price) <= Decimal("0.005")
    assert abs(tax - net * rate) <= Decimal("0.005")


@pytest.mark.rule("R5")
def test_a_product_off_the_active_list_is_refused(clerk, customer, catalogue):
    with pytest.raises(RuleViolation) as refused:
        order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=lines(catalogue, ("off_list", "1", "100.00")),
        )

    assert refused.value.code == "not_on_price_list"
    assert "lines.0.product" in refused.value.errors
    assert not Order.objects.exists()


@pytest.mark.rule("R5")
def test_a_price_below_the_floor_is_refused(clerk, customer, catalogue):
    with pytest.raises(RuleViolation) as refused:
        order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=lines(catalogue, ("lathe", "1", "149999.99")),
        )

    assert refused.value.code == "below_floor_price"
    assert "lines.0.unit_price" in refused.value.errors
    assert not Order.objects.exists()


@pytest.mark.rule("R25")
def test_bad_lines_name_each_field(clerk, customer, catalogue):
    with pytest.raises(InvalidInput) as refused:
        order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=[
                {"product": catalogue["lathe"].pk, "quantity": "0", "unit_price": "160000"},
                {"product": 999999, "quantity": "x", "unit_price": ""},
            ],
        )

    assert {"lines.0.quantity", "lines.1.product", "lines.1.quantity", "lines.1.unit_price"} <= set(
        refused.value.errors
    )
    assert not Order.objects.exists()


@pytest.mark.rule("R23")
def test_a_clerk_orders_only_for_own_customers(clerk, catalogue, make_user):
    other = CustomerFactory(owner=make_user("sales_clerk"))

    with pytest.raises(InvalidInput) as refused:
        order_create(
            actor=clerk, customer_id=other.pk, lines=lines(catalogue, ("lathe", "1", "160000"))
        )

    assert "customer" in refused.value.errors


@pytest.mark.rule("R3", "R4")
def test_submit_within_the_limit_passes_and_adds_to_exposure(clerk, customer, catalogue):
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(catalogue, ("lathe", "1", "160000.00"))
    )

    order = order_submit(actor=clerk, order_id=order.pk)

    customer.refresh_from_db()
    assert (order.status, order.credit_status) == ("submitted", "passed")
    assert customer.exposure == Decimal("180800.00")
    assert [s.role for s in order.approval_request.steps.all()] == [
        "sales_manager",
        "general_manager",
    ]


@pytest.mark.rule("R4", "R7")
def test_submit_over_the_limit_goes_on_hold_with_the_release_step(clerk, catalogue):
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("100000.00"))
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(catalogue, ("lathe", "1", "160000.00"))
    )

    order = order_submit(actor=clerk, order_id=order.pk)

    assert order.credit_status == "hold"
    assert [s.role for s in order.approval_request.steps.all()] == [
        "sales_manager",
        "credit_controller",
        "general_manager",
    ]


@pytest.mark.rule("R4")
def test_a_zero_limit_means_no_credit_not_unlimited(clerk, catalogue):
    customer = CustomerFactory(owner=clerk)  # R1: limit 0
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(catalogue, ("service", "1", "5000.00"))
    )

    assert order_submit(actor=clerk, order_id=order.pk).credit_status == "hold"


@pytest.mark.rule("R4")
def test_a_blocked_customer_goes_on_hold(clerk, catalogue):
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("1000000"), blocked=True)
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(catalogue, ("service", "1", "5000.00"))
    )

    assert order_submit(actor=clerk, order_id=order.pk).credit_status == "hold"


@pytest.mark.rule("R7")
def test_the_full_chain_approves_the_order(clerk, customer, catalogue, manager, gm):
    order = order_submit(
        actor=clerk,
        order_id=order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=lines(catalogue, ("lathe", "1", "160000")),
        ).pk,
    )
    request_id = order.approval_request.pk

    approval_decide(actor=manager, request_id=request_id, approve=True)
    approval_decide(actor=gm, request_id=request_id, approve=True)

    order.refresh_from_db()
    customer.refresh_from_db()
    assert order.status == "approved"
    assert customer.exposure == Decimal("180800.00")  # approved orders still count (R3)


@pytest.mark.rule("R3")
def test_a_rejected_order_returns_to_draft_and_leaves_the_exposure(
    clerk, customer, catalogue, manager
):
    order = order_submit(
        actor=clerk,
        order_id=order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=lines(catalogue, ("lathe", "1", "160000")),
        ).pk,
    )

    approval_decide(
        actor=manager, request_id=order.approval_request.pk, approve=False, comment="价格再谈"
    )

    order.refresh_from_db()
    customer.refresh_from_db()
    assert (order.status, order.credit_status) == ("draft", "unchecked")
    assert customer.exposure == Decimal("0.00")


@pytest.mark.rule("R7")
def test_the_credit_release_belongs_to_that_submission_only(
    clerk, catalogue, manager, make_user, gm
):
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("1000.00"))
    order = order_submit(
        actor=clerk,
        order_id=order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=lines(catalogue, ("service", "1", "5000")),
        ).pk,
    )
    request_id = order.approval_request.pk
    approval_decide(actor=manager, request_id=request_id, approve=True)
    approval_decide(actor=make_user("credit_controller"), request_id=request_id, approve=True)
    approval_decide(actor=gm, request_id=request_id, approve=False, comment="暂缓")

    order = order_submit(actor=clerk, order_id=order.pk)

    assert order.credit_status == "hold"
    assert [s.status for s in order.approval_request.steps.all()] == ["open", "waiting", "waiting"]


def test_a_submitted_order_cannot_be_edited(clerk, customer, catalogue):
    order = order_submit(
        actor=clerk,
        order_id=order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=lines(catalogue, ("lathe", "1", "160000")),
        ).pk,
    )

    with pytest.raises(RuleViolation) as refused:
        order_update(
            actor=clerk, order_id=order.pk, lines=lines(catalogue, ("lathe", "9", "160000"))
        )

    assert refused.value.code == "invalid_transition"
    assert order.lines.get().quantity == Decimal("1.000")


@pytest.mark.rule("R3", "R21")
def test_cancelling_a_submitted_order_withdraws_it_and_releases_the_exposure(
    clerk, customer, catalogue
):
    order = order_submit(
        actor=clerk,
        order_id=order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=lines(catalogue, ("lathe", "1", "160000")),
        ).pk,
    )

    order = order_cancel(actor=clerk, order_id=order.pk)

    customer.refresh_from_db()
    assert order.status == "cancelled"
    assert order.approval_request.status == "withdrawn"
    assert customer.exposure == Decimal("0.00")


def test_only_the_salesperson_submits(clerk, customer, catalogue, make_user):
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(catalogue, ("lathe", "1", "160000"))
    )

    with pytest.raises(PermissionRefused):
        order_submit(actor=make_user("sales_clerk", is_superuser=True), order_id=order.pk)

    order.refresh_from_db()
    assert order.status == "draft"


@pytest.mark.rule("R4")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_clerks_never_pass_more_than_the_limit_allows(make_user):
    lathe = ProductFactory()
    active_price_list(items=[(lathe, "100000.00", "100000.00")])
    owner = make_user("sales_clerk")
    customer = CustomerFactory(owner=owner, credit_limit=Decimal("339000.00"))  # 3 × 113000
    clerks = 8
    orders = [
        order_create(
            actor=owner,
            customer_id=customer.pk,
            lines=[{"product": lathe.pk, "quantity": "1", "unit_price": "100000.00"}],
        )
        for _ in range(clerks)
    ]
    start = threading.Barrier(clerks)
    results: list[str] = []

    def submit(order_id):
        try:
            start.wait()
            results.append(order_submit(actor=owner, order_id=order_id).credit_status)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(o.pk,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(results) == ["hold"] * 5 + ["passed"] * 3
    assert Customer.objects.get(pk=customer.pk).exposure == Decimal("113000.00") * clerks


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    ("quantity", "price"),
    [("2", "1234.50"), ("3", "0.10"), ("7", "1234.57"), ("1.5", "333.33"), ("0.001", "99999.99")],
)
def test_any_priced_line_is_kept_on_every_database_gross_being_net_plus_tax(
    clerk, customer, catalogue, quantity, price
):
    """SQLite keeps decimals as floats: 2 × 1,234.50 at 13% is 2,469.00 + 320.97, which as floats
    is not 2,789.97 — the check compares the sum rounded to the cent, on every database."""
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(catalogue, ("service", "1", "4000.00"))
    )
    net, tax, gross = line_amounts(
        quantity=Decimal(quantity), unit_price=Decimal(price), tax_rate=Decimal("0.1300")
    )
    from sales.models import OrderLine

    line = OrderLine(
        order=order,
        product=catalogue["lathe"],
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        tax_rate=Decimal("0.1300"),
        net=net,
        tax=tax,
        gross=gross,
    )
    line.save()  # the database's check: gross = net + tax, to the cent
    line.refresh_from_db()
    assert (line.net, line.tax, line.gross) == (net, tax, gross)
