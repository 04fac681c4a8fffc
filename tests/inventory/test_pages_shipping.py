"""Browser pages for shipping (server-side): the clerk's notices (R12), the warehouse's picking
list and outbound (R13), the gate check (R13), the signed delivery with its scan (R14), and
what each role sees (R23). Every refusal is shown where it happened and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals.models import ApprovalRequest
from contracts.models import Contract
from contracts.selectors import ledger_figures
from core.models import ClosedPeriod
from inventory import services
from inventory.models import ShippingNotice, StockLevel, StockMove
from tests.inventory.conftest import approved_notice, put_stock

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def as_user(client, user):
    client.force_login(user)
    return client


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def lathe(contract):
    return contract.lines.get(product__code="P-1001")


def notice_form(contract, *, lathe_qty="", service_qty="", action="save", **extra):
    """The form as the page posts it: one row per contract line, in the contract's order."""
    rows = list(contract.lines.order_by("id"))
    quantities = {"P-1001": lathe_qty, "P-3001": service_qty}
    data = {
        "contract": contract.pk,
        "warehouse": extra.pop("warehouse"),
        "valid_until": extra.pop("valid_until", ""),
        "note": extra.pop("note", ""),
        "action": action,
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": str(len(rows)),
    }
    for index, row in enumerate(rows):
        data[f"lines-{index}-contract_line"] = row.pk
        data[f"lines-{index}-quantity"] = quantities[row.product.code]
    data.update(extra)
    return data


@pytest.fixture
def notice(clerk, manager, contract, warehouse):
    """Approved: one lathe from WH-01."""
    return approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe(contract).pk, "quantity": "1"}],
    )


@pytest.fixture
def stocked(keeper, contract, warehouse):
    put_stock(actor=keeper, product=lathe(contract).product, warehouse=warehouse, quantity="5")


@pytest.fixture
def issued(notice, stocked, keeper):
    return services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)


@pytest.fixture
def shipped(issued, guard):
    return services.gate_exit(actor=guard, gate_pass_no=issued.gate_pass_no)


# --- the clerk's form (R12) ---------------------------------------------------------------------


@pytest.mark.rule("R12")
def test_new_notice_form_preselects_the_contract_and_shows_what_is_left_r12(
    client, clerk, contract, notice
):
    page = as_user(client, clerk).get(f"/shipping-notices/new/?contract={contract.pk}")

    assert page.status_code == 200
    rows = {row["product"].code: row for row, _form in page.context["line_rows"]}
    assert rows["P-1001"]["contracted"] == Decimal("2.000")
    assert rows["P-1001"]["counted"] == Decimal("1.000")  # the approved notice counts
    assert rows["P-1001"]["left"] == Decimal("1.000")
    assert rows["P-3001"]["left"] == Decimal("1.500")
    default = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    html = page.content.decode()
    assert f'value="{default}"' in html
    assert f'<option value="{contract.pk}" selected>' in html


@pytest.mark.rule("R12")
def test_a_draft_reserves_nothing_in_what_is_left_r12(clerk, contract, warehouse):
    from inventory.selectors import contract_lines_left

    services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe(contract).pk, "quantity": "2"}],
        },
    )

    rows = {row["product"].code: row for row in contract_lines_left(contract)}
    assert rows["P-1001"]["counted"] == 0
    assert rows["P-1001"]["left"] == Decimal("2.000")


@pytest.mark.rule("R12")
def test_clerk_saves_a_draft_then_submits_it_from_the_form_r12(client, clerk, contract, warehouse):
    browser = as_user(client, clerk)

    saved = browser.post(
        "/shipping-notices/new/",
        notice_form(contract, lathe_qty="1", warehouse=warehouse.pk, note="分批发货"),
    )

    notice = ShippingNotice.objects.get()
    assert saved.status_code == 302
    assert saved["Location"] == f"/shipping-notices/{notice.pk}/"
    assert notice.status == "draft"
    assert notice.valid_until == timezone.localdate() + datetime.timedelta(days=7)
    assert [(line.product.code, line.quantity) for line in notice.lines.all()] == [
        ("P-1001", Decimal("1.000"))
    ]
    assert notice.gross_amount == Decimal("180800.00")

    edited = browser.post(
        f"/shipping-notices/{notice.pk}/edit/",
        notice_form(
            contract, lathe_qty="2", service_qty="1.5", warehouse=warehouse.pk, action="submit"
        ),
    )

    assert edited.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "submitted"
    assert notice.lines.count() == 2
    assert ApprovalRequest.objects.filter(document_id=notice.pk, status="pending").exists()


