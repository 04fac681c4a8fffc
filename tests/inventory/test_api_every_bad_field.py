"""Issue 11 item 10: a request with several bad fields hears of all of them at once (R25) —
each main create endpoint, with bad shapes and unknown references mixed, names every field
in `errors`, and nothing is written."""

import pytest

from contracts.models import Contract
from inventory.models import GoodsReceipt, ProductionNotice, ServiceDispatch, ShippingNotice
from sales.models import CreditChangeRequest, Customer, Order, PriceList

pytestmark = pytest.mark.django_db

UNKNOWN = 987654


def _post(api, user, url, body):
    response = api.as_user(user).post(f"/api/v1/{url}", body, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    return set(body["errors"])


def test_customer_create_names_every_bad_field(api, clerk):
    fields = _post(
        api, clerk, "customers/", {"name": "", "email": "not-an-email", "owner": "nobody"}
    )

    assert fields == {"name", "email", "owner"}
    assert not Customer.objects.exists()


def test_order_create_names_every_bad_field(api, clerk, customer, catalogue):
    fields = _post(
        api,
        clerk,
        "orders/",
        {
            "customer": customer.pk,
            "first_payment_ratio": "1.5",
            "lines": [
                {"product": catalogue["lathe"].pk, "quantity": "0", "unit_price": "-5"},
                {"product": UNKNOWN, "quantity": "1", "unit_price": "10"},
            ],
        },
    )

    assert fields == {
        "first_payment_ratio",
        "lines.0.quantity",
        "lines.0.unit_price",
        "lines.1.product",
    }
    assert not Order.objects.filter(customer=customer).exists()


def test_order_create_names_an_unknown_customer_with_the_lines(api, clerk, catalogue):
    fields = _post(
        api,
        clerk,
        "orders/",
        {
            "customer": UNKNOWN,
            "lines": [{"product": UNKNOWN, "quantity": "-1", "unit_price": "x"}],
        },
    )

    assert fields == {"customer", "lines.0.product", "lines.0.quantity", "lines.0.unit_price"}


def test_price_list_create_names_every_bad_field(api, gm, catalogue):
    before = PriceList.objects.count()
    fields = _post(
        api,
        gm,
        "price-lists/",
        {
            "name": "",
            "valid_from": "2030-01-01",
            "commission_rate": "9",
            "items": [{"product": UNKNOWN, "list_price": "-1", "floor_price": "0"}],
        },
    )

    assert fields == {
        "name",
        "commission_rate",
        "items.0.product",
        "items.0.list_price",
        "items.0.floor_price",
    }
    assert PriceList.objects.count() == before


def test_credit_change_create_names_every_bad_field(api, manager):
    fields = _post(
        api,
        manager,
        "credit-changes/",
        {
            "customer": UNKNOWN,
            "credit_limit": "-1",
            "credit_days": "x",
            "risk_level": "nope",
            "reason": "",
        },
    )

    assert fields == {"customer", "credit_limit", "credit_days", "risk_level", "reason"}
    assert not CreditChangeRequest.objects.exists()


def test_contract_create_names_every_bad_field(api, clerk):
    fields = _post(
        api,
        clerk,
        "contracts/",
        {
            "order": UNKNOWN,
            "first_payment_ratio": "x",
            "credit_days": -1,
            "interest_rate_daily": "abc",
        },
    )

    assert fields == {"order", "first_payment_ratio", "credit_days", "interest_rate_daily"}
    assert not Contract.objects.exists()


def test_shipping_notice_create_names_every_bad_field(api, clerk, contract, lathe_line):
    fields = _post(
        api,
        clerk,
        "shipping-notices/",
        {
            "contract": UNKNOWN,
            "warehouse": UNKNOWN,
            "valid_until": "2000-01-01",
            "lines": [{"contract_line": lathe_line.pk, "quantity": "-1"}],
        },
    )

    assert fields == {"contract", "warehouse", "valid_until", "lines.0.quantity"}
    assert not ShippingNotice.objects.exists()


def test_production_notice_create_names_every_bad_field(api, planner, contract, lathe_line):
    fields = _post(
        api,
        planner,
        "production-notices/",
        {
            "contract": UNKNOWN,
            "due_date": "someday",
            "lines": [{"contract_line": lathe_line.pk, "quantity": "0"}],
        },
    )

    assert fields == {"contract", "due_date", "lines.0.quantity"}
    assert not ProductionNotice.objects.exists()


def test_goods_receipt_create_names_every_bad_field(api, producer):
    fields = _post(
        api,
        producer,
        "goods-receipts/",
        {"product": UNKNOWN, "warehouse": UNKNOWN, "quantity": "-1", "qc_certificate_no": ""},
    )

    assert fields == {"product", "warehouse", "quantity", "qc_certificate_no"}
    assert not GoodsReceipt.objects.exists()


def test_service_dispatch_create_names_every_bad_field(api, clerk, contract):
    fields = _post(
        api,
        clerk,
        "service-dispatches/",
        {"contract": UNKNOWN, "scheduled_on": "x", "description": ""},
    )

    assert fields == {"contract", "scheduled_on", "description"}
    assert not ServiceDispatch.objects.exists()


def test_a_contract_the_clerk_may_not_see_is_named_with_the_other_fields(
    api, make_user, contract, lathe_line
):
    other_clerk = make_user("sales_clerk", username="clerk.zhou")

    fields = _post(
        api,
        other_clerk,
        "shipping-notices/",
        {"contract": contract.pk, "warehouse": UNKNOWN, "lines": []},
    )

    assert {"contract", "warehouse"} <= fields
