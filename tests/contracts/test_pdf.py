"""The contract PDF (R9): WeasyPrint with a CJK font, rendered by a task when the contract is
signed, cached per version, downloadable from the page and the API."""

import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from approvals.services import approval_decide
from contracts import services
from contracts.pdf import contract_pdf_name

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def active_contract(clerk, approved_order, head, finance, django_capture_on_commit_callbacks):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    services.contract_submit(actor=clerk, contract_id=contract.pk)
    contract.refresh_from_db()
    request_id = contract.approval_request.pk
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(actor=head, request_id=request_id, approve=True)
        approval_decide(actor=finance, request_id=request_id, approve=True)
    contract.refresh_from_db()
    return contract


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.rule("R9", "R14")
def test_signing_renders_the_pdf_with_number_customer_amount_in_words_and_signers(
    active_contract,
):
    name = contract_pdf_name(active_contract)
    assert default_storage.exists(name)  # rendered by the task on commit

    with default_storage.open(name, "rb") as handle:
        text = text_of(handle.read())

    assert active_contract.number in text
    assert active_contract.customer.name in text
    assert "人民币" in text and "元" in text
    assert "head.zhao" in text or "销售部主管" in text
    assert "财务部" in text


@pytest.mark.rule("R9")
def test_the_pdf_downloads_from_the_api_and_embeds_a_cjk_font(api, clerk, active_contract):
    response = api.as_user(clerk).get(f"/api/v1/contracts/{active_contract.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("CJK" in f for f in fonts), fonts
    assert active_contract.number in text_of(response.content)


@pytest.mark.rule("R9")
def test_a_changed_contract_gets_a_new_pdf(clerk, approved_order):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    first = contract_pdf_name(contract)

    services.contract_update_terms(actor=clerk, contract_id=contract.pk, terms={"credit_days": 60})

    assert contract_pdf_name(contract) != first


@pytest.mark.rule("R9", "R23")
def test_another_clerk_gets_404_for_the_pdf(api, active_contract, make_user):
    response = api.as_user(make_user("sales_clerk")).get(
        f"/api/v1/contracts/{active_contract.pk}/pdf/"
    )

    assert response.status_code == 404


@pytest.mark.rule("R9")
def test_the_page_offers_the_pdf(client, clerk, active_contract):
    client.force_login(clerk)

    response = client.get(f"/contracts/{active_contract.pk}/pdf/")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
