"""The base layout: login, logout, navigation by role, home per role."""

import pytest

pytestmark = pytest.mark.django_db


def _nav(client, user) -> list[str]:
    client.force_login(user)
    return [str(item["label"]) for item in client.get("/").context["nav_items"]]


def test_clerk_navigation_shows_customers_but_not_warehouses(client, clerk):
    assert _nav(client, clerk) == [
        "Home",
        "Customers",
        "Leads",
        "Quotations",
        "Orders",
        "Products",
        "Price lists",
        "Contracts",
        "Shipping notices",
        "Service dispatch",
    ]


def test_security_navigation_shows_warehouses_but_not_customers(client, make_user):
    assert _nav(client, make_user("security")) == [
        "Home",
        "Products",
        "Gate",
        "Stock",
        "Warehouses",
    ]


def test_superuser_navigation_shows_everything(client, make_user):
    labels = _nav(client, make_user(is_superuser=True, is_staff=True))

    assert labels == [
        "Home",
        "Approvals",
        "Customers",
        "Leads",
        "Presales funnel",
        "Quotations",
        "Orders",
        "Credit changes",
        "Products",
        "Price lists",
        "Contracts",
        "Production notices",
        "Goods receipts",
        "Shipping notices",
        "Picking list",
        "Gate",
        "Service dispatch",
        "Stock",
        "Warehouses",
        "Receipts",
        "Bank statements",
        "Invoices",
        "Aging",
        "Litigation",
        "Commission slips",
        "Statements of account",
        "Journal",
        "Trial balance",
        "Month end",
    ]


def test_login_then_logout(client, clerk):
    response = client.post("/login/", {"username": "clerk.li", "password": "secret-pass-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200

    client.post("/logout/")

    assert client.get("/").status_code == 302


def test_wrong_password_shows_the_login_form_again(client, clerk):
    response = client.post("/login/", {"username": "clerk.li", "password": "nope"})

    assert response.status_code == 200
    assert response.context["form"].errors


def test_home_shows_the_roles_of_the_user(client, make_user):
    client.force_login(make_user("finance", "credit_controller"))

    labels = [str(label) for label in client.get("/").context["role_labels"]]

    assert labels == ["Credit controller", "Finance"]


def test_pages_load_only_local_assets(client, clerk):
    import re

    client.force_login(clerk)
    html = client.get("/customers/").content.decode()

    assert re.findall(r'(?:src|href)="(https?://[^"]+)"', html) == []
    assert "/static/vendor/htmx/htmx.min.js" in html


def test_healthz_answers_ok(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_approvals_badge_stops_at_99_plus(client, gm, manager, monkeypatch):
    from core import navigation

    monkeypatch.setattr(navigation, "BADGE_CAP", 2)
    from sales.services.credit import credit_change_submit
    from tests.factories import CustomerFactory, credit_change

    for _ in range(3):
        change = credit_change(customer=CustomerFactory(), author=manager)
        credit_change_submit(actor=manager, change_id=change.pk)
    client.force_login(gm)

    items = {str(i["label"]): i for i in client.get("/").context["nav_items"]}

    assert items["Approvals"]["badge"] == "2+"
