"""REST for fulfilment (API.md "Fulfilment", R10–R15): each document end to end through the API,
and every refusal with its status and code — and nothing written (R25)."""

import datetime
import struct
import zlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.client import encode_multipart
from django.utils import timezone

from approvals.models import ApprovalRequest
from contracts.models import ContractLedger
from contracts.services import ledger_add_collected
from core.models import ClosedPeriod
from inventory import services
from inventory.models import (
    GoodsReceipt,
    ProductionNotice,
    ServiceDispatch,
    ShippingNotice,
    StockLevel,
    StockMove,
)
from tests.contracts.conftest import make_order
from tests.factories import WarehouseFactory
from tests.inventory.conftest import (
    activate,
    approve,
    approved_notice,
    issued_notice,
    put_stock,
    shipped_notice,
)

pytestmark = pytest.mark.django_db

PN = "/api/v1/production-notices/"
GR = "/api/v1/goods-receipts/"
SN = "/api/v1/shipping-notices/"
SD = "/api/v1/service-dispatches/"


def png_bytes() -> bytes:
    """A real 1×1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def today() -> datetime.date:
    return timezone.localdate()


def approve_via_api(api, approver, body) -> None:
    """Decide the document's open approval as `approver` through `approvals/{id}/approve/`."""
    response = api.as_user(approver).post(
        f"/api/v1/approvals/{body['approval']['id']}/approve/", {}, format="json"
    )
    assert response.status_code == 200, response.json()


def assert_answer_is_fresh(api, user, response) -> None:
    """The answer of a notice's POST is what a GET of it reads afterwards (the API answers with
    the notice its service returned, completed, instead of reading it again; issue 14)."""
    answered = response.json()
    assert answered == api.as_user(user).get(f"{SN}{answered['id']}/").json()


def assert_refused(response, status: int, code: str, *fields: str) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert body["code"] == code, body
    for field in fields:
        assert field in body["errors"], body
    return body


def level(product, warehouse) -> StockLevel | None:
    return StockLevel.objects.filter(product=product, warehouse=warehouse).first()


# --- happy paths --------------------------------------------------------------------------------