@pytest.mark.rule("R12")
def test_over_shipment_is_shown_beside_the_line_and_nothing_is_written_r12(
    client, clerk, contract, warehouse, notice
):
    before = ShippingNotice.objects.count()

    page = as_user(client, clerk).post(
        "/shipping-notices/new/",
        notice_form(contract, lathe_qty="1.5", warehouse=warehouse.pk, action="submit"),
    )

    assert page.status_code == 409
    formset = page.context["formset"]
    row = next(f for f in formset.forms if f.initial.get("contract_line") == lathe(contract).pk)
    assert "At most 1.000." in row.errors["quantity"]
    assert any("exceed" in e for e in page.context["form"].non_field_errors())
    assert ShippingNotice.objects.count() == before


@pytest.mark.rule("R25")
def test_submit_refusal_rolls_back_the_draft_too_r25(client, clerk, contract, warehouse):
    """Save and submit is one transaction: a notice whose validity is past cannot be
    created, and nothing is left behind."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    page = as_user(client, clerk).post(
        "/shipping-notices/new/",
        notice_form(
            contract, lathe_qty="1", warehouse=warehouse.pk, valid_until=yesterday.isoformat()
        ),
    )

    assert page.status_code == 400
    assert page.context["form"].errors["valid_until"]
    assert not ShippingNotice.objects.exists()


def test_a_form_without_quantities_asks_for_a_line(client, clerk, contract, warehouse):
    page = as_user(client, clerk).post(
        "/shipping-notices/new/", notice_form(contract, warehouse=warehouse.pk)
    )

    assert page.status_code == 400
    assert page.context["lines_errors"] == ["Add at least one line."]
    assert not ShippingNotice.objects.exists()


def test_only_a_clerk_gets_the_form(client, keeper, manager):
    assert as_user(client, keeper).get("/shipping-notices/new/").status_code == 403
    assert as_user(client, manager).get("/shipping-notices/new/").status_code == 403


def test_a_submitted_notice_is_not_edited_from_the_form(client, clerk, notice):
    page = as_user(client, clerk).get(f"/shipping-notices/{notice.pk}/edit/")

    assert page.status_code == 302
    assert "only in draft" in texts(page)[0]


# --- list and detail (R23) ----------------------------------------------------------------------


@pytest.mark.rule("R23")
def test_the_list_filters_and_shows_only_the_clerks_customers_r23(client, clerk, notice, make_user):
    mine = as_user(client, clerk).get("/shipping-notices/?status=approved&q=" + notice.number)
    assert [n.pk for n in mine.context["page_obj"]] == [notice.pk]
    assert not list(client.get("/shipping-notices/?status=draft").context["page_obj"])

    other = as_user(client, make_user("sales_clerk"))
    assert not list(other.get("/shipping-notices/").context["page_obj"])
    assert other.get(f"/shipping-notices/{notice.pk}/").status_code == 404
    assert other.get(f"/shipping-notices/{notice.pk}/pdf/").status_code == 404


def test_list_query_count_is_bounded(
    client, clerk, manager, contract, warehouse, django_assert_max_num_queries
):
    for _ in range(3):
        services.shipping_notice_create(
            actor=clerk,
            data={
                "contract": contract.pk,
                "warehouse": warehouse.pk,
                "lines": [{"contract_line": lathe(contract).pk, "quantity": "1"}],
            },
        )
    browser = as_user(client, clerk)
    with django_assert_max_num_queries(14):
        assert browser.get("/shipping-notices/").status_code == 200


def test_draft_detail_offers_the_clerk_edit_submit_and_cancel(
    client, clerk, keeper, contract, warehouse
):
    draft = services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe(contract).pk, "quantity": "1"}],
        },
    )
    html = as_user(client, clerk).get(f"/shipping-notices/{draft.pk}/").content.decode()
    assert f"/shipping-notices/{draft.pk}/edit/" in html
    assert f"/shipping-notices/{draft.pk}/submit/" in html
    assert f"/shipping-notices/{draft.pk}/cancel/" in html
    assert f"/shipping-notices/{draft.pk}/issue/" not in html
    assert 'id="history"' in html and 'id="approval"' in html

    other = as_user(client, keeper).get(f"/shipping-notices/{draft.pk}/").content.decode()
    assert "/submit/" not in other and "/edit/" not in other and "/cancel/" not in other

    submitted = as_user(client, clerk).post(f"/shipping-notices/{draft.pk}/submit/")
    assert submitted.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "submitted"


@pytest.mark.rule("R13")
def test_approved_detail_offers_issue_only_to_the_warehouse_r13(
    client, clerk, keeper, guard, manager, notice
):
    url = f"/shipping-notices/{notice.pk}/"
    issue = f"/shipping-notices/{notice.pk}/issue/"
    assert issue in as_user(client, keeper).get(url).content.decode()
    for user in (clerk, guard):
        html = as_user(client, user).get(url).content.decode()
        assert issue not in html and "/exit/" not in html
    assert "/gate-pass/" not in html  # no gate pass before the issue
    assert f"/shipping-notices/{notice.pk}/pdf/" in html
    assert (
        f"/shipping-notices/{notice.pk}/cancel/"
        in as_user(client, manager).get(url).content.decode()
    )


def test_the_manager_decides_from_the_notice_and_the_approval_page_shows_it(
    client, clerk, manager, contract, warehouse
):
    draft = services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe(contract).pk, "quantity": "1"}],
        },
    )
    services.shipping_notice_submit(actor=clerk, notice_id=draft.pk)
    draft.refresh_from_db()
    request_id = draft.approval_request.pk
    browser = as_user(client, manager)

    detail = browser.get(f"/shipping-notices/{draft.pk}/").content.decode()
    assert f"/approvals/{request_id}/" in detail

    approval = browser.get(f"/approvals/{request_id}/")
    assert approval.status_code == 200
    html = approval.content.decode()
    assert draft.number in html and "P-1001" in html and "180,800.00" in html
    assert f"/shipping-notices/{draft.pk}/pdf/" in html


@pytest.mark.rule("R25")
def test_clerk_cancels_a_draft_and_a_refused_action_changes_nothing(client, clerk, keeper, notice):
    refused = as_user(client, clerk).post(f"/shipping-notices/{notice.pk}/issue/")

    assert refused.status_code == 302
    assert "roles" in texts(refused)[0]
    notice.refresh_from_db()
    assert notice.status == "approved"

    cancelled = client.post(f"/shipping-notices/{notice.pk}/cancel/")
    assert cancelled.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "cancelled"
    assert (
        as_user(client, keeper).post(f"/shipping-notices/{notice.pk}/unknown/").status_code == 404
    )


def test_actions_are_post_only(client, clerk, notice):
    assert as_user(client, clerk).get(f"/shipping-notices/{notice.pk}/cancel/").status_code == 405


# --- the warehouse's picking list (R13) ---------------------------------------------------------


@pytest.mark.rule("R13")
def test_detail_picking_list_and_gate_query_counts_are_bounded(
    client,
    clerk,
    keeper,
    guard,
    manager,
    contract,
    warehouse,
    issued,
    django_assert_max_num_queries,
):
    for _ in range(3):
        approved_notice(
            clerk=clerk,
            manager=manager,
            contract=contract,
            warehouse=warehouse,
            lines=[{"contract_line": lathe(contract).pk, "quantity": "0.25"}],
        )
    as_user(client, clerk)
    with django_assert_max_num_queries(25):
        assert client.get(f"/shipping-notices/{issued.pk}/").status_code == 200
    as_user(client, keeper)
    with django_assert_max_num_queries(8):
        page = client.get("/picking-list/")
    assert len(page.context["rows"]) == 3
    as_user(client, guard)
    with django_assert_max_num_queries(8):
        page = client.get("/gate/", {"gate_pass_no": issued.gate_pass_no})
    assert page.context["can_confirm"]


@pytest.mark.rule("R13")
def test_picking_list_is_for_the_warehouse_only(client, clerk, guard, keeper):
    assert as_user(client, clerk).get("/picking-list/").status_code == 403
    assert as_user(client, guard).get("/picking-list/").status_code == 403
    assert as_user(client, keeper).get("/picking-list/").status_code == 200


@pytest.mark.rule("R13")
def test_picking_list_shows_availability_and_flags_shortage(
    client, keeper, contract, warehouse, notice
):
    put_stock(actor=keeper, product=lathe(contract).product, warehouse=warehouse, quantity="0.5")

    page = as_user(client, keeper).get("/picking-list/")

    (row,) = page.context["rows"]
    assert row["notice"].pk == notice.pk
    (item,) = row["lines"]
    assert (item["on_hand"], item["reserved"], item["available"]) == (
        Decimal("0.500"),
        Decimal("1.000"),
        Decimal("-0.500"),
    )
    assert not row["can_issue"]
    html = page.content.decode()
    assert "short of stock" in html and 'class="shortage"' in html


@pytest.mark.rule("R13")
def test_warehouse_issues_from_the_picking_list_and_sees_the_gate_pass_r13(
    client, keeper, contract, warehouse, notice, stocked
):
    browser = as_user(client, keeper)

    issued = browser.post(f"/shipping-notices/{notice.pk}/issue/", {"next": "picking-list"})

    notice.refresh_from_db()
    assert notice.status == "issued"
    assert notice.gate_pass_no.startswith("CM-")
    assert issued["Location"] == f"/picking-list/?issued={notice.pk}"
    level = StockLevel.objects.get(product=lathe(contract).product, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (Decimal("4.000"), Decimal("0.000"))
    page = browser.get(issued["Location"])
    html = page.content.decode()
    assert 'id="issued-gate-pass"' in html and notice.gate_pass_no in html
    assert f"/shipping-notices/{notice.pk}/gate-pass/" in html
    assert not page.context["rows"]  # issued: off the list


@pytest.mark.rule("R13")
def test_issue_without_stock_is_refused_insufficient_stock_r13(
    client, keeper, contract, warehouse, notice
):
    refused = as_user(client, keeper).post(
        f"/shipping-notices/{notice.pk}/issue/", {"next": "picking-list"}
    )

    assert refused["Location"] == "/picking-list/"
    assert "on hand" in texts(refused)[0]
    notice.refresh_from_db()
    assert notice.status == "approved" and notice.gate_pass_no is None
    assert not StockMove.objects.filter(reference=notice.number).exists()
    level = StockLevel.objects.get(product=lathe(contract).product, warehouse=warehouse)
    assert level.reserved == Decimal("1.000")  # the reservation is still there


@pytest.mark.rule("R12", "R13")
def test_an_expired_notice_is_flagged_and_not_issued_notice_expired_r13(
    client, keeper, contract, warehouse, notice, stocked
):
    ShippingNotice.objects.filter(pk=notice.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    browser = as_user(client, keeper)

    page = browser.get("/picking-list/")
    assert page.context["rows"][0]["expired"]
    assert "expired" in page.content.decode()

    refused = browser.post(f"/shipping-notices/{notice.pk}/issue/", {"next": "picking-list"})
    assert "was valid until" in texts(refused)[0]
    notice.refresh_from_db()
    assert notice.status == "approved"
    level = StockLevel.objects.get(product=lathe(contract).product, warehouse=warehouse)
    assert level.on_hand == Decimal("5.000")


# --- the gate (R13) -----------------------------------------------------------------------------


@pytest.mark.rule("R13")
def test_gate_is_for_security_only(client, keeper, clerk):
    assert as_user(client, keeper).get("/gate/").status_code == 403
    assert as_user(client, clerk).get("/gate/").status_code == 403


@pytest.mark.rule("R13")
def test_guard_looks_up_the_gate_pass_and_confirms_the_exit_r13(client, guard, issued):
    browser = as_user(client, guard)
    empty = browser.get("/gate/").content.decode()
    assert "autofocus" in empty and 'name="gate_pass_no"' in empty

    page = browser.get("/gate/", {"gate_pass_no": issued.gate_pass_no.lower()})
    assert page.status_code == 200
    assert page.context["notice"].pk == issued.pk and page.context["can_confirm"]
    html = page.content.decode()
    assert issued.customer.name in html and "P-1001" in html and 'id="confirm-exit"' in html

    done = browser.post("/gate/", {"gate_pass_no": issued.gate_pass_no})
    assert done.status_code == 302
    assert issued.gate_pass_no in texts(done)[0]
    issued.refresh_from_db()
    assert issued.status == "shipped" and issued.exited_by == guard


@pytest.mark.rule("R13")
def test_an_unknown_gate_pass_is_shown_and_nothing_changes(client, guard, issued):
    browser = as_user(client, guard)

    looked_up = browser.get("/gate/", {"gate_pass_no": "CM-1999-00001"})
    assert looked_up.status_code == 400
    assert looked_up.context["errors"] == ["No shipment has this gate pass number."]

    posted = browser.post("/gate/", {"gate_pass_no": "CM-1999-00001"})
    assert posted.status_code == 400
    assert "No shipment has this gate pass number." in posted.content.decode()
    issued.refresh_from_db()
    assert issued.status == "issued"


@pytest.mark.rule("R13")
def test_a_gate_pass_shown_again_says_when_and_by_whom_it_left_and_is_refused_r13(
    client, guard, shipped
):
    """R13: security records the exit once. A pass shown again names the exit (time, guard's
    full name) instead of a generic refusal, and a second confirm is refused (409)."""
    guard.first_name, guard.last_name = "卫", "楚"
    guard.save()
    exited_at = shipped.exited_at
    when = timezone.localtime(exited_at).strftime("%Y-%m-%d %H:%M")
    browser = as_user(client, guard)

    page = browser.get("/gate/", {"gate_pass_no": shipped.gate_pass_no})
    body = page.content.decode()
    assert page.status_code == 200 and not page.context["can_confirm"]
    assert 'id="already-left"' in body and 'id="not-leaving"' not in body
    assert f"already left the gate at {when}, recorded by {guard.get_full_name()}" in body
    assert 'id="confirm-exit"' not in body

    again = browser.post("/gate/", {"gate_pass_no": shipped.gate_pass_no})
    assert again.status_code == 409
    assert 'id="already-left"' in again.content.decode()
    assert again.context["errors"] == []
    shipped.refresh_from_db()
    assert shipped.status == "shipped" and shipped.exited_at == exited_at


# --- the signed delivery (R14) ------------------------------------------------------------------


@pytest.mark.rule("R14")
def test_clerk_records_the_signed_delivery_with_a_scan_r14(client, clerk, contract, shipped):
    browser = as_user(client, clerk)
    form = browser.get(f"/shipping-notices/{shipped.pk}/delivery/")
    assert form.status_code == 200
    html = form.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'accept=".pdf,.jpg,.jpeg,.png"' in html

    done = browser.post(
        f"/shipping-notices/{shipped.pk}/delivery/",
        {
            "signed_by": "张三",
            "signed_at": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
            "scan": SimpleUploadedFile("签收单.png", PNG, content_type="image/png"),
        },
    )

    assert done.status_code == 302
    shipped.refresh_from_db()
    assert shipped.status == "delivered" and shipped.signed_by == "张三"
    assert shipped.signed_scan.name.endswith(".png")
    figures = ledger_figures(contract=Contract.objects.select_related("ledger").get(pk=contract.pk))
    assert figures["delivered"] == Decimal("180800.00")
    detail = browser.get(f"/shipping-notices/{shipped.pk}/").content.decode()
    assert f"/shipping-notices/{shipped.pk}/scan/" in detail

    scan = browser.get(f"/shipping-notices/{shipped.pk}/scan/")
    assert scan.status_code == 200
    assert scan["Content-Type"] == "image/png"
    assert b"".join(scan.streaming_content) == PNG
    scan.close()


@pytest.mark.rule("R14", "R23")
def test_the_scan_is_served_only_to_who_may_see_the_notice_r23(
    client, clerk, guard, make_user, shipped
):
    services.shipping_notice_confirm_delivery(
        actor=clerk,
        notice_id=shipped.pk,
        signed_by="张三",
        signed_at=timezone.localdate(),
        scan=SimpleUploadedFile("scan.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    )
    url = f"/shipping-notices/{shipped.pk}/scan/"

    assert as_user(client, make_user("sales_clerk")).get(url).status_code == 404
    allowed = as_user(client, guard).get(url)
    assert allowed.status_code == 200 and allowed["Content-Type"] == "application/pdf"
    assert b"".join(allowed.streaming_content).startswith(b"%PDF-")
    allowed.close()


@pytest.mark.rule("R14")
def test_no_scan_is_404(client, clerk, shipped):
    assert as_user(client, clerk).get(f"/shipping-notices/{shipped.pk}/scan/").status_code == 404


@pytest.mark.rule("R14")
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.txt", b"hello", "Upload a PDF, JPEG or PNG file."),
        ("scan.png", b"GIF89a not a png", "The file's content is not a PNG."),
    ],
)
def test_a_bad_scan_is_shown_beside_the_field_and_nothing_is_written_r14(
    client, clerk, shipped, name, content, message
):
    page = as_user(client, clerk).post(
        f"/shipping-notices/{shipped.pk}/delivery/",
        {
            "signed_by": "张三",
            "signed_at": timezone.localdate().isoformat(),
            "scan": SimpleUploadedFile(name, content),
        },
    )

    assert page.status_code == 400
    assert page.context["form"].errors["scan"] == [message]
    shipped.refresh_from_db()
    assert shipped.status == "shipped" and not shipped.signed_scan


@pytest.mark.rule("R14")
def test_a_future_signing_date_is_refused_r14(client, clerk, contract, shipped):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    page = as_user(client, clerk).post(
        f"/shipping-notices/{shipped.pk}/delivery/",
        {"signed_by": "张三", "signed_at": tomorrow.isoformat()},
    )

    assert page.status_code == 400
    assert page.context["form"].errors["signed_at"] == ["The signing date cannot be in the future."]
    shipped.refresh_from_db()
    assert shipped.status == "shipped"
    figures = ledger_figures(contract=Contract.objects.select_related("ledger").get(pk=contract.pk))
    assert figures["delivered"] == 0


@pytest.mark.rule("R14", "R20")
def test_a_signing_date_in_a_closed_period_is_refused_period_closed_r14_r20(client, clerk, shipped):
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    ClosedPeriod.objects.create(period=f"{last_month:%Y-%m}")

    page = as_user(client, clerk).post(
        f"/shipping-notices/{shipped.pk}/delivery/",
        {"signed_by": "张三", "signed_at": last_month.isoformat()},
    )

    assert page.status_code == 409
    assert page.context["form"].errors["signed_at"] == ["This date is in a closed period."]
    shipped.refresh_from_db()
    assert shipped.status == "shipped"


@pytest.mark.rule("R13", "R14")
def test_delivery_form_is_for_the_clerk_and_only_after_the_gate(client, clerk, guard, issued):
    assert as_user(client, guard).get(f"/shipping-notices/{issued.pk}/delivery/").status_code == 403
    early = as_user(client, clerk).get(f"/shipping-notices/{issued.pk}/delivery/")
    assert early.status_code == 302
    assert "left the gate" in texts(early)[0]


@pytest.mark.rule("R13", "R14")
def test_shipped_detail_offers_the_delivery_to_the_clerk_and_the_gate_pass_pdf(
    client, clerk, keeper, shipped
):
    html = as_user(client, clerk).get(f"/shipping-notices/{shipped.pk}/").content.decode()
    assert f"/shipping-notices/{shipped.pk}/delivery/" in html
    assert f"/shipping-notices/{shipped.pk}/gate-pass/" in html
    assert shipped.gate_pass_no in html
    keeper_html = as_user(client, keeper).get(f"/shipping-notices/{shipped.pk}/").content.decode()
    assert "/delivery/" not in keeper_html


@pytest.mark.rule("R13")
def test_security_records_the_exit_from_the_notice_page_r13(client, guard, issued):
    browser = as_user(client, guard)
    assert (
        f"/shipping-notices/{issued.pk}/exit/"
        in browser.get(f"/shipping-notices/{issued.pk}/").content.decode()
    )

    wrong = browser.post(f"/shipping-notices/{issued.pk}/exit/", {"gate_pass_no": "CM-0000-1"})
    assert "not the gate pass" in texts(wrong)[0]
    issued.refresh_from_db()
    assert issued.status == "issued"

    browser.post(f"/shipping-notices/{issued.pk}/exit/", {"gate_pass_no": issued.gate_pass_no})
    issued.refresh_from_db()
    assert issued.status == "shipped"
