"""Amounts and quantities beyond what every supported database keeps (`core.money.MAX_AMOUNT`,
`MAX_QUANTITY`; SQLite stores decimals as 8-byte floats) are refused with a 400 naming the
field and nothing written (R25), through the API, the services and the pages — so no list ever
holds a row it cannot read back."""

from decimal import Decimal

import pytest

from core.errors import InvalidInput
from core.money import MAX_AMOUNT, MAX_QUANTITY
from sales.models import CreditChangeRequest, Customer, Order, OrderLine, PriceList
from sales.services.credit import credit_change_create
from sales.services.orders import order_create, order_save_and_submit, order_submit
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
HUGE_QUANTITY = "999999999999999.999"  # fits numeric(18, 3), not a float
HUGE_PRICE = "99999999999999.99"  # fits numeric(18, 2), not a float
# Within the bounds of a unit price, but × 2 (+ 13 % tax) beyond those of an amount.
LARGE_PRICE = "9000000000000.00"


@pytest.fixture
def lathe():
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    active_price_list(items=[(lathe, "168000.00", "150000.00")])
    return lathe


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk, credit_limit=Decimal("1000000.00"))


def lines(lathe, *specs):
    return [{"product": lathe.pk, "quantity": qty, "unit_price": price} for qty, price in specs]


def nothing_written():
    return not Order.objects.exists() and not OrderLine.objects.exists()


# --- API -------------------------------------------------------------------------------------


@pytest.mark.rule("R25")
def test_an_order_line_quantity_beyond_the_bound_is_a_400_naming_it_and_the_list_still_reads(
    api, clerk, customer, lathe
):
    client = api.as_user(clerk)
    body = {"customer": customer.pk, "lines": lines(lathe, (HUGE_QUANTITY, "160000.00"))}

    response = client.post(ORDERS, body, format="json")

    assert response.status_code == 400, response.json()
    assert "lines.0.quantity" in response.json()["errors"]
    assert nothing_written()
    assert client.get(ORDERS).status_code == 200


@pytest.mark.rule("R25")
def test_an_order_line_unit_price_beyond_the_bound_is_a_400_naming_it(api, clerk, customer, lathe):
    client = api.as_user(clerk)
    body = {"customer": customer.pk, "lines": lines(lathe, ("1", HUGE_PRICE))}

    response = client.post(ORDERS, body, format="json")

    assert response.status_code == 400, response.json()
    assert "lines.0.unit_price" in response.json()["errors"]
    assert nothing_written()
    assert client.get(ORDERS).status_code == 200


@pytest.mark.rule("R25")
def test_quantity_times_price_beyond_the_largest_amount_is_a_400_naming_the_quantity(
    api, clerk, customer, lathe
):
    client = api.as_user(clerk)
    body = {"customer": customer.pk, "lines": lines(lathe, ("2", LARGE_PRICE))}

    response = client.post(ORDERS, body, format="json")

    assert response.status_code == 400, response.json()
    assert set(response.json()["errors"]) == {"lines.0.quantity"}
    assert nothing_written()
    assert client.get(ORDERS).status_code == 200


@pytest.mark.rule("R25")
def test_an_order_total_beyond_the_largest_amount_is_a_400_naming_the_lines(
    api, clerk, customer, lathe
):
    half = "5000000000000.00"  # each line's gross (5.65 × 10^12) is within, their sum is not
    body = {"customer": customer.pk, "lines": lines(lathe, ("1", half), ("1", half))}

    response = api.as_user(clerk).post(ORDERS, body, format="json")

    assert response.status_code == 400, response.json()
    assert set(response.json()["errors"]) == {"lines"}
    assert nothing_written()


@pytest.mark.rule("R2", "R25")
def test_a_credit_change_limit_beyond_the_bound_is_a_400_naming_credit_limit(api, manager, clerk):
    customer = CustomerFactory(owner=clerk)
    body = {
        "customer": customer.pk,
        "credit_limit": str(MAX_AMOUNT + Decimal("0.01")),
        "credit_days": 30,
        "risk_level": "low",
        "reason": "增加额度",
    }

    response = api.as_user(manager).post("/api/v1/credit-changes/", body, format="json")

    assert response.status_code == 400, response.json()
    assert set(response.json()["errors"]) == {"credit_limit"}
    assert not CreditChangeRequest.objects.exists()
    assert api.get("/api/v1/credit-changes/").status_code == 200


@pytest.mark.rule("R6", "R25")
def test_a_price_list_price_beyond_the_bound_is_a_400_naming_the_item(api, manager):
    product = ProductFactory()
    body = {
        "name": "2027",
        "valid_from": "2027-01-01",
        "items": [{"product": product.pk, "list_price": HUGE_PRICE, "floor_price": "1.00"}],
    }

    response = api.as_user(manager).post("/api/v1/price-lists/", body, format="json")

    assert response.status_code == 400, response.json()
    assert set(response.json()["errors"]) == {"items.0.list_price"}
    assert not PriceList.objects.exists()