@pytest.mark.rule("R10", "R14")
def test_contract_to_signed_delivery_end_to_end_r10_to_r14(
    api,
    contract,
    lathe_line,
    warehouse,
    planner,
    salesvp,
    producer,
    qc,
    clerk,
    manager,
    keeper,
    guard,
    media,
):
    # R10: the planner prepares the production notice, the sales VP signs it.
    due = (today() + datetime.timedelta(days=30)).isoformat()
    created = api.as_user(planner).post(
        PN,
        {
            "contract": contract.pk,
            "due_date": due,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "2"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    notice = created.json()
    assert (notice["status"], notice["contract"], notice["customer"]) == (
        "draft",
        contract.pk,
        contract.customer_id,
    )
    assert (notice["created_by"], notice["due_date"], notice["approval"]) == (
        "planner.zhou",
        due,
        None,
    )
    assert notice["lines"][0]["quantity"] == "2.000"
    assert notice["lines"][0]["product"] == lathe_line.product_id
    assert notice["progress"] == [
        {
            "contract_line": lathe_line.pk,
            "product": lathe_line.product_id,
            "product_code": "P-1001",
            "quantity": "2.000",
            "received": "0.000",
        }
    ]

    submitted = api.as_user(planner).post(f"{PN}{notice['id']}/submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["approval"]["status"] == "pending"
    assert [s["role"] for s in submitted.json()["approval"]["current_steps"]] == ["sales_vp"]
    approve_via_api(api, salesvp, submitted.json())
    released = api.as_user(planner).get(f"{PN}{notice['id']}/").json()
    assert released["status"] == "released"
    assert released["approval"]["status"] == "approved"

    # R11: production records the receipt; only QC's confirmation puts it in stock.
    recorded = api.as_user(producer).post(
        GR,
        {
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "2",
            "qc_certificate_no": "QC-2026-001",
            "production_notice": notice["id"],
        },
        format="json",
    )
    assert recorded.status_code == 201, recorded.json()
    receipt = recorded.json()
    assert (receipt["status"], receipt["quantity"], receipt["created_by"]) == (
        "recorded",
        "2.000",
        "prod.wu",
    )
    stock_url = f"/api/v1/stock/?product={lathe_line.product_id}&warehouse={warehouse.pk}"
    assert api.as_user(keeper).get(stock_url).json()["count"] == 0

    confirmed = api.as_user(qc).post(f"{GR}{receipt['id']}/confirm/")
    assert confirmed.status_code == 200, confirmed.json()
    assert (confirmed.json()["status"], confirmed.json()["confirmed_by"]) == ("posted", "qc.zheng")
    stock = api.as_user(keeper).get(stock_url).json()["results"]
    assert stock == [
        {
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "on_hand": "2.000",
            "reserved": "0.000",
            "available": "2.000",
        }
    ]
    progress = api.as_user(planner).get(f"{PN}{notice['id']}/").json()["progress"]
    assert progress[0]["received"] == "2.000"
    completed = api.as_user(planner).post(f"{PN}{notice['id']}/complete/")
    assert completed.status_code == 200
    assert completed.json()["status"] == "completed"

    # R12: the clerk's shipping notice, approved by the sales manager (reserves the stock).
    created = api.as_user(clerk).post(
        SN,
        {
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert_answer_is_fresh(api, clerk, created)
    shipping = created.json()
    assert (shipping["status"], shipping["gross_amount"], shipping["approval"]) == (
        "draft",
        "180800.00",
        None,
    )
    assert shipping["valid_until"] == (today() + datetime.timedelta(days=7)).isoformat()
    assert shipping["lines"][0]["amount"] == "180800.00"
    assert shipping["created_by"] == "clerk.li"
    url = f"{SN}{shipping['id']}/"

    submitted = api.as_user(clerk).post(f"{url}submit/")
    assert submitted.status_code == 200, submitted.json()
    assert_answer_is_fresh(api, clerk, submitted)
    assert [s["role"] for s in submitted.json()["approval"]["current_steps"]] == ["sales_manager"]
    approve_via_api(api, manager, submitted.json())
    assert api.as_user(clerk).get(url).json()["status"] == "approved"
    assert api.as_user(keeper).get(stock_url).json()["results"][0]["reserved"] == "1.000"

    # R13: the warehouse issues it (stock down, gate pass), security lets it out.
    issued = api.as_user(keeper).post(f"{url}issue/")
    assert issued.status_code == 200, issued.json()
    assert_answer_is_fresh(api, keeper, issued)
    gate_pass = issued.json()["gate_pass_no"]
    assert (issued.json()["status"], issued.json()["issued_by"]) == ("issued", "wh.feng")
    assert gate_pass.startswith("CM-")
    assert api.as_user(keeper).get(stock_url).json()["results"][0] == {
        "product": lathe_line.product_id,
        "warehouse": warehouse.pk,
        "on_hand": "1.000",
        "reserved": "0.000",
        "available": "1.000",
    }
    found = api.as_user(guard).get(f"{SN}by-gate-pass/?gate_pass_no={gate_pass.lower()}")
    assert found.status_code == 200, found.json()
    assert found.json()["id"] == shipping["id"]
    exited = api.as_user(guard).post(f"{url}exit/", {"gate_pass_no": gate_pass}, format="json")
    assert exited.status_code == 200, exited.json()
    assert_answer_is_fresh(api, guard, exited)
    assert (exited.json()["status"], exited.json()["exited_by"]) == ("shipped", "guard.chu")
    ledger_url = f"/api/v1/contracts/{contract.pk}/ledger/"
    ledger = api.as_user(clerk).get(ledger_url).json()
    assert (ledger["shipped"], ledger["delivered"]) == ("180800.00", "0.00")

    # R14: the customer-signed copy with its scan (multipart) books the revenue.
    delivered = api.as_user(clerk).post(
        f"{url}confirm-delivery/",
        {
            "signed_by": "张三",
            "signed_at": today().isoformat(),
            "scan": SimpleUploadedFile("signed.png", png_bytes(), content_type="image/png"),
        },
        format="multipart",
    )
    assert delivered.status_code == 200, delivered.json()
    assert_answer_is_fresh(api, clerk, delivered)
    body = delivered.json()
    assert (body["status"], body["signed_by"], body["signed_at"], body["has_scan"]) == (
        "delivered",
        "张三",
        today().isoformat(),
        True,
    )
    assert body["delivery_recorded_by"] == "clerk.li"
    saved = ShippingNotice.objects.get(pk=shipping["id"]).signed_scan
    assert (media / saved.name).read_bytes() == png_bytes()
    ledger = api.as_user(clerk).get(ledger_url).json()
    assert (ledger["shipped"], ledger["delivered"]) == ("180800.00", "180800.00")


@pytest.mark.rule("R14")
def test_delivery_confirmed_with_json_and_a_pdf_scan_r14(
    api, contract, lathe_line, warehouse, clerk, manager, keeper, guard
):
    first = shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    second = shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    client = api.as_user(clerk)
    signed_at = (today() - datetime.timedelta(days=3)).isoformat()

    as_json = client.post(
        f"{SN}{first.pk}/confirm-delivery/",
        {"signed_by": "李四", "signed_at": signed_at},
        format="json",
    )
    with_pdf = client.post(
        f"{SN}{second.pk}/confirm-delivery/",
        {
            "signed_by": "李四",
            "signed_at": signed_at,
            "scan": SimpleUploadedFile("copy.pdf", PDF_BYTES, content_type="application/pdf"),
        },
        format="multipart",
    )

    assert as_json.status_code == 200, as_json.json()
    assert (as_json.json()["status"], as_json.json()["has_scan"]) == ("delivered", False)
    assert with_pdf.status_code == 200, with_pdf.json()
    assert (with_pdf.json()["status"], with_pdf.json()["has_scan"]) == ("delivered", True)
    ledger = client.get(f"/api/v1/contracts/{contract.pk}/ledger/").json()
    assert ledger["delivered"] == "361600.00"


@pytest.mark.rule("R15")
def test_service_dispatch_waits_for_the_first_payment_then_is_approved_and_completed_r15(
    api, contract, clerk, manager
):
    client = api.as_user(clerk)
    created = client.post(
        SD,
        {
            "contract": contract.pk,
            "scheduled_on": (today() + datetime.timedelta(days=5)).isoformat(),
            "description": "安装调试",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    dispatch = created.json()
    assert (dispatch["status"], dispatch["approval"], dispatch["created_by"]) == (
        "draft",
        None,
        "clerk.li",
    )
    url = f"{SD}{dispatch['id']}/"

    refused = client.post(f"{url}submit/")

    assert_refused(refused, 409, "first_payment_required", "contract")
    assert ServiceDispatch.objects.get(pk=dispatch["id"]).status == "draft"
    assert not ApprovalRequest.objects.filter(document_type="service_dispatch").exists()

    # First payment = 368490.00 × 0.4 = 147396.00.
    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=Decimal("147396.00"))
    submitted = client.post(f"{url}submit/")
    assert submitted.status_code == 200, submitted.json()
    assert [s["role"] for s in submitted.json()["approval"]["current_steps"]] == ["sales_manager"]
    approve_via_api(api, manager, submitted.json())
    client = api.as_user(clerk)  # one client: `as_user` switches its credentials
    assert client.get(url).json()["status"] == "approved"

    missing = client.post(f"{url}complete/", {}, format="json")
    assert_refused(missing, 400, "invalid", "acceptance_report_no")
    completed = client.post(f"{url}complete/", {"acceptance_report_no": "YS-001"}, format="json")
    assert completed.status_code == 200, completed.json()
    assert (completed.json()["status"], completed.json()["acceptance_report_no"]) == (
        "completed",
        "YS-001",
    )
    assert completed.json()["completed_by"] == "clerk.li"


def test_drafts_are_patched_and_cancelled(api, contract, lathe_line, warehouse, clerk, planner):
    notice = api.as_user(clerk).post(
        SN,
        {
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
        format="json",
    )
    url = f"{SN}{notice.json()['id']}/"
    patched = api.as_user(clerk).patch(
        url,
        {"lines": [{"contract_line": lathe_line.pk, "quantity": "2"}], "note": "整车"},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["gross_amount"], patched.json()["note"]) == ("361600.00", "整车")
    other_contract = api.as_user(clerk).patch(url, {"contract": contract.pk + 1000}, format="json")
    assert_refused(other_contract, 400, "invalid", "contract")
    cancelled = api.as_user(clerk).post(f"{url}cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    refused = api.as_user(clerk).patch(url, {"note": "x"}, format="json")
    assert_refused(refused, 409, "invalid_transition")
    assert ShippingNotice.objects.get(pk=notice.json()["id"]).note == "整车"

    production = api.as_user(planner).post(
        PN,
        {
            "contract": contract.pk,
            "due_date": "2030-01-31",
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
        format="json",
    )
    url = f"{PN}{production.json()['id']}/"
    patched = api.as_user(planner).patch(url, {"due_date": "2030-02-28"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["due_date"] == "2030-02-28"
    assert api.as_user(planner).post(f"{url}cancel/").json()["status"] == "cancelled"

    dispatch = api.as_user(clerk).post(
        SD,
        {"contract": contract.pk, "scheduled_on": "2030-01-31", "description": "安装"},
        format="json",
    )
    url = f"{SD}{dispatch.json()['id']}/"
    patched = api.as_user(clerk).patch(url, {"description": "安装与培训"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["description"] == "安装与培训"
    assert api.as_user(clerk).post(f"{url}cancel/").json()["status"] == "cancelled"


@pytest.mark.rule("R12")
def test_cancelling_an_approved_notice_gives_back_the_reservation_r12(
    api, contract, lathe_line, warehouse, clerk, manager, keeper
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="2")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "2"}],
    )
    assert level(lathe_line.product, warehouse).reserved == 2

    response = api.as_user(manager).post(f"{SN}{notice.pk}/cancel/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert level(lathe_line.product, warehouse).reserved == 0


@pytest.mark.rule("R11")
def test_qc_rejects_a_receipt_with_a_reason_and_nothing_enters_stock_r11(
    api, catalogue, warehouse, producer, qc
):
    receipt = services.goods_receipt_record(
        actor=producer,
        data={
            "product": catalogue["lathe"].pk,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-9",
        },
    )
    url = f"{GR}{receipt.pk}/reject/"

    assert_refused(api.as_user(qc).post(url, {}, format="json"), 400, "invalid", "reason")
    response = api.as_user(qc).post(url, {"reason": "数量不符"}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["rejection_reason"]) == (
        "rejected",
        "数量不符",
    )
    assert level(catalogue["lathe"], warehouse) is None
    assert not StockMove.objects.exists()


# --- filters and lists --------------------------------------------------------------------------


@pytest.mark.rule("R12")
def test_shipping_notice_list_filters_r12(
    api, contract, lathe_line, warehouse, clerk, manager, keeper
):
    other_warehouse = WarehouseFactory(code="WH-02", name="备件库")
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    approved = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    draft = services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": other_warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
    )
    client = api.as_user(manager)

    def ids(query):
        response = client.get(f"{SN}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {approved.pk, draft.pk}
    assert ids("status=approved") == {approved.pk}
    assert ids(f"warehouse={other_warehouse.pk}") == {draft.pk}
    assert ids(f"contract={contract.pk}&customer={contract.customer_id}") == {
        approved.pk,
        draft.pk,
    }
    assert ids(f"customer={contract.customer_id + 1000}") == set()
    assert_refused(client.get(f"{SN}?status=nonsense"), 400, "invalid", "status")


@pytest.mark.rule("R11")
def test_goods_receipt_list_filters_r11(api, catalogue, warehouse, producer, qc):
    posted = services.goods_receipt_record(
        actor=producer,
        data={
            "product": catalogue["lathe"].pk,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
        },
    )
    services.goods_receipt_confirm(actor=qc, receipt_id=posted.pk)
    recorded = services.goods_receipt_record(
        actor=producer,
        data={
            "product": catalogue["service"].pk,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-2",
        },
    )
    client = api.as_user(qc)

    def ids(query):
        return {row["id"] for row in client.get(f"{GR}?{query}").json()["results"]}

    assert ids("status=recorded") == {recorded.pk}
    assert ids("status=posted") == {posted.pk}
    assert ids(f"product={catalogue['lathe'].pk}") == {posted.pk}
    assert ids("production_notice=999999") == set()


@pytest.mark.rule("R10", "R11")
def test_goods_receipts_of_a_production_notice_are_listed_by_it_r10(
    api, contract, lathe_line, warehouse, planner, salesvp, producer
):
    notice = services.production_notice_create(
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": "2030-01-31",
            "lines": [{"contract_line": lathe_line.pk, "quantity": "2"}],
        },
    )
    services.production_notice_submit(actor=planner, notice_id=notice.pk)
    approve(notice, salesvp)
    receipt = services.goods_receipt_record(
        actor=producer,
        data={
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
            "production_notice": notice.pk,
        },
    )

    response = api.as_user(planner).get(f"{GR}?production_notice={notice.pk}")

    assert [row["id"] for row in response.json()["results"]] == [receipt.pk]
    assert response.json()["results"][0]["production_notice"] == notice.pk


def test_lists_cost_the_same_few_queries_for_many_documents(
    api,
    contract,
    lathe_line,
    warehouse,
    clerk,
    manager,
    planner,
    producer,
    qc,
    django_assert_max_num_queries,
):
    for _i in range(4):
        services.service_dispatch_create(
            actor=clerk,
            data={"contract": contract.pk, "scheduled_on": "2030-01-31", "description": "安装"},
        )
        receipt = services.goods_receipt_record(
            actor=producer,
            data={
                "product": lathe_line.product_id,
                "warehouse": warehouse.pk,
                "quantity": "1",
                "qc_certificate_no": "QC-1",
            },
        )
        services.goods_receipt_confirm(actor=qc, receipt_id=receipt.pk)
        services.shipping_notice_create(
            actor=clerk,
            data={
                "contract": contract.pk,
                "warehouse": warehouse.pk,
                "lines": [{"contract_line": lathe_line.pk, "quantity": "0.5"}],
            },
        )
        services.production_notice_create(
            actor=planner,
            data={
                "contract": contract.pk,
                "due_date": "2030-01-31",
                "lines": [{"contract_line": lathe_line.pk, "quantity": "0.5"}],
            },
        )
    for notice in ShippingNotice.objects.all():
        services.shipping_notice_submit(actor=clerk, notice_id=notice.pk)

    client = api.as_user(manager)
    with django_assert_max_num_queries(8):
        shipping = client.get(SN)
    with django_assert_max_num_queries(7):
        production = client.get(PN)
    with django_assert_max_num_queries(5):
        dispatches = client.get(SD)
    reader = api.as_user(qc)  # goods receipts are read by the goods roles, not sales
    with django_assert_max_num_queries(4):  # + the reader's roles
        receipts = reader.get(GR)

    assert shipping.json()["count"] == 4
    assert all(row["approval"]["status"] == "pending" for row in shipping.json()["results"])
    assert production.json()["count"] == 4
    assert all(len(row["progress"]) == 1 for row in production.json()["results"])
    assert dispatches.json()["count"] == receipts.json()["count"] == 4


# --- refusals (409) -----------------------------------------------------------------------------


@pytest.mark.rule("R10")
def test_over_production_is_refused_at_create_and_at_submit_r10(api, contract, lathe_line, planner):
    client = api.as_user(planner)
    body = {
        "contract": contract.pk,
        "due_date": "2030-01-31",
        "lines": [{"contract_line": lathe_line.pk, "quantity": "3"}],
    }

    assert_refused(client.post(PN, body, format="json"), 409, "over_production", "lines.0.quantity")
    assert not ProductionNotice.objects.exists()

    body["lines"][0]["quantity"] = "2"
    first = client.post(PN, body, format="json").json()
    second = client.post(PN, body, format="json").json()
    assert client.post(f"{PN}{first['id']}/submit/").status_code == 200

    refused = client.post(f"{PN}{second['id']}/submit/")

    assert_refused(refused, 409, "over_production", "lines.0.quantity")
    assert ProductionNotice.objects.get(pk=second["id"]).status == "draft"
    assert ApprovalRequest.objects.filter(document_type="production_notice").count() == 1


@pytest.mark.rule("R12")
def test_over_shipment_is_refused_at_create_r12(api, contract, lathe_line, warehouse, clerk):
    response = api.as_user(clerk).post(
        SN,
        {
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "2.001"}],
        },
        format="json",
    )

    assert_refused(response, 409, "over_shipment", "lines.0.quantity")
    assert not ShippingNotice.objects.exists()


@pytest.mark.rule("R12")
def test_over_shipment_is_refused_at_submit_when_another_notice_was_submitted_meanwhile_r12(
    api, contract, lathe_line, warehouse, clerk
):
    client = api.as_user(clerk)
    body = {
        "contract": contract.pk,
        "warehouse": warehouse.pk,
        "lines": [{"contract_line": lathe_line.pk, "quantity": "2"}],
    }
    # A draft reserves nothing: both drafts are accepted.
    first = client.post(SN, body, format="json").json()
    second = client.post(SN, body, format="json").json()
    assert client.post(f"{SN}{first['id']}/submit/").status_code == 200

    refused = client.post(f"{SN}{second['id']}/submit/")

    assert_refused(refused, 409, "over_shipment", "lines.0.quantity")
    assert ShippingNotice.objects.get(pk=second["id"]).status == "draft"
    assert ApprovalRequest.objects.filter(document_type="shipping_notice").count() == 1


@pytest.mark.rule("R12", "R13")
def test_an_expired_notice_is_not_issued_r13(
    api, contract, lathe_line, warehouse, clerk, manager, keeper
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="2")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    # Time passes: the validity is over.
    ShippingNotice.objects.filter(pk=notice.pk).update(
        valid_until=today() - datetime.timedelta(days=1)
    )

    response = api.as_user(keeper).post(f"{SN}{notice.pk}/issue/")

    assert_refused(response, 409, "notice_expired", "valid_until")
    notice.refresh_from_db()
    assert (notice.status, notice.gate_pass_no) == ("approved", None)
    stock = level(lathe_line.product, warehouse)
    assert (stock.on_hand, stock.reserved) == (Decimal("2.000"), Decimal("1.000"))
    assert not StockMove.objects.filter(kind="issue").exists()
    assert ContractLedger.objects.get(contract=contract).shipped == 0


@pytest.mark.rule("R13")
def test_insufficient_stock_is_not_issued_r13(
    api, contract, lathe_line, warehouse, clerk, manager, keeper
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="0.5")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )

    response = api.as_user(keeper).post(f"{SN}{notice.pk}/issue/")

    assert_refused(response, 409, "insufficient_stock")
    notice.refresh_from_db()
    assert (notice.status, notice.gate_pass_no) == ("approved", None)
    assert level(lathe_line.product, warehouse).on_hand == Decimal("0.500")
    assert not StockMove.objects.filter(kind="issue").exists()
    assert ContractLedger.objects.get(contract=contract).shipped == 0


@pytest.mark.rule("R12", "R18")
def test_a_customer_with_an_overdue_amount_gets_no_new_notice_approved_r12_r18(
    api, contract, lathe_line, warehouse, clerk, manager, keeper, guard
):
    shipped = shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    client = api.as_user(clerk)
    # Signed 60 days ago with 45 credit days: due 15 days ago, nothing collected → overdue.
    late = client.post(
        f"{SN}{shipped.pk}/confirm-delivery/",
        {"signed_by": "王五", "signed_at": (today() - datetime.timedelta(days=60)).isoformat()},
        format="json",
    )
    assert late.status_code == 200, late.json()
    draft = client.post(
        SN,
        {
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
        format="json",
    ).json()

    refused = client.post(f"{SN}{draft['id']}/submit/")

    assert_refused(refused, 409, "customer_overdue", "contract")
    assert ShippingNotice.objects.get(pk=draft["id"]).status == "draft"
    assert ApprovalRequest.objects.filter(document_type="shipping_notice").count() == 1


@pytest.mark.rule("R15")
def test_first_payment_collected_lets_the_dispatch_through_r15(api, contract, clerk):
    dispatch = services.service_dispatch_create(
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": "2030-01-31", "description": "调试"},
    )
    url = f"{SD}{dispatch.pk}/submit/"
    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=Decimal("147395.99"))

    assert_refused(api.as_user(clerk).post(url), 409, "first_payment_required", "contract")
    assert ServiceDispatch.objects.get(pk=dispatch.pk).status == "draft"

    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=Decimal("0.01"))
    response = api.as_user(clerk).post(url)

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"


@pytest.mark.rule("R14", "R20")
def test_a_delivery_signed_in_a_closed_period_is_refused_r14_r20(
    api, contract, lathe_line, warehouse, clerk, manager, keeper, guard
):
    shipped = shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    last_month = today().replace(day=1) - datetime.timedelta(days=1)
    ClosedPeriod.objects.create(period=last_month.strftime("%Y-%m"))

    response = api.as_user(clerk).post(
        f"{SN}{shipped.pk}/confirm-delivery/",
        {"signed_by": "张三", "signed_at": last_month.isoformat()},
        format="json",
    )

    assert_refused(response, 409, "period_closed")
    shipped.refresh_from_db()
    assert (shipped.status, shipped.signed_by, shipped.signed_at) == ("shipped", "", None)
    assert ContractLedger.objects.get(contract=contract).delivered == 0


def test_actions_out_of_order_are_invalid_transitions(
    api, contract, lathe_line, warehouse, clerk, manager, keeper, guard, planner, producer, qc
):
    draft = services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
    )
    issued = issued_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    production = services.production_notice_create(
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": "2030-01-31",
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
    )
    receipt = services.goods_receipt_record(
        actor=producer,
        data={
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
        },
    )
    services.goods_receipt_confirm(actor=qc, receipt_id=receipt.pk)
    on_hand = level(lathe_line.product, warehouse).on_hand

    refusals = [
        api.as_user(keeper).post(f"{SN}{draft.pk}/issue/"),
        api.as_user(guard).post(f"{SN}{draft.pk}/exit/", {}, format="json"),
        api.as_user(clerk).post(
            f"{SN}{issued.pk}/confirm-delivery/",
            {"signed_by": "张三", "signed_at": today().isoformat()},
            format="json",
        ),
        api.as_user(clerk).post(f"{SN}{issued.pk}/submit/"),
        api.as_user(clerk).post(f"{SN}{issued.pk}/cancel/"),
        api.as_user(planner).post(f"{PN}{production.pk}/complete/"),
        api.as_user(qc).post(f"{GR}{receipt.pk}/confirm/"),
    ]

    for response in refusals:
        assert_refused(response, 409, "invalid_transition")
    assert ShippingNotice.objects.get(pk=draft.pk).status == "draft"
    assert ShippingNotice.objects.get(pk=issued.pk).status == "issued"
    assert ProductionNotice.objects.get(pk=production.pk).status == "draft"
    assert level(lathe_line.product, warehouse).on_hand == on_hand


# --- bad input (400 naming the field) ------------------------------------------------------------


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "lines"),
        ([{"contract_line": 999999, "quantity": "1"}], "lines.0.contract_line"),
        ([{"contract_line": "LATHE", "quantity": "0"}], "lines.0.quantity"),
        ([{"contract_line": "LATHE", "quantity": "-1"}], "lines.0.quantity"),
        ([{"contract_line": "LATHE", "quantity": "1.0001"}], "lines.0.quantity"),
        ([{"contract_line": "LATHE", "quantity": "1"}, {"contract_line": "LATHE"}], "lines.1"),
    ],
)
def test_bad_lines_are_400_naming_the_line_r25(
    api, contract, lathe_line, warehouse, clerk, planner, lines, field
):
    lines = [
        {**line, "contract_line": lathe_line.pk} if line.get("contract_line") == "LATHE" else line
        for line in lines
    ]
    shipping = api.as_user(clerk).post(
        SN, {"contract": contract.pk, "warehouse": warehouse.pk, "lines": lines}, format="json"
    )
    production = api.as_user(planner).post(
        PN, {"contract": contract.pk, "due_date": "2030-01-31", "lines": lines}, format="json"
    )

    for response in (shipping, production):
        body = assert_refused(response, 400, "invalid")
        assert any(name == field or name.startswith(f"{field}.") for name in body["errors"]), body
    assert not ShippingNotice.objects.exists()
    assert not ProductionNotice.objects.exists()


@pytest.mark.rule("R25")
def test_a_line_of_another_contract_is_400(
    api, contract, warehouse, clerk, customer, catalogue, manager, gm, head, finance
):
    other = activate(
        clerk=clerk,
        order=make_order(
            clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm
        ),
        head=head,
        finance=finance,
    )
    foreign_line = other.lines.first()

    response = api.as_user(clerk).post(
        SN,
        {
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": foreign_line.pk, "quantity": "1"}],
        },
        format="json",
    )

    assert_refused(response, 400, "invalid", "lines.0.contract_line")
    assert not ShippingNotice.objects.exists()


@pytest.mark.rule("R23", "R25")
def test_an_unknown_or_invisible_contract_in_the_body_is_400_naming_it_r23(
    api, contract, lathe_line, warehouse, make_user
):
    other_clerk = api.as_user(make_user("sales_clerk", username="clerk.zhang"))
    for contract_id in (999999, contract.pk):
        shipping = other_clerk.post(
            SN,
            {
                "contract": contract_id,
                "warehouse": warehouse.pk,
                "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
            },
            format="json",
        )
        dispatch = other_clerk.post(
            SD,
            {"contract": contract_id, "scheduled_on": "2030-01-31", "description": "安装"},
            format="json",
        )
        assert_refused(shipping, 400, "invalid", "contract")
        assert_refused(dispatch, 400, "invalid", "contract")
    assert not ShippingNotice.objects.exists()
    assert not ServiceDispatch.objects.exists()


@pytest.mark.rule("R25")
def test_missing_fields_are_400_naming_each(api, clerk, producer, planner):
    cases = [
        (clerk, SN, ("contract", "warehouse", "lines")),
        (planner, PN, ("contract", "due_date", "lines")),
        (producer, GR, ("product", "warehouse", "quantity", "qc_certificate_no")),
        (clerk, SD, ("contract", "scheduled_on", "description")),
    ]
    for user, url, fields in cases:
        assert_refused(api.as_user(user).post(url, {}, format="json"), 400, "invalid", *fields)
    assert not GoodsReceipt.objects.exists()


@pytest.mark.rule("R11", "R25")
def test_a_goods_receipt_with_an_unknown_product_or_warehouse_is_400(api, producer):
    response = api.as_user(producer).post(
        GR,
        {"product": 999999, "warehouse": 999999, "quantity": "1", "qc_certificate_no": "QC"},
        format="json",
    )

    assert_refused(response, 400, "invalid", "product", "warehouse")
    assert not GoodsReceipt.objects.exists()


# The largest quantity numeric(18, 3) takes, which SQLite's 8-byte floats would store and then
# fail to read back: beyond core.money.MAX_QUANTITY, what every supported database keeps.
TOO_LARGE = "999999999999999.999"


@pytest.mark.rule("R11", "R25")
def test_a_goods_receipt_beyond_what_the_database_holds_is_a_400_and_the_list_still_reads(
    api, catalogue, warehouse, producer, qc
):
    """R25 on every database: the quantity is refused naming `quantity`, nothing is written, and
    the goods-receipt list — a 500 on SQLite when such a row was saved — reads for every goods
    role."""
    response = api.as_user(producer).post(
        GR,
        {
            "product": catalogue["lathe"].pk,
            "warehouse": warehouse.pk,
            "quantity": TOO_LARGE,
            "qc_certificate_no": "QC-BIG",
        },
        format="json",
    )

    assert_refused(response, 400, "invalid", "quantity")
    assert not GoodsReceipt.objects.exists()
    for user in (producer, qc):
        assert api.as_user(user).get(GR).status_code == 200
        assert api.as_user(user).get(f"{GR}?status=recorded").json()["results"] == []


@pytest.mark.rule("R25")
def test_a_stock_adjustment_beyond_what_the_database_holds_is_a_400_and_the_stock_still_reads(
    api, catalogue, warehouse, keeper
):
    put_stock(actor=keeper, product=catalogue["lathe"], warehouse=warehouse, quantity="5")
    client = api.as_user(keeper)
    for quantity in (TOO_LARGE, f"-{TOO_LARGE}"):
        response = client.post(
            "/api/v1/stock-adjustments/",
            {
                "product": catalogue["lathe"].pk,
                "warehouse": warehouse.pk,
                "quantity": quantity,
                "reason": "盘点",
            },
            format="json",
        )
        assert_refused(response, 400, "invalid", "quantity")

    assert StockMove.objects.count() == 1  # put_stock's
    assert level(catalogue["lathe"], warehouse).on_hand == 5
    stock = client.get(f"/api/v1/stock/?product={catalogue['lathe'].pk}")
    assert stock.status_code == 200
    assert [row["on_hand"] for row in stock.json()["results"]] == ["5.000"]


@pytest.mark.rule("R25")
def test_a_shipping_line_beyond_what_the_database_holds_is_a_400_naming_it(
    api, contract, lathe_line, warehouse, clerk
):
    response = api.as_user(clerk).post(
        SN,
        {
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": TOO_LARGE}],
        },
        format="json",
    )

    assert_refused(response, 400, "invalid", "lines.0.quantity")
    assert not ShippingNotice.objects.exists()


@pytest.mark.rule("R14", "R25")
def test_a_future_signing_date_is_400_r14(
    api, contract, lathe_line, warehouse, clerk, manager, keeper, guard
):
    shipped = shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )

    response = api.as_user(clerk).post(
        f"{SN}{shipped.pk}/confirm-delivery/",
        {"signed_by": "张三", "signed_at": (today() + datetime.timedelta(days=1)).isoformat()},
        format="json",
    )

    assert_refused(response, 400, "invalid", "signed_at")
    assert ShippingNotice.objects.get(pk=shipped.pk).status == "shipped"
    assert ContractLedger.objects.get(contract=contract).delivered == 0


@pytest.mark.rule("R14", "R25")
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60),
        ("copy.png", b"GIF89a not a png at all"),
        ("copy.pdf", png_bytes()),
    ],
)
def test_a_scan_of_the_wrong_type_is_400_naming_scan_r14(
    api, contract, lathe_line, warehouse, clerk, manager, keeper, guard, media, name, content
):
    shipped = shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )

    response = api.as_user(clerk).post(
        f"{SN}{shipped.pk}/confirm-delivery/",
        {
            "signed_by": "张三",
            "signed_at": today().isoformat(),
            "scan": SimpleUploadedFile(name, content),
        },
        format="multipart",
    )

    assert_refused(response, 400, "invalid", "scan")
    shipped.refresh_from_db()
    assert (shipped.status, shipped.signed_scan.name) == ("shipped", "")
    assert not any(media.rglob("*.*"))
    assert ContractLedger.objects.get(contract=contract).delivered == 0


