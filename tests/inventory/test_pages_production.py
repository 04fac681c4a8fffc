"""Browser pages for stock, production notices (R10) and goods receipts (R11): each page for its
role, the buttons by role and state, every form end to end, and every refusal shown on the page
with nothing written (R25)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory import services
from inventory.models import (
    GoodsReceipt,
    ProductionNotice,
    StockLevel,
    StockMove,
    StockMoveKind,
)
from tests.factories import WarehouseFactory
from tests.inventory.conftest import approve, put_stock, released_notice

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def _notice(planner, contract, line, quantity="1", **data):
    return services.production_notice_create(
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": data.pop("due_date", TOMORROW),
            "lines": [{"contract_line": line.pk, "quantity": quantity}],
            **data,
        },
    )


def _released(planner, salesvp, contract, line, quantity="1"):
    return released_notice(
        planner=planner,
        salesvp=salesvp,
        contract=contract,
        line=line,
        quantity=quantity,
        due_date=TOMORROW,
    )


def _page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    return response, response.content.decode()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- stock -----------------------------------------------------------------------------------


def test_stock_page_lists_levels_per_warehouse_with_filters(client, keeper, lathe_line, warehouse):
    other = WarehouseFactory(code="WH-02", name="备件库")
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="5")
    put_stock(actor=keeper, product=lathe_line.product, warehouse=other, quantity="2")

    response, body = _page(client, keeper, "/stock/")
    assert response.status_code == 200
    assert [lv.warehouse.code for lv in response.context["page_obj"]] == ["WH-01", "WH-02"]
    assert 'id="stock-adjust"' in body

    filtered = client.get("/stock/", {"warehouse": other.pk, "q": "P-1001"})
    assert [lv.on_hand for lv in filtered.context["page_obj"]] == [Decimal("2.000")]
    assert list(client.get("/stock/", {"q": "no-such-product"}).context["page_obj"]) == []


def test_only_the_warehouse_sees_the_adjust_form(client, planner, lathe_line, warehouse, keeper):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")

    response, body = _page(client, planner, "/stock/")

    assert response.status_code == 200
    assert "WH-01" in body and 'id="stock-adjust"' not in body


def _adjust(client, product, warehouse, quantity, reason="盘点"):
    return client.post(
        "/stock/",
        {
            "product": product.pk,
            "warehouse": warehouse.pk,
            "quantity": quantity,
            "reason": reason,
        },
    )


def test_the_warehouse_adjusts_stock_with_a_reason(client, keeper, lathe_line, warehouse):
    client.force_login(keeper)

    response = _adjust(client, lathe_line.product, warehouse, "3")

    assert response.status_code == 302
    level = StockLevel.objects.get(product=lathe_line.product, warehouse=warehouse)
    assert level.on_hand == Decimal("3")
    move = StockMove.objects.get(kind=StockMoveKind.ADJUSTMENT)
    assert move.reason == "盘点" and move.created_by == keeper


@pytest.mark.rule("R25")
def test_an_adjustment_without_a_reason_names_the_field_and_writes_nothing(
    client, keeper, lathe_line, warehouse
):
    client.force_login(keeper)

    response = _adjust(client, lathe_line.product, warehouse, "3", reason="")

    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert not StockMove.objects.exists()


@pytest.mark.rule("R13")
def test_an_adjustment_below_zero_is_refused_insufficient_stock_r13(
    client, keeper, lathe_line, warehouse
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    client.force_login(keeper)

    response = _adjust(client, lathe_line.product, warehouse, "-2")

    assert response.status_code == 409
    assert response.context["form"].errors["quantity"]
    assert "Only 1.000 on hand" in response.content.decode()
    level = StockLevel.objects.get(product=lathe_line.product, warehouse=warehouse)
    assert level.on_hand == Decimal("1")
    assert StockMove.objects.count() == 1


def test_a_non_warehouse_user_cannot_adjust_stock_403(client, planner, lathe_line, warehouse):
    client.force_login(planner)

    response = _adjust(client, lathe_line.product, warehouse, "3")

    assert response.status_code == 403
    assert not StockMove.objects.exists()


# --- the planner's board ---------------------------------------------------------------------


@pytest.mark.rule("R10", "R18")
def test_the_board_shows_notices_with_progress_and_overdue_due_dates(
    client, planner, salesvp, producer, qc, contract, lathe_line, warehouse
):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    late = _notice(planner, contract, lathe_line, due_date=yesterday)
    released = _released(planner, salesvp, contract, lathe_line, quantity="2")
    receipt = services.goods_receipt_record(
        actor=producer,
        data={
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
            "production_notice": released.pk,
        },
    )
    services.goods_receipt_confirm(actor=qc, receipt_id=receipt.pk)

    response, body = _page(client, planner, "/production-notices/")

    assert response.status_code == 200
    rows = {row["notice"].pk: row for row in response.context["rows"]}
    assert rows[late.pk]["overdue"] and not rows[released.pk]["overdue"]
    assert rows[released.pk]["percent"] == 50
    assert 'value="50"' in body and "overdue" in body
    assert 'id="new-notice"' in body
    tabs = {tab["value"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs["draft"] == 1 and tabs["released"] == 1

    drafts = client.get("/production-notices/", {"status": "draft"})
    assert [row["notice"].pk for row in drafts.context["rows"]] == [late.pk]


def test_the_sales_vp_sees_the_board_without_the_new_button(client, salesvp, planner, contract):
    response, body = _page(client, salesvp, "/production-notices/")

    assert response.status_code == 200
    assert 'id="new-notice"' not in body


def test_the_board_query_count_does_not_grow_with_notices(
    client, planner, salesvp, contract, lathe_line, django_assert_max_num_queries
):
    def add(count):
        for index in range(count):
            notice = _notice(planner, contract, lathe_line, quantity="0.1")
            if index % 2:
                services.production_notice_submit(actor=planner, notice_id=notice.pk)

    add(2)
    client.force_login(planner)
    with CaptureQueriesContext(connection) as two:
        assert client.get("/production-notices/").status_code == 200
    add(4)

    with django_assert_max_num_queries(len(two.captured_queries)):
        response = client.get("/production-notices/")

    assert len(response.context["rows"]) == 6


# --- the notice form (R10) ---------------------------------------------------------------------


def test_the_form_preselects_the_contract_and_lists_its_lines(client, planner, contract):
    response, body = _page(client, planner, f"/production-notices/new/?contract={contract.pk}")

    assert response.status_code == 200
    assert response.context["contract"] == contract
    assert len(response.context["rows"]) == 2
    assert "P-1001" in body and "P-3001" in body


def _form_data(contract, quantities, **extra):
    lines = list(contract.lines.order_by("id"))
    data = {
        "contract": contract.pk,
        "lines_for": contract.pk,
        "due_date": TOMORROW.isoformat(),
        "note": "首批",
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": len(lines),
    }
    for index, line in enumerate(lines):
        data[f"lines-{index}-contract_line"] = line.pk
        data[f"lines-{index}-quantity"] = quantities[index] if index < len(quantities) else ""
    data.update(extra)
    return data


@pytest.mark.rule("R10")
def test_the_planner_creates_and_edits_a_notice_through_the_form(client, planner, contract):
    client.force_login(planner)

    created = client.post("/production-notices/new/", _form_data(contract, ["2", ""]))

    notice = ProductionNotice.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/production-notices/{notice.pk}/"
    assert [(line.product.code, line.quantity) for line in notice.lines.all()] == [
        ("P-1001", Decimal("2.000"))
    ]
    assert notice.note == "首批" and notice.status == "draft"

    edit_page = client.get(f"/production-notices/{notice.pk}/edit/")
    assert edit_page.status_code == 200
    assert edit_page.context["formset"].forms[0].initial["quantity"] == Decimal("2.000")

    data = _form_data(contract, ["1", "1.5"])
    del data["contract"]
    edited = client.post(f"/production-notices/{notice.pk}/edit/", data)

    assert edited.status_code == 302
    assert sorted(line.quantity for line in notice.lines.all()) == [Decimal("1"), Decimal("1.5")]


@pytest.mark.rule("R10")
def test_over_production_is_shown_beside_the_line_and_nothing_is_written_r10(
    client, planner, contract, lathe_line
):
    held = _notice(planner, contract, lathe_line, quantity="1.5")
    services.production_notice_submit(actor=planner, notice_id=held.pk)
    client.force_login(planner)

    response = client.post("/production-notices/new/", _form_data(contract, ["1", ""]))

    assert response.status_code == 409
    row = response.context["formset"].forms[0]
    assert row.errors["quantity"] == ["At most 0.500."]
    assert "exceed the contract" in response.content.decode()
    assert ProductionNotice.objects.count() == 1


@pytest.mark.rule("R25")
def test_bad_input_names_the_field_and_writes_nothing(client, planner, contract):
    client.force_login(planner)

    no_date = client.post("/production-notices/new/", _form_data(contract, ["1"], due_date=""))
    assert no_date.status_code == 400
    assert no_date.context["form"].errors["due_date"]

    no_lines = client.post("/production-notices/new/", _form_data(contract, ["", ""]))
    assert no_lines.status_code == 400
    assert no_lines.context["lines_errors"] == ["Add at least one line."]

    negative = client.post("/production-notices/new/", _form_data(contract, ["-1"]))
    assert negative.status_code == 400
    assert negative.context["formset"].forms[0].errors["quantity"]

    assert not ProductionNotice.objects.exists()


def test_a_contract_that_is_not_active_cannot_be_chosen(client, planner, clerk, approved_order):
    from contracts.services import contract_draft

    draft = contract_draft(actor=clerk, order_id=approved_order.pk)
    client.force_login(planner)

    response = client.post(
        "/production-notices/new/",
        {"contract": draft.pk, "lines_for": draft.pk, "due_date": TOMORROW.isoformat()},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["contract"]
    assert not ProductionNotice.objects.exists()


@pytest.mark.rule("R10")
def test_only_the_planner_opens_the_form_403(client, clerk, salesvp, contract):
    for user in (clerk, salesvp):
        client.force_login(user)
        assert client.get("/production-notices/new/").status_code == 403
        posted = client.post("/production-notices/new/", _form_data(contract, ["1"]))
        assert posted.status_code == 403
    assert not ProductionNotice.objects.exists()


def test_a_notice_past_draft_is_not_edited(client, planner, contract, lathe_line):
    notice = _notice(planner, contract, lathe_line)
    services.production_notice_submit(actor=planner, notice_id=notice.pk)
    client.force_login(planner)

    response = client.get(f"/production-notices/{notice.pk}/edit/")

    assert response.status_code == 302
    assert response["Location"] == f"/production-notices/{notice.pk}/"


# --- one notice: buttons by role and state, actions ---------------------------------------------


@pytest.mark.rule("R10")
def test_draft_buttons_are_the_planners_only(client, planner, salesvp, contract, lathe_line):
    notice = _notice(planner, contract, lathe_line)

    response, body = _page(client, planner, f"/production-notices/{notice.pk}/")
    assert response.status_code == 200
    assert 'id="submit"' in body and 'id="cancel"' in body and 'id="edit"' in body
    assert 'id="complete"' not in body and 'id="history"' in body and 'id="approval"' in body

    _, body = _page(client, salesvp, f"/production-notices/{notice.pk}/")
    assert 'id="submit"' not in body and 'id="decide"' not in body


def test_submit_sign_and_complete_through_the_pages(
    client, planner, salesvp, producer, contract, lathe_line
):
    notice = _notice(planner, contract, lathe_line)
    client.force_login(planner)

    submitted = client.post(f"/production-notices/{notice.pk}/submit/", follow=True)
    notice.refresh_from_db()
    assert notice.status == "submitted"
    assert "submitted for the sales VP" in _messages(submitted)

    _, body = _page(client, salesvp, f"/production-notices/{notice.pk}/")
    assert 'id="decide"' in body
    approval = client.get(f"/approvals/{notice.approval_request.pk}/")
    assert approval.status_code == 200
    assert notice.number in approval.content.decode() and "P-1001" in approval.content.decode()

    approve(notice, salesvp)
    _, body = _page(client, producer, f"/production-notices/{notice.pk}/")
    assert 'id="record-receipt"' in body and 'id="complete"' not in body
    _, body = _page(client, planner, f"/production-notices/{notice.pk}/")
    assert 'id="complete"' in body and 'id="submit"' not in body

    assert client.post(f"/production-notices/{notice.pk}/complete/").status_code == 302
    notice.refresh_from_db()
    assert notice.status == "completed"


@pytest.mark.rule("R10")
def test_the_planner_cancels_a_draft(client, planner, contract, lathe_line):
    notice = _notice(planner, contract, lathe_line)
    client.force_login(planner)

    client.post(f"/production-notices/{notice.pk}/cancel/")

    notice.refresh_from_db()
    assert notice.status == "cancelled"


@pytest.mark.rule("R25")
def test_a_refused_action_says_why_and_changes_nothing(
    client, planner, producer, contract, lathe_line
):
    notice = _notice(planner, contract, lathe_line)
    client.force_login(producer)

    refused = client.post(f"/production-notices/{notice.pk}/submit/", follow=True)
    assert "Production planner" in _messages(refused)
    client.force_login(planner)
    wrong_state = client.post(f"/production-notices/{notice.pk}/complete/", follow=True)
    assert "cannot be completed" in _messages(wrong_state)

    notice.refresh_from_db()
    assert notice.status == "draft"
    assert client.post(f"/production-notices/{notice.pk}/explode/").status_code == 404


@pytest.mark.rule("R10")
def test_submitting_past_the_contract_is_refused_over_production_r10(
    client, planner, contract, lathe_line
):
    first = _notice(planner, contract, lathe_line, quantity="2")
    second = _notice(planner, contract, lathe_line, quantity="1")
    services.production_notice_submit(actor=planner, notice_id=first.pk)
    client.force_login(planner)

    response = client.post(f"/production-notices/{second.pk}/submit/", follow=True)

    assert "exceed the contract" in _messages(response)
    second.refresh_from_db()
    assert second.status == "draft"


# --- goods receipts: the QC queue (R11) ----------------------------------------------------------


def _record(producer, product, warehouse, quantity="1", **data):
    return services.goods_receipt_record(
        actor=producer,
        data={
            "product": product.pk,
            "warehouse": warehouse.pk,
            "quantity": quantity,
            "qc_certificate_no": data.pop("certificate", "QC-9"),
            **data,
        },
    )


@pytest.mark.rule("R11")
def test_the_qc_queue_lists_waiting_receipts_oldest_first(
    client, qc, producer, lathe_line, warehouse
):
    first = _record(producer, lathe_line.product, warehouse)
    second = _record(producer, lathe_line.product, warehouse)
    done = _record(producer, lathe_line.product, warehouse)
    services.goods_receipt_confirm(actor=qc, receipt_id=done.pk)

    response, body = _page(client, qc, "/goods-receipts/")

    assert response.status_code == 200
    assert [r.pk for r in response.context["page_obj"]] == [first.pk, second.pk]
    assert 'id="record-receipt"' not in body
    every = client.get("/goods-receipts/", {"status": ""})
    assert len(every.context["page_obj"]) == 3

    _, body = _page(client, producer, "/goods-receipts/")
    assert 'id="record-receipt"' in body


def _receipt_form(product, warehouse, **extra):
    return {
        "product": product.pk,
        "warehouse": warehouse.pk,
        "quantity": "1",
        "qc_certificate_no": "QC-2026-001",
        **extra,
    }


@pytest.mark.rule("R11")
def test_production_records_a_receipt_against_a_released_notice(
    client, producer, planner, salesvp, contract, lathe_line, warehouse
):
    notice = _released(planner, salesvp, contract, lathe_line)
    page, _ = _page(client, producer, f"/goods-receipts/new/?production_notice={notice.pk}")
    assert page.status_code == 200
    assert page.context["form"]["production_notice"].value() == notice.pk

    response = client.post(
        "/goods-receipts/new/",
        _receipt_form(lathe_line.product, warehouse, production_notice=notice.pk),
    )

    receipt = GoodsReceipt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/goods-receipts/{receipt.pk}/"
    assert receipt.status == "recorded" and receipt.production_notice == notice
    assert not StockLevel.objects.exists()  # nothing in stock before QC (R11)


def test_a_product_not_on_the_notice_is_named_and_nothing_is_written(
    client, producer, planner, salesvp, contract, lathe_line, warehouse, catalogue
):
    notice = _released(planner, salesvp, contract, lathe_line)
    client.force_login(producer)

    response = client.post(
        "/goods-receipts/new/",
        _receipt_form(catalogue["service"], warehouse, production_notice=notice.pk),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["product"] == [
        "This product is not on the production notice."
    ]
    assert not GoodsReceipt.objects.exists()


@pytest.mark.rule("R11", "R25")
def test_a_receipt_without_certificate_names_the_field(client, producer, lathe_line, warehouse):
    client.force_login(producer)

    response = client.post(
        "/goods-receipts/new/", _receipt_form(lathe_line.product, warehouse, qc_certificate_no="")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["qc_certificate_no"]
    assert not GoodsReceipt.objects.exists()


@pytest.mark.rule("R11", "R25")
def test_a_receipt_beyond_what_the_database_holds_is_named_and_the_queue_still_reads(
    client, producer, qc, lathe_line, warehouse
):
    """R25 on SQLite as on PostgreSQL: 999999999999999.999 fits numeric(18, 3) but not what
    SQLite keeps; the form names the quantity, nothing is written, the QC queue reads."""
    client.force_login(producer)

    response = client.post(
        "/goods-receipts/new/",
        _receipt_form(lathe_line.product, warehouse, quantity="999999999999999.999"),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["quantity"]
    assert not GoodsReceipt.objects.exists()
    for user in (producer, qc):
        client.force_login(user)
        assert client.get("/goods-receipts/").status_code == 200


@pytest.mark.rule("R11")
def test_only_production_records_receipts_403(client, qc, lathe_line, warehouse):
    client.force_login(qc)

    assert client.get("/goods-receipts/new/").status_code == 403
    assert (
        client.post(
            "/goods-receipts/new/", _receipt_form(lathe_line.product, warehouse)
        ).status_code
        == 403
    )
    assert not GoodsReceipt.objects.exists()


@pytest.mark.rule("R11")
def test_qc_confirms_and_the_stock_goes_up_r11(client, qc, producer, lathe_line, warehouse):
    receipt = _record(producer, lathe_line.product, warehouse, quantity="2")

    _, body = _page(client, producer, f"/goods-receipts/{receipt.pk}/")
    assert 'id="confirm"' not in body and 'id="reject"' not in body
    response, body = _page(client, qc, f"/goods-receipts/{receipt.pk}/")
    assert response.status_code == 200
    assert 'id="confirm"' in body and 'id="reject"' in body

    assert client.post(f"/goods-receipts/{receipt.pk}/confirm/").status_code == 302
    receipt.refresh_from_db()
    assert receipt.status == "posted" and receipt.confirmed_by == qc
    level = StockLevel.objects.get(product=lathe_line.product, warehouse=warehouse)
    assert level.on_hand == Decimal("2")
    _, body = _page(client, qc, f"/goods-receipts/{receipt.pk}/")
    assert 'id="confirm"' not in body


@pytest.mark.rule("R11")
def test_qc_does_not_confirm_a_receipt_they_recorded(client, make_user, lathe_line, warehouse):
    both = make_user("production", "qc")
    receipt = _record(both, lathe_line.product, warehouse)

    _, body = _page(client, both, f"/goods-receipts/{receipt.pk}/")
    assert 'id="confirm"' not in body and 'id="own-receipt"' in body

    refused = client.post(f"/goods-receipts/{receipt.pk}/confirm/", follow=True)
    assert "another person" in _messages(refused)
    receipt.refresh_from_db()
    assert receipt.status == "recorded"
    assert not StockLevel.objects.exists()


def test_production_cannot_confirm_through_the_page(client, producer, lathe_line, warehouse):
    receipt = _record(producer, lathe_line.product, warehouse)
    client.force_login(producer)

    refused = client.post(f"/goods-receipts/{receipt.pk}/confirm/", follow=True)

    assert "Quality control" in _messages(refused)
    receipt.refresh_from_db()
    assert receipt.status == "recorded"


@pytest.mark.rule("R11")
def test_qc_rejects_with_a_reason_and_nothing_enters_stock(
    client, qc, producer, lathe_line, warehouse
):
    receipt = _record(producer, lathe_line.product, warehouse)
    client.force_login(qc)

    no_reason = client.post(f"/goods-receipts/{receipt.pk}/reject/", {"reason": " "})
    assert no_reason.status_code == 400
    assert no_reason.context["reject_form"].errors["reason"] == ["Say why the receipt is rejected."]
    receipt.refresh_from_db()
    assert receipt.status == "recorded"

    rejected = client.post(f"/goods-receipts/{receipt.pk}/reject/", {"reason": "数量不符"})
    assert rejected.status_code == 302
    receipt.refresh_from_db()
    assert receipt.status == "rejected" and receipt.rejection_reason == "数量不符"
    assert not StockLevel.objects.exists()
    assert client.post(f"/goods-receipts/{receipt.pk}/explode/").status_code == 404


def test_production_cannot_reject_403(client, producer, lathe_line, warehouse):
    receipt = _record(producer, lathe_line.product, warehouse)
    client.force_login(producer)

    response = client.post(f"/goods-receipts/{receipt.pk}/reject/", {"reason": "x"})

    assert response.status_code == 403
    receipt.refresh_from_db()
    assert receipt.status == "recorded"


def test_choosing_the_contract_without_javascript_shows_its_lines(client, planner, contract):
    client.force_login(planner)

    response = client.post(
        "/production-notices/new/", {"contract": contract.pk, "action": "choose", "note": "n"}
    )

    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    assert not response.context["form"].errors
    assert not ProductionNotice.objects.exists()


def test_rows_typed_for_another_contract_are_not_saved(client, planner, contract):
    client.force_login(planner)

    response = client.post(
        "/production-notices/new/", _form_data(contract, ["1"], lines_for=contract.pk + 1)
    )

    assert response.status_code == 400
    assert response.context["lines_errors"] == [
        "Enter the quantities for the lines of this contract."
    ]
    assert not ProductionNotice.objects.exists()


@pytest.mark.rule("R23")
def test_a_clerk_sees_only_their_customers_notices_r23(
    client, planner, contract, lathe_line, clerk, make_user
):
    notice = _notice(planner, contract, lathe_line)

    _, body = _page(client, clerk, f"/production-notices/{notice.pk}/")
    assert notice.number in body
    client.force_login(make_user("sales_clerk", username="clerk.other"))
    assert client.get(f"/production-notices/{notice.pk}/").status_code == 404
    assert client.get("/production-notices/").context["rows"] == []
