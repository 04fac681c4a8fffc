"""Issue 11 item 4: the menu folds into drop-downs when it is long, so a general manager's
navigation fits on one line; a clerk's short menu stays flat (their work one click away). Each
app registers its entries and groups (core.navigation)."""

import pytest

from core import navigation

pytestmark = pytest.mark.django_db


def _tree(client, user):
    client.force_login(user)
    return client.get("/").context["nav_tree"]


def test_a_short_menu_stays_flat(client, clerk):
    tree = _tree(client, clerk)

    assert all("link" in node for node in tree)
    labels = [str(node["link"]["label"]) for node in tree]
    assert labels[:5] == ["Home", "Customers", "Leads", "Quotations", "Orders"]
    assert "<details" not in client.get("/").content.decode()


def test_the_general_managers_long_menu_folds_into_groups(client, make_user):
    gm = make_user("general_manager")
    tree = _tree(client, gm)

    shown = [
        str(node["label"]) if "entries" in node else str(node["link"]["label"]) for node in tree
    ]
    assert shown == [
        "Home",
        "Approvals",
        "Sales",
        "Contracts",
        "Production",
        "Shipping",
        "Finance",
    ]
    sales = next(node for node in tree if node.get("label") == "Sales")
    assert [str(item["label"]) for item in sales["entries"]] == [
        "Customers",
        "Leads",
        "Presales funnel",
        "Quotations",
        "Orders",
        "Credit changes",
        "Products",
        "Price lists",
    ]
    html = client.get("/orders/").content.decode()
    assert '<details class="nav-group active"><summary>Sales</summary>' in html
    assert 'href="/orders/" aria-current="page"' in html


def test_a_group_with_one_entry_for_the_user_is_that_entry(monkeypatch):
    monkeypatch.setattr(navigation, "FLAT_MENU_MAX", 0)
    items = [
        {"label": "Home", "url": "/", "active": False, "group": None},
        {"label": "Gate", "url": "/gate/", "active": True, "group": "shipping"},
    ]

    assert navigation.menu_tree(items) == [{"link": items[0]}, {"link": items[1]}]


def test_every_entry_of_the_flat_list_is_in_the_tree(client, make_user):
    user = make_user("general_manager", "finance", "warehouse", "security", "planner")
    client.force_login(user)
    context = client.get("/").context
    in_tree = [
        item["url"]
        for node in context["nav_tree"]
        for item in (node["entries"] if "entries" in node else [node["link"]])
    ]

    assert sorted(in_tree) == sorted(item["url"] for item in context["nav_items"])
    assert len(in_tree) == len(set(in_tree))