@pytest.mark.rule("R14", "R25")
def test_a_scan_over_the_size_limit_is_400_naming_scan_r14(
    api, settings, contract, lathe_line, warehouse, clerk, manager, keeper, guard, media
):
    shipped = shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    settings.DELIVERY_SCAN_MAX_BYTES = len(png_bytes()) - 1

    response = api.as_user(clerk).post(
        f"{SN}{shipped.pk}/confirm-delivery/",
        {
            "signed_by": "张三",
            "signed_at": today().isoformat(),
            "scan": SimpleUploadedFile("signed.png", png_bytes(), content_type="image/png"),
        },
        format="multipart",
    )

    assert_refused(response, 400, "invalid", "scan")
    assert ShippingNotice.objects.get(pk=shipped.pk).status == "shipped"
    assert not any(media.rglob("*.*"))


@pytest.mark.rule("R13", "R25")
def test_a_wrong_gate_pass_number_is_400_and_the_goods_stay_r13(
    api, contract, lathe_line, warehouse, clerk, manager, keeper, guard
):
    issued = issued_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    client = api.as_user(guard)

    exit_refused = client.post(
        f"{SN}{issued.pk}/exit/", {"gate_pass_no": "CM-1999-99999"}, format="json"
    )
    lookup_refused = client.get(f"{SN}by-gate-pass/?gate_pass_no=CM-1999-99999")
    lookup_empty = client.get(f"{SN}by-gate-pass/")

    assert_refused(exit_refused, 400, "invalid", "gate_pass_no")
    assert_refused(lookup_refused, 400, "invalid", "gate_pass_no")
    assert_refused(lookup_empty, 400, "invalid", "gate_pass_no")
    issued.refresh_from_db()
    assert (issued.status, issued.exited_by) == ("issued", None)


