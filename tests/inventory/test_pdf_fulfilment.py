"""The shipping notice PDF (发货单 with the customer's copy to sign, R12, R14) and the gate
pass PDF (出门证, R13): WeasyPrint with the CJK font, from the pages, for those who may see
the notice (R23); the gate pass only once the warehouse issued the notice."""

import io
import re

import barcode
import pytest
from barcode.writer import SVGWriter
from pypdf import PdfReader

from core.pdf import render_pdf
from inventory import services
from inventory.pdf import (
    gate_pass_pdf_bytes,
    gate_pass_pdf_context,
    gate_pass_pdf_response,
    shipping_notice_pdf_bytes,
    shipping_notice_pdf_context,
    shipping_notice_pdf_response,
)
from tests.inventory.conftest import approved_notice, put_stock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def fonts_of(pdf: bytes) -> set[str]:
    return {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }


@pytest.fixture
def notice(clerk, manager, contract, lathe_line, warehouse):
    return approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
        note="请提前电话联系",
    )


@pytest.fixture
def issued(notice, keeper, lathe_line, warehouse):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="3")
    return services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)


def test_the_notice_pdf_has_the_company_copy_and_the_customer_copy_to_sign(client, clerk, notice):
    client.force_login(clerk)

    response = client.get(f"/shipping-notices/{notice.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2  # one page per copy
    company, customer = (page.extract_text() for page in reader.pages)
    for text in (company, customer):
        assert notice.number in text
        assert notice.customer.name in text
        assert "数控车床" in text
        assert "180,800.00" in text  # figures with separators, as on the pages
    assert "存根联" in company and "签收人" not in company
    assert "客户签收联" in customer and "签收人" in customer and "盖章" in customer
    assert "壹拾捌万零捌佰元整" in company
    assert any("CJK" in f for f in fonts_of(response.content))


@pytest.mark.rule("R13")
def test_the_gate_pass_pdf_shows_its_number_goods_and_issuer_r13(client, keeper, issued):
    client.force_login(keeper)

    response = client.get(f"/shipping-notices/{issued.pk}/gate-pass/")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = text_of(response.content)
    assert issued.gate_pass_no in text
    assert "出门证" in text or "出 门 证" in text
    assert issued.customer.name in text and issued.number in text
    assert "数控车床" in text and "成品库" in text
    assert keeper.username in text or keeper.get_full_name() in text
    assert response["Content-Disposition"] == f'inline; filename="{issued.gate_pass_no}.pdf"'


@pytest.mark.rule("R13")
def test_no_gate_pass_before_the_issue(client, keeper, notice):
    client.force_login(keeper)

    assert client.get(f"/shipping-notices/{notice.pk}/gate-pass/").status_code == 404


@pytest.mark.rule("R23")
def test_another_clerk_gets_404_for_both_pdfs_r23(client, make_user, issued):
    client.force_login(make_user("sales_clerk"))

    assert client.get(f"/shipping-notices/{issued.pk}/pdf/").status_code == 404
    assert client.get(f"/shipping-notices/{issued.pk}/gate-pass/").status_code == 404


def test_the_responses_are_reusable_outside_the_pages(issued):
    """The API answers with the same responses (inventory.pdf)."""
    notice_pdf = shipping_notice_pdf_response(issued)
    gate_pass = gate_pass_pdf_response(issued)

    assert issued.gate_pass_no in text_of(notice_pdf.content)  # the pass no. on the notice too
    assert issued.gate_pass_no in text_of(gate_pass.content)


def _drawn_rectangles(pdf: bytes) -> int:
    """Filled rectangles drawn on the first page (and its form XObjects)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    streams = [page.get_contents().get_data()]
    xobjects = page["/Resources"].get("/XObject") or {}
    streams += [x.get_object().get_data() for x in xobjects.values()]
    return sum(len(re.findall(rb"\bre\b", data)) for data in streams)


@pytest.mark.rule("R12", "R25")
def test_the_notice_pdf_names_the_approver_and_role_r12(manager, notice):
    """The approval is printed as who decided it (full name), in which role and when — from
    the approval request's decisions, not a fixed role label."""
    manager.first_name, manager.last_name = "经理", "王"
    manager.save()
    context = shipping_notice_pdf_context(notice)
    [approver] = context["approvers"]
    assert approver["name"] == manager.get_full_name() and approver["role"] == "Sales manager"

    text = text_of(shipping_notice_pdf_bytes(notice))
    assert f"审批：{manager.get_full_name()}（销售经理，" in text


def test_a_notice_not_yet_approved_prints_pending_approval(clerk, contract, lathe_line, warehouse):
    draft = services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
    )
    assert shipping_notice_pdf_context(draft)["approvers"] == []
    assert "审批：（待审批）" in text_of(shipping_notice_pdf_bytes(draft))


@pytest.mark.rule("R13")
def test_the_gate_pass_pdf_carries_a_code128_barcode_of_its_number_r13(issued):
    """/gate/ asks the guard to scan the number: the pass prints it as Code 128 (inline SVG)
    beside the number in text."""
    svg = gate_pass_pdf_context(issued)["barcode_svg"]
    assert svg.startswith("<svg") and svg.count("<rect") > 30
    expected = io.BytesIO()
    barcode.get("code128", issued.gate_pass_no, writer=SVGWriter()).write(expected)
    # The same bars as python-barcode draws for the number (positions and widths).
    bars = re.compile(r'<rect x="([\d.]+)mm" y="[\d.]+mm" width="([\d.]+)mm"')
    assert len(bars.findall(svg)) == len(bars.findall(expected.getvalue().decode()))

    pdf = gate_pass_pdf_bytes(issued)
    assert issued.gate_pass_no in text_of(pdf)
    without = _drawn_rectangles(render_pdf("inventory/pdf/gate_pass.html", {"notice": issued}))
    assert _drawn_rectangles(pdf) >= without + 30
