"""Issue 11 item 9: every role's home shows its queues and a few figures that matter to it —
what waits for their decision, orders this month with the months before as a chart, orders on
credit hold, blocked customers, overdue contracts, notices short of stock — each card
registered by the app that owns the figure, each bounded in queries."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.roles import ALL_ROLES
from sales.models import Customer, Order
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


def _cards(client, user) -> dict[str, dict]:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return {str(card["title"]): card for card in response.context["cards"]}


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_every_role_sees_more_on_its_home_than_the_product_list(client, make_user, role):
    cards = _cards(client, make_user(role))

    assert set(cards) - {"Products"}, role


@pytest.fixture(autouse=True)
def price_list(db):
    return active_price_list(items=[(ProductFactory(), "10.00", "8.00")])


def _order(customer, user, *, gross, status="submitted", credit_status="passed", when=None):
    """An order row as the services leave it (the figures are read, not the way there)."""
    from sales.models import PriceList

    return Order.objects.create(
        price_list=PriceList.objects.get(status="active"),
        number=f"SO-T-{Order.objects.count() + 1:05d}",
        customer=customer,
        created_by=user,
        status=status,
        credit_status=credit_status,
        gross_amount=Decimal(gross),
        submitted_at=when or timezone.now(),
    )


@pytest.mark.rule("R3", "R23")
def test_orders_this_month_with_the_months_before_as_a_chart(client, clerk, make_user):
    mine = CustomerFactory(owner=clerk)
    other = CustomerFactory(owner=make_user("sales_clerk"))
    today = timezone.localdate()
    last_month = timezone.make_aware(
        datetime.datetime.combine(
            today.replace(day=1) - datetime.timedelta(days=3), datetime.time(12)
        )
    )
    _order(mine, clerk, gross="1234567.80")
    _order(mine, clerk, gross="100.00", status="draft")  # not taken yet
    _order(mine, clerk, gross="50.00", status="cancelled")  # taken back
    _order(mine, clerk, gross="300.00", when=last_month)
    _order(other, clerk, gross="999.00")  # another clerk's customer (R23)

    card = _cards(client, clerk)["Orders this month"]

    assert (card["count"], card["figure"]) == (1, "¥1,234,567.80")
    assert len(card["chart"]) == 6
    assert [bar["value"] for bar in card["chart"][-2:]] == [
        Decimal("300.00"),
        Decimal("1234567.80"),
    ]
    gm_card = _cards(client, make_user("general_manager"))["Orders this month"]
    assert gm_card["figure"] == "¥1,235,566.80"
    page = client.get("/").content.decode()
    assert "¥1,235,566.80" in page and 'class="chart"' in page


@pytest.mark.rule("R4")
def test_the_credit_controller_sees_held_orders_and_blocked_customers(client, clerk, make_user):
    customer = CustomerFactory(owner=clerk)
    _order(customer, clerk, gross="10.00", credit_status="hold")
    _order(customer, clerk, gross="10.00")
    Customer.objects.filter(pk=CustomerFactory(owner=clerk).pk).update(blocked=True)

    cards = _cards(client, make_user("credit_controller"))

    assert cards["Orders on credit hold"]["count"] == 1
    assert cards["Customers blocked for overdue amounts"]["count"] == 1
    assert client.get(cards["Orders on credit hold"]["url"]).status_code == 200
    blocked = client.get(cards["Customers blocked for overdue amounts"]["url"])
    assert blocked.context["page_obj"].paginator.count == 1
    assert "Waiting for your decision" in cards


@pytest.mark.rule("R18", "R23")
def test_finance_sees_the_overdue_contracts_and_their_sum(client, make_user, clerk):
    from contracts.models import ContractLedger

    ledgers = list(ContractLedger.objects.all())
    cards = _cards(client, make_user("finance"))
    assert (cards["Contracts overdue"]["count"], cards["Contracts overdue"]["figure"]) == (
        sum(1 for ledger in ledgers if ledger.overdue > 0),
        "¥0.00",
    )


@pytest.mark.rule("R22")
def test_a_decider_sees_what_waits_for_them_per_document_type(client, manager, make_user):
    from sales.services.credit import credit_change_submit
    from tests.factories import credit_change

    for _ in range(2):
        change = credit_change(customer=CustomerFactory(), author=manager)
        credit_change_submit(actor=manager, change_id=change.pk)

    card = _cards(client, make_user("general_manager"))["Waiting for your decision"]

    assert card["count"] == 2
    assert [(bar["label"], bar["value"]) for bar in card["chart"]] == [("Credit change", 2)]
    assert _cards(client, make_user("sales_vp"))["Waiting for your decision"]["count"] == 0


def test_the_home_page_costs_the_same_queries_with_more_rows(
    client, clerk, make_user, django_assert_max_num_queries
):
    gm = make_user("general_manager", "finance", "credit_controller")
    client.force_login(gm)
    client.get("/")
    customer = CustomerFactory(owner=clerk)
    for _ in range(20):
        _order(customer, clerk, gross="10.00", credit_status="hold")
    with django_assert_max_num_queries(30) as first:
        client.get("/")
    for _ in range(20):
        _order(customer, clerk, gross="10.00")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/")