@pytest.mark.rule("R13", "R23")
def test_a_gate_pass_of_another_clerks_customer_is_unknown_to_a_clerk_r23(
    api, contract, lathe_line, warehouse, clerk, manager, keeper, make_user
):
    issued = issued_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    other_clerk = make_user("sales_clerk", username="clerk.zhang")

    own = api.as_user(clerk).get(f"{SN}by-gate-pass/?gate_pass_no={issued.gate_pass_no}")
    other = api.as_user(other_clerk).get(f"{SN}by-gate-pass/?gate_pass_no={issued.gate_pass_no}")

    assert own.status_code == 200
    assert_refused(other, 400, "invalid", "gate_pass_no")


# --- roles (403) and visibility (404) -----------------------------------------------------------


def test_wrong_roles_are_403_and_nothing_is_written(
    api, contract, lathe_line, warehouse, clerk, manager, keeper, guard, planner, producer
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="2")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    shipping_body = {
        "contract": contract.pk,
        "warehouse": warehouse.pk,
        "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
    }

    refusals = [
        # The clerk may not issue (R13), the keeper may not let goods out, security may not
        # confirm the delivery.
        api.as_user(clerk).post(f"{SN}{notice.pk}/issue/"),
        api.as_user(keeper).post(f"{SN}{notice.pk}/exit/", {}, format="json"),
        api.as_user(guard).post(
            f"{SN}{notice.pk}/confirm-delivery/",
            {"signed_by": "张三", "signed_at": today().isoformat()},
            format="json",
        ),
        # Only the planner prepares production notices (R10), only production records
        # receipts (R11), only a clerk drafts shipping notices and dispatches — even with a
        # body that would not be valid.
        api.as_user(clerk).post(
            PN, {"contract": contract.pk, "due_date": "2030-01-31", "lines": []}, format="json"
        ),
        api.as_user(planner).post(GR, {}, format="json"),
        api.as_user(keeper).post(SN, shipping_body, format="json"),
        api.as_user(producer).post(SD, {}, format="json"),
    ]

    for response in refusals:
        assert_refused(response, 403, "permission_denied")
    notice.refresh_from_db()
    assert (notice.status, notice.gate_pass_no) == ("approved", None)
    assert ShippingNotice.objects.count() == 1
    assert not ProductionNotice.objects.exists()
    assert not GoodsReceipt.objects.exists()
    assert not ServiceDispatch.objects.exists()
    assert level(lathe_line.product, warehouse).on_hand == 2


