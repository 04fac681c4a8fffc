"""The admin obeys the same rules: credit fields read-only and refused (R2), saves through
the services, no deletes (R24)."""

from decimal import Decimal

import pytest

from sales.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_superuser=True, is_staff=True, username="root"))
    return client


def _change_form(customer, **extra):
    return {
        "code": customer.code,
        "name": customer.name,
        "tax_id": "",
        "contact_name": "",
        "phone": "",
        "email": "",
        "address": "",
        "owner": customer.owner.username,
        "is_active": "on",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
        **extra,
    }


@pytest.mark.rule("R2", "R24")
def test_admin_shows_credit_fields_read_only(admin_client):
    customer = CustomerFactory()

    html = admin_client.get(f"/admin/sales/customer/{customer.pk}/change/").content.decode()

    for name in ("credit_limit", "credit_days", "risk_level"):
        assert f'name="{name}"' not in html
    assert "field-credit_limit" in html


@pytest.mark.rule("R2", "R25")
def test_admin_post_with_credit_fields_is_refused_and_changes_nothing(admin_client):
    customer = CustomerFactory(name="原名")

    response = admin_client.post(
        f"/admin/sales/customer/{customer.pk}/change/",
        _change_form(customer, name="新名", credit_limit="900000", risk_level="low"),
    )

    assert response.status_code == 200  # the form again, with the error
    assert "credit change request" in response.content.decode()
    customer.refresh_from_db()
    assert (customer.name, customer.credit_limit, customer.risk_level) == (
        "原名",
        Decimal("0.00"),
        "high",
    )


def test_admin_edit_goes_through_the_service(admin_client):
    customer = CustomerFactory(name="原名")

    response = admin_client.post(
        f"/admin/sales/customer/{customer.pk}/change/", _change_form(customer, name="新名")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert customer.name == "新名"


@pytest.mark.rule("R1")
def test_admin_add_gives_r1_defaults(admin_client, clerk):
    response = admin_client.post(
        "/admin/sales/customer/add/",
        {
            "code": "",
            "name": "新客户",
            "tax_id": "",
            "contact_name": "",
            "phone": "",
            "email": "",
            "address": "",
            "owner": clerk.username,
            "is_active": "on",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get()
    assert (customer.owner, customer.credit_limit, customer.risk_level) == (
        clerk,
        Decimal("0.00"),
        "high",
    )
    assert customer.code.startswith("C")


@pytest.mark.rule("R24")
def test_admin_offers_no_delete(admin_client):
    customer = CustomerFactory()

    response = admin_client.post(f"/admin/sales/customer/{customer.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_admin_search_and_filters(admin_client):
    CustomerFactory(name="上海华东机械")
    CustomerFactory(name="江苏苏南重工")

    response = admin_client.get("/admin/sales/customer/", {"q": "华东", "risk_level": "high"})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
