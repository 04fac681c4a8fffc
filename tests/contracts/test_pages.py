"""Browser pages for contracts and the contract ledger (server-side)."""

import io
from decimal import Decimal

import openpyxl
import pytest

from approvals.services import approval_decide
from contracts import services
from contracts.models import Contract
from tests.contracts.conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, clerk):
    client.force_login(clerk)
    return client


def _active(clerk, order, head, finance) -> Contract:
    contract = services.contract_draft(actor=clerk, order_id=order.pk)
    services.contract_submit(actor=clerk, contract_id=contract.pk)
    request_id = contract.approval_request.pk
    for signer in (head, finance):
        approval_decide(actor=signer, request_id=request_id, approve=True)
    contract.refresh_from_db()
    return contract


def test_a_clerk_drafts_edits_and_submits_through_the_pages(browser, approved_order):
    page = browser.get(f"/contracts/new/?order={approved_order.pk}")
    assert page.status_code == 200
    assert approved_order.number in page.content.decode()

    drafted = browser.post("/contracts/new/", {"order": approved_order.pk})
    contract = Contract.objects.get()
    assert drafted.status_code == 302
    assert drafted["Location"] == f"/contracts/{contract.pk}/"

    detail = browser.get(f"/contracts/{contract.pk}/").content.decode()
    assert 'id="lines"' in detail and 'id="ledger"' in detail and 'id="history"' in detail
    assert "/edit/" in detail and "/submit/" in detail

    edited = browser.post(
        f"/contracts/{contract.pk}/edit/",
        {
            "first_payment_ratio": "50%",  # rates are typed as percentages
            "credit_days": "30",
            "interest_rate_daily": "0.05",
            "invoice_threshold": "60",
            "commission_rate": "2 %",
        },
    )
    assert edited.status_code == 302
    contract.refresh_from_db()
    assert contract.credit_days == 30
    assert (
        contract.first_payment_ratio,
        contract.interest_rate_daily,
        contract.invoice_threshold,
        contract.commission_rate,
    ) == (Decimal("0.5000"), Decimal("0.0005"), Decimal("0.6000"), Decimal("0.0200"))

    assert browser.post(f"/contracts/{contract.pk}/submit/").status_code == 302
    contract.refresh_from_db()
    assert contract.status == "pending_signoff"
    assert browser.get(f"/contracts/{contract.pk}/edit/").status_code == 302  # draft only


@pytest.mark.rule("R9")
def test_bad_terms_show_beside_the_field_and_change_nothing(browser, clerk, approved_order):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)

    response = browser.post(
        f"/contracts/{contract.pk}/edit/",
        {
            "first_payment_ratio": "300",
            "credit_days": "30",
            "interest_rate_daily": "0.05",
            "invoice_threshold": "60",
            "commission_rate": "2",
        },
    )

    assert response.status_code == 400
    error = response.content.decode().split('id="id_first_payment_ratio_error"')[1][:200]
    assert "from 0% to 100%" in error
    contract.refresh_from_db()
    assert contract.credit_days == 45


def test_drafting_from_an_order_that_is_not_approved_is_refused(
    browser, clerk, customer, catalogue
):
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, approve=False)

    response = browser.post("/contracts/new/", {"order": order.pk})

    assert response.status_code == 409
    assert not Contract.objects.exists()


@pytest.mark.rule("R23")
def test_another_clerk_gets_404_on_the_pages(client, clerk, approved_order, make_user):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    client.force_login(make_user("sales_clerk"))

    for path in (
        f"/contracts/{contract.pk}/",
        f"/contracts/{contract.pk}/ledger/",
        f"/contracts/new/?order={approved_order.pk}",
        f"/contracts/ledger/customer/{contract.customer_id}/",
    ):
        assert client.get(path).status_code == 404, path
    assert "No contracts found" in client.get("/contracts/").content.decode()


@pytest.mark.rule("R8")
def test_co_signers_see_the_sign_button(client, clerk, approved_order, head):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    services.contract_submit(actor=clerk, contract_id=contract.pk)
    client.force_login(head)

    page = client.get(f"/contracts/{contract.pk}/").content.decode()

    assert f"/approvals/{contract.approval_request.pk}/" in page