@pytest.mark.rule("R11")
def test_production_does_not_confirm_its_own_receipt_r11(api, catalogue, warehouse, make_user):
    both = make_user("production", "qc", username="prod.qc")
    recorded = api.as_user(both).post(
        GR,
        {
            "product": catalogue["lathe"].pk,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
        },
        format="json",
    )
    assert recorded.status_code == 201, recorded.json()

    refused = api.as_user(both).post(f"{GR}{recorded.json()['id']}/confirm/")

    assert_refused(refused, 403, "self_approval_forbidden")
    assert GoodsReceipt.objects.get().status == "recorded"
    assert level(catalogue["lathe"], warehouse) is None
    assert not StockMove.objects.exists()


@pytest.mark.rule("R23")
def test_another_clerks_documents_are_404_r23(
    api, contract, lathe_line, warehouse, clerk, make_user
):
    notice = services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
    )
    dispatch = services.service_dispatch_create(
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": "2030-01-31", "description": "安装"},
    )
    other = api.as_user(make_user("sales_clerk", username="clerk.zhang"))

    responses = [
        other.get(f"{SN}{notice.pk}/"),
        other.post(f"{SN}{notice.pk}/submit/"),
        other.patch(f"{SN}{notice.pk}/", {"note": "x"}, format="json"),
        other.post(f"{SN}{notice.pk}/cancel/"),
        other.get(f"{SD}{dispatch.pk}/"),
        other.post(f"{SD}{dispatch.pk}/submit/"),
    ]

    for response in responses:
        assert_refused(response, 404, "not_found")
    assert other.get(SN).json()["count"] == 0
    assert other.get(SD).json()["count"] == 0
    notice.refresh_from_db()
    assert (notice.status, notice.note) == ("draft", "")