# --- services (every writer, not only the API) -------------------------------------------------


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ((HUGE_QUANTITY, "160000.00"), "lines.0.quantity"),
        ((str(MAX_QUANTITY + Decimal("0.001")), "160000.00"), "lines.0.quantity"),
        (("1", HUGE_PRICE), "lines.0.unit_price"),
        (("2", LARGE_PRICE), "lines.0.quantity"),
        (("1", "Infinity"), "lines.0.unit_price"),
    ],
)
def test_the_order_service_refuses_values_beyond_the_bounds_naming_the_field(
    clerk, customer, lathe, spec, field
):
    with pytest.raises(InvalidInput) as refused:
        order_create(actor=clerk, customer_id=customer.pk, lines=lines(lathe, spec))

    assert set(refused.value.errors) == {field}
    assert nothing_written()


def test_an_order_just_within_the_largest_amount_is_saved_and_read_back_exactly(
    api, clerk, customer, lathe
):
    # net 8 849 557 522 123.88 + tax 13 % 1 150 442 477 876.10 = 9 999 999 999 999.98
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(lathe, ("1", "8849557522123.88"))
    )

    listed = api.as_user(clerk).get(ORDERS)

    assert listed.status_code == 200
    assert [row["gross_amount"] for row in listed.json()["results"]] == ["9999999999999.98"]
    assert Order.objects.get(pk=order.pk).gross_amount == Decimal("9999999999999.98")


@pytest.mark.rule("R3", "R25")
def test_save_and_submit_refuses_an_exposure_beyond_the_largest_amount_and_writes_nothing(
    clerk, customer, lathe
):
    Customer.objects.filter(pk=customer.pk).update(exposure=MAX_AMOUNT - Decimal("1000.00"))

    with pytest.raises(InvalidInput) as refused:
        order_save_and_submit(
            actor=clerk, customer_id=customer.pk, lines=lines(lathe, ("1", "160000.00"))
        )

    assert set(refused.value.errors) == {"lines"}
    assert nothing_written()
    assert Customer.objects.get(pk=customer.pk).exposure == MAX_AMOUNT - Decimal("1000.00")


@pytest.mark.rule("R3")
def test_submit_refuses_an_exposure_beyond_the_largest_amount(clerk, customer, lathe):
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(lathe, ("1", "160000.00"))
    )
    Customer.objects.filter(pk=customer.pk).update(exposure=MAX_AMOUNT)

    with pytest.raises(InvalidInput):
        order_submit(actor=clerk, order_id=order.pk)

    order.refresh_from_db()
    assert (order.status, order.exposure_amount) == ("draft", Decimal("0.00"))


@pytest.mark.rule("R2")
def test_the_credit_change_service_refuses_a_limit_beyond_the_bound(manager, clerk):
    customer = CustomerFactory(owner=clerk)

    with pytest.raises(InvalidInput) as refused:
        credit_change_create(
            actor=manager,
            customer_id=customer.pk,
            credit_limit=MAX_AMOUNT + Decimal("1"),
            credit_days=30,
            risk_level="low",
            reason="增加额度",
        )

    assert set(refused.value.errors) == {"credit_limit"}
    assert not CreditChangeRequest.objects.exists()


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.rule("R25")
def test_the_order_page_names_a_quantity_beyond_the_bound_beside_its_cell(
    client, clerk, customer, lathe
):
    client.force_login(clerk)
    data = {
        "customer": customer.pk,
        "first_payment_ratio": "30",
        "note": "",
        "action": "submit",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": lathe.pk,
        "lines-0-quantity": HUGE_QUANTITY,
        "lines-0-unit_price": "160000.00",
    }

    response = client.post("/orders/new/", data)

    assert response.status_code == 400
    assert "quantity" in response.context["formset"].forms[0].errors
    assert nothing_written()
    assert client.get("/orders/").status_code == 200


def test_the_order_page_shows_the_services_refusal_of_a_line_amount_beside_the_quantity(
    client, clerk, customer, lathe
):
    client.force_login(clerk)
    data = {
        "customer": customer.pk,
        "first_payment_ratio": "30",
        "note": "",
        "action": "save",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": lathe.pk,
        "lines-0-quantity": "2",
        "lines-0-unit_price": LARGE_PRICE,
    }

    response = client.post("/orders/new/", data)

    assert response.status_code == 400
    assert "quantity" in response.context["formset"].forms[0].errors
    assert nothing_written()


@pytest.mark.rule("R2", "R25")
def test_the_credit_change_page_names_a_limit_beyond_the_bound_beside_its_field(
    client, manager, clerk
):
    customer = CustomerFactory(owner=clerk)
    client.force_login(manager)

    response = client.post(
        "/credit-changes/new/",
        {
            "customer": customer.pk,
            "credit_limit": str(MAX_AMOUNT + Decimal("0.01")),
            "credit_days": "30",
            "risk_level": "low",
            "reason": "增加额度",
        },
    )

    assert response.status_code == 400
    assert "credit_limit" in response.context["form"].errors
    assert not CreditChangeRequest.objects.exists()
    assert client.get("/credit-changes/").status_code == 200
