"""Figures on the sales pages (issue 11 item 1): amounts with thousands separators, credit
figures in yuan, rates as percentages; rates typed as percentages and amounts typed with
separators in the order, price list, product and credit change forms."""

from decimal import Decimal

import pytest

from sales.models import CreditChangeRequest, Order, PriceList
from tests.factories import CustomerFactory, ProductFactory, active_price_list
from tests.sales.test_order_pages import form_data as order_form
from tests.sales.test_price_lists import form_data as price_list_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def spare():
    spare = ProductFactory(code="P-2001", name="刀塔备件", unit="件", tax_rate=Decimal("0.1300"))
    active_price_list(items=[(spare, "1300.00", "1000.00")])
    return spare


@pytest.fixture
def customer(clerk):
    return CustomerFactory(
        owner=clerk, name="上海华东机械有限公司", credit_limit=Decimal("5000000")
    )


def test_an_order_typed_with_a_percentage_and_separators_is_the_right_order(
    client, clerk, customer, spare
):
    client.force_login(clerk)

    response = client.post(
        "/orders/new/",
        order_form(customer, [(spare, "1,200", "1,234.50")], first_payment_ratio="35%"),
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert order.first_payment_ratio == Decimal("0.3500")
    line = order.lines.get()
    assert (line.quantity, line.unit_price) == (Decimal("1200.000"), Decimal("1234.50"))
    # 1 481 400.00 net + 13 % tax 192 582.00
    assert order.gross_amount == Decimal("1673982.00")


def test_the_order_page_shows_amounts_with_separators_and_rates_as_percentages(
    client, clerk, customer, spare
):
    client.force_login(clerk)
    client.post("/orders/new/", order_form(customer, [(spare, "1200", "1234.50")]))
    order = Order.objects.get()

    html = client.get(f"/orders/{order.pk}/").content.decode()

    assert "1,673,982.00" in html and "1673982.00" not in html
    assert "1,234.50" in html and "1,200.000 件" in html
    assert "13%" in html and "0.1300" not in html
    assert "30%" in html and "0.3000" not in html


def test_the_order_form_shows_the_stored_ratio_as_a_percentage_and_prices_with_separators(
    client, clerk, customer, spare
):
    client.force_login(clerk)
    client.post(
        "/orders/new/",
        order_form(customer, [(spare, "2", "1,250.00")], first_payment_ratio="12.5"),
    )
    order = Order.objects.get()

    html = client.get(f"/orders/{order.pk}/edit/").content.decode()

    assert 'name="first_payment_ratio" value="12.5"' in html
    assert 'value="1,250.00"' in html


def test_the_live_totals_and_the_credit_panel_read_with_separators(client, clerk, customer, spare):
    client.force_login(clerk)

    totals = client.post(
        "/orders/totals/",
        order_form(customer, [(spare, "1,200", "1,234.50")]),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    panel = client.get("/orders/credit/", {"customer": customer.pk}).content.decode()

    assert '<strong id="order-gross">1,673,982.00</strong>' in totals
    assert "13%" in totals
    assert 'id="credit-limit">¥5,000,000.00<' in panel


def test_a_price_list_typed_with_a_commission_percentage_and_separators(client, manager):
    product = ProductFactory()
    client.force_login(manager)
    row = {"product": product.pk, "list_price": "12,800.00", "floor_price": "11,000"}

    response = client.post("/price-lists/new/", price_list_form([row], commission_rate="2.5%"))

    price_list = PriceList.objects.get()
    assert response.status_code == 302
    assert price_list.commission_rate == Decimal("0.0250")
    item = price_list.items.get()
    assert (item.list_price, item.floor_price) == (Decimal("12800.00"), Decimal("11000.00"))
    html = client.get(f"/price-lists/{price_list.pk}/").content.decode()
    assert "2.5%" in html and "12,800.00" in html and "11,000.00" in html


def test_a_credit_limit_typed_with_separators(client, manager):
    customer = CustomerFactory(owner=manager)
    client.force_login(manager)

    response = client.post(
        "/credit-changes/new/",
        {
            "customer": customer.pk,
            "credit_limit": "¥1,500,000.00",
            "credit_days": "60",
            "risk_level": "medium",
            "reason": "新签三年框架协议",
        },
    )

    change = CreditChangeRequest.objects.get()
    assert response.status_code == 302
    assert change.credit_limit == Decimal("1500000.00")
    assert "¥1,500,000.00" in client.get(f"/credit-changes/{change.pk}/").content.decode()


def test_the_product_list_shows_the_tax_rate_as_a_percentage(client, gm):
    ProductFactory(tax_rate=Decimal("0.0600"))
    client.force_login(gm)

    html = client.get("/products/").content.decode()

    assert "6%" in html and "0.0600" not in html
