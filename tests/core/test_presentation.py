"""Cross-cutting presentation of the pages: the change history (R24) in words a user reads, the
submitter by name, capitalised form labels, ratios as percentages, and a confirmation before
a destructive action."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.history import LINK_SET, history_rows
from inventory import services
from inventory.models import GoodsReceipt, ShippingNotice
from tests.factories import ProductFactory, WarehouseFactory
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
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
    put_stock,
    qc,
    warehouse,
)

pytestmark = pytest.mark.django_db


def _named(user, first: str, last: str):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _changes(row) -> dict:
    return {c["field"]: (c["old"], c["new"]) for c in row["changes"]}


@pytest.fixture
def posted_receipt(make_user, qc):  # noqa: F811
    producer = make_user("production", username="prod.wu")
    _named(qc, "Qing", "Zheng")
    receipt = services.goods_receipt_record(
        actor=producer,
        data={
            "product": ProductFactory().pk,
            "warehouse": WarehouseFactory().pk,
            "quantity": "3",
            "qc_certificate_no": "QC-7",
        },
    )
    services.goods_receipt_confirm(actor=qc, receipt_id=receipt.pk)
    return GoodsReceipt.objects.get(pk=receipt.pk)


# --- 1. history in words (R24) ------------------------------------------------------------------


@pytest.mark.rule("R24", "R25")
def test_r24_history_shows_status_labels_user_names_and_internal_links_not_codes_and_ids(
    posted_receipt,
):
    changes = _changes(history_rows(posted_receipt)[0])

    assert changes["status"] == ("Recorded", "Posted")
    assert changes["confirmed by"] == (None, "Qing Zheng")
    assert changes["stock move"] == (None, LINK_SET)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", changes["confirmed at"][1])


@pytest.mark.rule("R24")
def test_r24_history_labels_are_translated_in_the_users_language(posted_receipt):
    with translation.override("zh-hans"):
        values = {c["new"] for c in history_rows(posted_receipt)[0]["changes"]}

    assert "已入账" in values  # "Posted" in Chinese
    assert "posted" not in values


@pytest.mark.rule("R24")
def test_r24_a_user_without_a_full_name_shows_the_username(posted_receipt, qc):  # noqa: F811
    _named(qc, "", "")

    assert _changes(history_rows(posted_receipt)[0])["confirmed by"] == (None, "qc.zheng")


@pytest.mark.rule("R24")
def test_r24_other_foreign_keys_show_the_object_not_its_id(contract):  # noqa: F811
    """A draft shipping notice moved to another warehouse: the change names both warehouses."""
    first, second = WarehouseFactory(code="W-A", name="甲库"), WarehouseFactory(code="W-B")
    notice = services.shipping_notice_create(
        actor=contract.customer.owner,
        data={
            "contract": contract.pk,
            "warehouse": first.pk,
            "lines": [{"contract_line": contract.lines.first().pk, "quantity": "1"}],
        },
    )
    services.shipping_notice_update(
        actor=contract.customer.owner, notice_id=notice.pk, data={"warehouse": second.pk}
    )

    old, new = _changes(history_rows(notice)[0])["warehouse"]

    assert (old, new) == (str(first), str(second))
    assert str(first.pk) != old


@pytest.mark.rule("R24")
def test_r24_the_page_shows_the_labels_not_the_codes(client, posted_receipt, qc):  # noqa: F811
    client.force_login(qc)

    html = client.get(f"/goods-receipts/{posted_receipt.pk}/").content.decode()
    history = html.split('id="history"')[1]

    assert "Recorded → Posted" in history
    assert "recorded → posted" not in history
    assert "— → Qing Zheng" in history
    assert f"— → {LINK_SET}" in history
    assert "<strong>Confirmed by</strong>" in history  # the field's name capitalised


@pytest.mark.rule("R14", "R24")
def test_r24_the_signed_scan_shows_its_file_name_and_the_users_by_name(
    settings,
    tmp_path,
    clerk,
    manager,
    contract,  # noqa: F811
    lathe_line,  # noqa: F811
    warehouse,  # noqa: F811
    keeper,  # noqa: F811
    guard,  # noqa: F811
):
    """Three different users and a file on one notice: the history costs two queries (the
    records, then the users in one batch), not one per row or per user."""
    settings.MEDIA_ROOT = str(tmp_path)
    _named(keeper, "Feng", "Wei")
    _named(guard, "Chu", "Lei")
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="5")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    notice = services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)
    services.gate_exit(actor=guard, gate_pass_no=notice.gate_pass_no)
    services.shipping_notice_confirm_delivery(
        actor=clerk,
        notice_id=notice.pk,
        signed_by="张三",
        signed_at=datetime.date.today(),
        scan=SimpleUploadedFile("signed.pdf", b"%PDF-1.4 signed copy", "application/pdf"),
    )
    notice = ShippingNotice.objects.get(pk=notice.pk)

    with CaptureQueriesContext(connection) as captured:
        rows = history_rows(notice)

    assert len(captured.captured_queries) == 2
    changed = {}
    for row in reversed(rows):
        changed.update(_changes(row))
    assert changed["issued by"] == (None, "Feng Wei")
    assert changed["exit recorded by"] == (None, "Chu Lei")
    assert changed["delivery recorded by"] == (None, "clerk.li")
    stored = notice.signed_scan.name  # e.g. "delivery-scans/FH-….pdf"
    assert "/" in stored
    assert changed["signed copy (scan)"] == ("", stored.rsplit("/", 1)[1])
    assert changed["status"][1] == "Delivered"


@pytest.mark.rule("R24")
def test_r24_booleans_read_yes_and_no(clerk):
    from sales import services as sales_services

    buyer = sales_services.customer_create(actor=clerk, name="甲")
    buyer.blocked = True
    buyer._history_user = clerk
    buyer.save()

    assert _changes(history_rows(buyer)[0])["blocked"] == ("no", "yes")


# --- 2. the submitter by name -------------------------------------------------------------------


@pytest.mark.rule("R25")
def test_the_approval_card_names_the_submitter_by_full_name(client, clerk, contract):  # noqa: F811
    _named(clerk, "Li", "Na")
    client.force_login(clerk)

    html = client.get(f"/contracts/{contract.pk}/").content.decode()
    approval = html.split('id="approval"')[1]

    assert re.search(r"Submitted on [\d-]+ [\d:]+ by Li Na", approval)
    assert "by clerk.li" not in approval


def test_the_approval_card_falls_back_to_the_username(client, clerk, contract):  # noqa: F811
    client.force_login(clerk)

    approval = client.get(f"/contracts/{contract.pk}/").content.decode().split('id="approval"')[1]

    assert re.search(r"Submitted on [\d-]+ [\d:]+ by clerk\.li", approval)


# --- 3. form labels capitalised -----------------------------------------------------------------


def test_english_form_labels_start_with_a_capital(client, gm):
    client.force_login(gm)

    html = client.get("/warehouses/new/").content.decode()
    labels = re.findall(r'<label for="id_\w+">([^<]+)</label>', html)

    assert labels and all(label[0].isupper() for label in labels), labels


def test_form_labels_keep_their_capital_on_an_invalid_post(client, planner, contract):  # noqa: F811
    client.force_login(planner)

    html = client.get(f"/production-notices/new/?contract={contract.pk}").content.decode()
    labels = re.findall(r'<label for="id_\w+">([^<]+)</label>', html)

    assert "Contract" in labels and "contract" not in labels


# --- 4. ratios as percentages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0.3000"), "30%"),
        (Decimal("0.0005"), "0.05%"),
        (Decimal("0.1250"), "12.5%"),
        (Decimal("0.0000"), "0%"),
        (Decimal("1"), "100%"),
        ("0.4", "40%"),
        (None, ""),
        ("n/a", ""),
    ],
)
def test_the_percent_filter(value, shown):
    rendered = Template("{% load o2c %}{{ value|percent }}").render(Context({"value": value}))

    assert rendered == shown


def test_the_contract_shows_its_ratios_as_percentages(client, clerk, contract):  # noqa: F811
    client.force_login(clerk)

    html = client.get(f"/contracts/{contract.pk}/").content.decode()
    terms = html.split('id="terms"')[1].split("</dl>")[0]
    ledger = html.split('id="ledger"')[1].split("</table>")[0]

    assert "40%" in terms and "0.05%" in terms and "60%" in terms and "2.5%" in terms
    assert not re.search(r"<dd>0\.\d{4}", terms)
    assert "0%" in ledger and "0.0000" not in ledger


def test_the_ledger_list_shows_collection_ratios_as_percentages(client, clerk, contract):  # noqa: F811
    client.force_login(clerk)

    response = client.get("/contracts/ledger/")

    assert response.status_code == 200
    table = response.content.decode().split('id="ledger-rows"')[1]
    assert "0%" in table and "0.0000" not in table


@pytest.mark.rule("R15")
def test_the_dispatch_shows_the_first_payment_ratio_as_a_percentage(client, clerk, contract):  # noqa: F811
    dispatch = services.service_dispatch_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "scheduled_on": datetime.date.today().isoformat(),
            "description": "安装调试",
        },
    )
    client.force_login(clerk)

    html = client.get(f"/service-dispatches/{dispatch.pk}/").content.decode()
    first_payment = html.split('id="first-payment"')[1].split("</section>")[0]

    assert "40%" in first_payment and "0.4000" not in first_payment


# --- 6. confirmation before a destructive action ------------------------------------------------


def test_every_page_loads_the_local_confirmation_script(client, clerk):
    client.force_login(clerk)

    html = client.get("/").content.decode()

    assert '<script src="/static/js/o2c.js" defer></script>' in html
    script = finders.find("js/o2c.js")
    assert script is not None
    with open(script, encoding="utf-8") as source:
        text = source.read()
    assert "data-confirm" in text and "confirm(" in text and "http" not in text


def _confirmed_buttons(html: str) -> list[str]:
    return re.findall(r'<button[^>]*data-confirm="([^"]+)"[^>]*>([^<]*)</button>', html)


@pytest.mark.rule("R10")
def test_cancelling_a_production_notice_asks_first(client, planner, contract, lathe_line):  # noqa: F811
    notice = services.production_notice_create(
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
    )
    client.force_login(planner)

    html = client.get(f"/production-notices/{notice.pk}/").content.decode()

    assert ("Cancel this production notice? This cannot be undone.", "Cancel notice") in (
        _confirmed_buttons(html)
    )


@pytest.mark.rule("R15")
def test_cancelling_a_dispatch_asks_first(client, clerk, contract):  # noqa: F811
    dispatch = services.service_dispatch_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "scheduled_on": datetime.date.today().isoformat(),
            "description": "安装调试",
        },
    )
    client.force_login(clerk)

    html = client.get(f"/service-dispatches/{dispatch.pk}/").content.decode()

    assert ("Cancel this service dispatch? This cannot be undone.", "Cancel dispatch") in (
        _confirmed_buttons(html)
    )


@pytest.mark.rule("R11")
def test_rejecting_a_goods_receipt_asks_first(client, make_user, qc):  # noqa: F811
    receipt = services.goods_receipt_record(
        actor=make_user("production"),
        data={
            "product": ProductFactory().pk,
            "warehouse": WarehouseFactory().pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
        },
    )
    client.force_login(qc)

    html = client.get(f"/goods-receipts/{receipt.pk}/").content.decode()

    assert (
        "Reject this goods receipt? It will not be posted to stock.",
        "Reject the receipt",
    ) in _confirmed_buttons(html)


@pytest.mark.rule("R12")
def test_cancelling_a_shipping_notice_asks_first_and_issuing_it_does_not(
    client,
    clerk,
    manager,
    contract,  # noqa: F811
    lathe_line,  # noqa: F811
    warehouse,  # noqa: F811
):
    notice = services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
    )
    client.force_login(clerk)

    html = client.get(f"/shipping-notices/{notice.pk}/").content.decode()

    assert ("Cancel this shipping notice? This cannot be undone.", "Cancel notice") in (
        _confirmed_buttons(html)
    )
    assert all(label != "Submit for approval" for _question, label in _confirmed_buttons(html))