def test_the_schema_describes_the_fulfilment_endpoints(client):
    import json

    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in [
        "/api/v1/production-notices/",
        "/api/v1/production-notices/{id}/submit/",
        "/api/v1/production-notices/{id}/complete/",
        "/api/v1/goods-receipts/",
        "/api/v1/goods-receipts/{id}/confirm/",
        "/api/v1/goods-receipts/{id}/reject/",
        "/api/v1/shipping-notices/",
        "/api/v1/shipping-notices/{id}/submit/",
        "/api/v1/shipping-notices/{id}/issue/",
        "/api/v1/shipping-notices/{id}/exit/",
        "/api/v1/shipping-notices/{id}/confirm-delivery/",
        "/api/v1/shipping-notices/by-gate-pass/",
        "/api/v1/service-dispatches/",
        "/api/v1/service-dispatches/{id}/submit/",
        "/api/v1/service-dispatches/{id}/complete/",
    ]:
        assert path in paths, path


@pytest.mark.rule("R13")
def test_the_notice_and_its_gate_pass_download_as_pdfs(
    api, clerk, manager, keeper, contract, lathe_line, warehouse
):
    """API.md adds `pdf/` and `gate-pass/`: real PDFs; the gate pass exists once issued (R13)."""
    from tests.inventory.conftest import approved_notice, put_stock

    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    client = api.as_user(clerk)
    url = f"/api/v1/shipping-notices/{notice.pk}"
    pdf = client.get(f"{url}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"{url}/gate-pass/").status_code == 404

    services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)

    gate_pass = client.get(f"{url}/gate-pass/")
    assert gate_pass.status_code == 200 and gate_pass.content.startswith(b"%PDF")