def test_the_approval_page_shows_the_contract(client, clerk, approved_order, head):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    services.contract_submit(actor=clerk, contract_id=contract.pk)
    client.force_login(head)

    page = client.get(f"/approvals/{contract.approval_request.pk}/")

    assert page.status_code == 200
    assert approved_order.number in page.content.decode()


def test_ledger_pages_and_xlsx_export(
    client, clerk, customer, catalogue, manager, gm, head, finance, django_assert_max_num_queries
):
    contracts = [
        _active(
            clerk,
            make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm),
            head,
            finance,
        )
        for _ in range(3)
    ]
    client.force_login(finance)

    with django_assert_max_num_queries(15):
        listing = client.get("/contracts/ledger/", {"status": "active", "customer": customer.pk})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert all(c.number in body for c in contracts)
    assert "1,105,470.00" in body  # 3 × 368490.00, the total row

    with django_assert_max_num_queries(15):
        assert client.get("/contracts/").status_code == 200
    assert client.get(f"/contracts/{contracts[0].pk}/ledger/").status_code == 200
    per_customer = client.get(f"/contracts/ledger/customer/{customer.pk}/")
    assert per_customer.status_code == 200
    assert "1,105,470.00" in per_customer.content.decode()

    export = client.get("/contracts/ledger/", {"export": "xlsx", "salesperson": "clerk.li"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Number", "Status", "Customer code")
    assert len(rows) == 5  # header, three contracts, totals
    assert {r[0] for r in rows[1:4]} == {c.number for c in contracts}


def test_the_contracts_menu_item_shows_for_sales_and_finance(client, clerk, make_user):
    client.force_login(clerk)
    assert 'href="/contracts/"' in client.get("/contracts/").content.decode()
    client.force_login(make_user("warehouse"))
    assert 'href="/contracts/"' not in client.get("/").content.decode()


def test_the_detail_page_query_count_does_not_grow_with_lines_or_decisions(
    client, clerk, approved_order, head, finance, django_assert_max_num_queries
):
    contract = _active(clerk, approved_order, head, finance)
    client.force_login(clerk)

    with django_assert_max_num_queries(25):
        page = client.get(f"/contracts/{contract.pk}/")

    assert page.status_code == 200
    assert contract.number in page.content.decode()


@pytest.mark.rule("R21")
def test_the_author_withdraws_from_the_page_and_a_refused_action_says_why(
    browser, clerk, approved_order
):
    """Contract page buttons go through core.pages.document_action: the service's outcome, or
    its refusal, comes back as a message on the contract's page."""
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    services.contract_submit(actor=clerk, contract_id=contract.pk)

    again = browser.post(f"/contracts/{contract.pk}/submit/", follow=True)
    withdrawn = browser.post(f"/contracts/{contract.pk}/withdraw/", follow=True)

    assert again.redirect_chain[-1][0] == f"/contracts/{contract.pk}/"
    assert [m.level_tag for m in again.context["messages"]] == ["error"]
    assert "Only a draft contract" in again.content.decode()
    assert [m.message for m in withdrawn.context["messages"]] == ["Contract withdrawn to draft."]
    contract.refresh_from_db()
    assert contract.status == "draft"


@pytest.mark.rule("R8")
def test_a_draft_contract_has_one_name_on_its_page_in_the_inbox_and_mail_and_its_number_once_signed(
    client, clerk, approved_order, head, finance, mailoutbox, django_capture_on_commit_callbacks
):
    """Issue 11 item 7: no made-up "HT-#2" in the inbox beside "Draft #2" on the page; the
    message after the last signature names the number the contract got."""
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_submit(actor=clerk, contract_id=contract.pk)
    name = f"Draft #{contract.pk}"
    client.force_login(head)

    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    inbox = client.get("/approvals/").content.decode()
    approval = client.get(f"/approvals/{contract.approval_request.pk}/").content.decode()

    assert name in page and name in inbox and name in approval
    assert "HT-#" not in page + inbox + approval
    assert any(name in message.body for message in mailoutbox)
    client.post(f"/approvals/{contract.approval_request.pk}/decide/", {"decision": "approve"})
    client.force_login(finance)
    response = client.post(
        f"/approvals/{contract.approval_request.pk}/decide/", {"decision": "approve"}, follow=True
    )
    contract.refresh_from_db()
    assert contract.number.startswith("HT-")
    assert f"Approved: Contract {contract.number}." in response.content.decode()
