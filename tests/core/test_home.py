"""The home page: per role, the queue of work waiting for that role (R10–R14), each a count
and a link to the list filtered the same way; the apps register their cards with core
(`core.home`), core imports no later app (DESIGN §5)."""

import ast
import datetime
from pathlib import Path

import pytest

from core import home
from inventory import services
from tests.factories import ProductFactory, WarehouseFactory
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
    approve,
    approved_notice,
    approved_order,
    catalogue,
    contract,
    customer,
    finance,
    guard,
    head,
    keeper,
    lathe_line,
    planner,
    producer,
    put_stock,
    qc,
    salesvp,
    warehouse,
)

pytestmark = pytest.mark.django_db


def _cards(client, user) -> dict[str, dict]:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return {card["url"]: card for card in response.context["cards"]}


def _notice(planner, contract, line, quantity="1"):  # noqa: F811
    return services.production_notice_create(
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
            "lines": [{"contract_line": line.pk, "quantity": quantity}],
        },
    )


@pytest.fixture
def notices(planner, salesvp, contract, lathe_line):  # noqa: F811
    """Two drafts and one released production notice (R10)."""
    _notice(planner, contract, lathe_line, "0.1")
    _notice(planner, contract, lathe_line, "0.1")
    released = _notice(planner, contract, lathe_line, "0.1")
    services.production_notice_submit(actor=planner, notice_id=released.pk)
    approve(released, salesvp)
    released.refresh_from_db()
    assert released.status == "released"


@pytest.mark.rule("R10")
def test_r10_the_planner_sees_drafts_and_released_notices(client, planner, notices):  # noqa: F811
    cards = _cards(client, planner)

    drafts = cards["/production-notices/?status=draft"]
    released = cards["/production-notices/?status=released"]
    assert (str(drafts["title"]), drafts["count"]) == ("Production notices in draft", 2)
    assert drafts["action"][1] == "/production-notices/new/"
    assert (str(released["title"]), released["count"]) == ("Released production notices", 1)
    assert client.get(drafts["url"]).status_code == 200


@pytest.mark.rule("R10")
def test_r10_production_sees_the_released_notices_to_produce_and_no_drafts(
    client,
    producer,  # noqa: F811
    notices,
):
    cards = _cards(client, producer)

    assert cards["/production-notices/?status=released"]["count"] == 1
    assert "/production-notices/?status=draft" not in cards


@pytest.mark.rule("R10")
def test_a_planner_who_also_produces_sees_the_released_queue_once(client, make_user, notices):
    both = make_user("planner", "production")

    client.force_login(both)
    urls = [card["url"] for card in client.get("/").context["cards"]]

    assert urls.count("/production-notices/?status=released") == 1


@pytest.mark.rule("R11")
def test_r11_qc_sees_the_goods_receipts_waiting_for_confirmation(client, qc, producer):  # noqa: F811
    product, store = ProductFactory(), WarehouseFactory()
    for number in ("QC-1", "QC-2"):
        services.goods_receipt_record(
            actor=producer,
            data={
                "product": product.pk,
                "warehouse": store.pk,
                "quantity": "1",
                "qc_certificate_no": number,
            },
        )
    confirmed = services.goods_receipt_record(
        actor=producer,
        data={
            "product": product.pk,
            "warehouse": store.pk,
            "quantity": "1",
            "qc_certificate_no": "Q3",
        },
    )
    services.goods_receipt_confirm(actor=qc, receipt_id=confirmed.pk)

    card = _cards(client, qc)["/goods-receipts/?status=recorded"]

    assert (str(card["title"]), card["count"]) == ("Goods receipts waiting for QC", 2)
    assert client.get(card["url"]).status_code == 200


@pytest.fixture
def approved(clerk, manager, keeper, contract, lathe_line, warehouse):  # noqa: F811
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="5")
    return approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )


@pytest.mark.rule("R13")
def test_r13_the_warehouse_sees_the_notices_on_the_picking_list(client, keeper, approved):  # noqa: F811
    card = _cards(client, keeper)["/picking-list/"]

    assert (str(card["title"]), card["count"]) == ("Notices on the picking list", 1)
    assert "/warehouses/" in _cards(client, keeper)  # the warehouses card stays
    assert client.get(card["url"]).status_code == 200