@pytest.mark.rule("R14")
def test_a_retried_scan_upload_with_the_same_key_is_answered_once(
    api, clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    """API.md Idempotency-Key with a multipart upload: a client's retry carries a new random
    boundary, yet it is the same request — the first answer again, nothing written twice."""
    notice = shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    client = api.as_user(clerk)
    url = f"/api/v1/shipping-notices/{notice.pk}/confirm-delivery/"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

    def post(boundary, content=png):
        scan = SimpleUploadedFile("signed.png", content, content_type="image/png")
        body = encode_multipart(
            boundary,
            {"signed_by": "李四", "signed_at": timezone.localdate().isoformat(), "scan": scan},
        )
        return client.post(
            url,
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY="scan-1",
        )

    first = post("boundary-one")
    again = post("boundary-two")
    other = post("boundary-three", content=png + b"\x01")

    assert first.status_code == 200 and first.json()["status"] == "delivered"
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert ContractLedger.objects.get(contract=contract).delivered == Decimal("180800.00")


@pytest.mark.rule("R25")
def test_odd_api_input_is_a_400_naming_the_field(
    api, clerk, manager, keeper, guard, planner, contract, lathe_line, warehouse
):
    """Adversarial inputs found by fuzzing (R25): a PATCH line missing its fields, a
    non-ASCII digit in a stock filter, two scans at once, NUL in a gate pass — 400s naming
    the field, never a crash, nothing written."""
    draft = services.production_notice_create(
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": "2026-12-31",
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
    )
    patched = api.as_user(planner).patch(
        f"/api/v1/production-notices/{draft.pk}/", {"lines": [{"quantity": "1"}]}, format="json"
    )
    assert patched.status_code == 400 and "lines.0.contract_line" in patched.json()["errors"]

    stock = api.as_user(keeper).get("/api/v1/stock/?product=%C2%B2")
    assert stock.status_code == 400 and "product" in stock.json()["errors"]

    gate = api.as_user(guard).get("/api/v1/shipping-notices/by-gate-pass/?gate_pass_no=%00")
    assert gate.status_code == 400 and "gate_pass_no" in gate.json()["errors"]

    notice = shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    two = api.as_user(clerk).post(
        f"/api/v1/shipping-notices/{notice.pk}/confirm-delivery/",
        {
            "signed_by": "李四",
            "signed_at": timezone.localdate().isoformat(),
            "scan": [
                SimpleUploadedFile("a.png", png, content_type="image/png"),
                SimpleUploadedFile("b.exe", b"MZ", content_type="application/octet-stream"),
            ],
        },
        format="multipart",
    )
    assert two.status_code == 400 and "scan" in two.json()["errors"]
    assert ShippingNotice.objects.get(pk=notice.pk).status == "shipped"
