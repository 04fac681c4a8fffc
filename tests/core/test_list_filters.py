"""Issue 11 item 4: every list filters by customer name (suggested as the user types, only the
customers they may see, R23), salesperson name, a date range and status, shows the totals of
the filtered rows, and shows a bad filter beside its field without applying it."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from sales.models import Order, PriceList
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def price_list(db):
    return active_price_list(items=[(ProductFactory(), "10.00", "8.00")])


def _order(customer, user, gross, *, days_ago=0, status="submitted"):
    order = Order.objects.create(
        number=f"SO-F-{Order.objects.count() + 1:05d}",
        customer=customer,
        created_by=user,
        status=status,
        gross_amount=Decimal(gross),
        price_list=PriceList.objects.get(status="active"),
    )
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Order.objects.filter(pk=order.pk).update(created_at=when)
    return order


@pytest.fixture
def orders(make_user):
    li = make_user("sales_clerk", first_name="李雷")
    han = make_user("sales_clerk", first_name="韩梅梅")
    east = CustomerFactory(owner=li, name="上海华东机械有限公司")
    south = CustomerFactory(owner=han, name="江苏苏南重工股份有限公司")
    return {
        "li": li,
        "han": han,
        "rows": [
            _order(east, li, "1000.00"),
            _order(east, li, "2500.50", days_ago=40),
            _order(south, han, "700.00", status="approved"),
            _order(south, han, "300.00", days_ago=10, status="draft"),
        ],
    }


def _numbers(response):
    return sorted(o.number for o in response.context["page_obj"])


@pytest.mark.rule("R23")
def test_the_order_list_filters_by_customer_salesperson_dates_and_status_with_totals(
    client, make_user, orders
):
    client.force_login(make_user("general_manager"))
    rows = orders["rows"]
    today = timezone.localdate()

    by_customer = client.get("/orders/", {"customer": "华东"})
    by_person = client.get("/orders/", {"salesperson": "韩梅"})
    by_dates = client.get(
        "/orders/",
        {"date_from": (today - datetime.timedelta(days=15)).isoformat(), "date_to": today},
    )
    by_status = client.get("/orders/", {"status": "approved"})

    assert _numbers(by_customer) == sorted([rows[0].number, rows[1].number])
    assert _numbers(by_person) == sorted([rows[2].number, rows[3].number])
    assert _numbers(by_dates) == sorted([rows[0].number, rows[2].number, rows[3].number])
    assert _numbers(by_status) == [rows[2].number]
    assert by_customer.context["totals"]["gross"] == Decimal("3500.50")
    assert "3,500.50" in by_customer.content.decode()
    assert 'id="order-totals"' in by_customer.content.decode()


def test_a_bad_date_range_is_shown_beside_the_field_and_not_applied(client, make_user, orders):
    client.force_login(make_user("general_manager"))

    response = client.get("/orders/", {"date_from": "2026-05-01", "date_to": "2026-04-01"})

    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()
    assert len(response.context["page_obj"]) == 4  # not applied


@pytest.mark.rule("R23")
def test_customer_names_are_suggested_from_the_customers_the_user_may_see(client, orders):
    client.force_login(orders["li"])

    suggested = client.get("/customers/names/", {"customer": "有限"}).content.decode()

    assert '<option value="上海华东机械有限公司">' in suggested
    assert "江苏苏南重工" not in suggested  # another clerk's customer (R23)


@pytest.mark.rule("R23")
def test_the_ledger_filters_by_customer_and_salesperson_name_not_ids(client, make_user):
    page = client.get
    client.force_login(make_user("finance"))
    html = page("/contracts/ledger/").content.decode()
    assert 'name="customer"' in html and 'list="customer-name-suggestions"' in html
    assert "customer id" not in html and 'placeholder="username"' not in html
    assert page("/contracts/ledger/", {"salesperson": "nobody here"}).status_code == 200


def test_every_document_list_offers_the_shared_filters(client, make_user):
    client.force_login(make_user("general_manager", "sales_clerk", "finance"))
    for url in (
        "/orders/",
        "/credit-changes/",
        "/contracts/",
        "/contracts/ledger/",
        "/production-notices/",
        "/shipping-notices/",
        "/service-dispatches/",
    ):
        html = client.get(url).content.decode()
        for name in ("q", "customer", "salesperson", "date_from", "date_to", "status"):
            assert f'name="{name}"' in html, (url, name)