@pytest.mark.rule("R13")
def test_r13_security_sees_the_issued_shipments_waiting_at_the_gate(
    client,
    keeper,  # noqa: F811
    guard,  # noqa: F811
    approved,
):
    services.shipping_notice_issue(actor=keeper, notice_id=approved.pk)

    card = _cards(client, guard)["/shipping-notices/?status=issued"]

    assert (str(card["title"]), card["count"]) == ("Shipments waiting at the gate", 1)
    assert card["action"][1] == "/gate/"
    assert client.get(card["url"]).status_code == 200


@pytest.mark.rule("R14", "R23")
def test_r14_r23_a_clerk_sees_their_shipped_notices_awaiting_the_signed_copy(
    client,
    clerk,
    make_user,
    keeper,  # noqa: F811
    guard,  # noqa: F811
    approved,
):
    notice = services.shipping_notice_issue(actor=keeper, notice_id=approved.pk)
    services.gate_exit(actor=guard, gate_pass_no=notice.gate_pass_no)

    mine = _cards(client, clerk)["/shipping-notices/?status=shipped"]
    other = _cards(client, make_user("sales_clerk"))["/shipping-notices/?status=shipped"]

    assert (str(mine["title"]), mine["count"]) == ("Shipped, awaiting the signed copy", 1)
    assert other["count"] == 0  # R23: another clerk's customer is not theirs
    client.force_login(clerk)
    assert client.get(mine["url"]).status_code == 200


def test_roles_without_fulfilment_work_get_no_queue(client, make_user):
    cards = _cards(client, make_user("finance"))

    fulfilment = ("/production-notices/", "/goods-receipts/", "/shipping-notices/", "/picking")
    assert [url for url in cards if url.startswith(fulfilment)] == []
    assert {"/customers/", "/products/"} <= set(cards)


def test_the_clerks_first_card_is_still_their_customers(client, clerk):
    cards = list(_cards(client, clerk).values())

    assert str(cards[0]["title"]) == "My customers"


def test_a_provider_registered_twice_shows_its_cards_once(monkeypatch, clerk):
    monkeypatch.setattr(home, "_providers", [])

    def provider(user):
        return [{"title": "X", "count": 1, "url": "/x/", "action": None}]

    home.register_home_cards(provider)
    home.register_home_cards(provider)

    assert home.home_cards(user=clerk) == [{"title": "X", "count": 1, "url": "/x/", "action": None}]


def test_core_imports_no_later_app():
    """DESIGN §5: dependencies point one way; core knows no document app — the apps register
    their home cards, menu badges and overdue sources."""
    later = {"approvals", "sales", "contracts", "inventory", "finance"}
    core = Path(__file__).resolve().parents[2] / "core"
    offenders = []
    for path in sorted(core.rglob("*.py")):
        name = str(path.relative_to(core))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules = [node.module]
            offenders += [f"{name}: {m}" for m in modules if m.split(".")[0] in later]

    assert offenders == []


@pytest.mark.rule("R13")
def test_r13_the_warehouse_and_the_planner_see_approved_notices_short_of_stock(
    client,
    clerk,
    manager,
    keeper,  # noqa: F811
    planner,  # noqa: F811
    contract,  # noqa: F811
    lathe_line,  # noqa: F811
    warehouse,  # noqa: F811
):
    approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    by_title = lambda cards: {str(c["title"]): c for c in cards.values()}  # noqa: E731

    short = by_title(_cards(client, keeper))["Approved notices short of stock"]
    assert (short["count"], short["url"]) == (1, "/picking-list/#short")
    planner_card = by_title(_cards(client, planner))["Approved notices short of stock"]
    assert planner_card["count"] == 1
    assert client.get(planner_card["url"]).status_code == 200

    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="5")
    assert by_title(_cards(client, keeper))["Approved notices short of stock"]["count"] == 0
