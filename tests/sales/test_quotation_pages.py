"""Quotation pages (R27): the list, the entry form (lines like an order's, R5), one quotation
with its approval, the salesperson's buttons by state (submit, cancel, won, lost with a reason,
to-order), the refusals shown and nothing written, R23 (404 for a clerk not owning it), the
Chinese PDF and the approval page's view of a quotation."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from approvals.services import approval_decide
from sales.models import Customer, Order, Quotation, QuotationLine
from sales.services.leads import lead_create
from sales.services.quotations import (
    quotation_create,
    quotation_submit,
    quotation_won,
)
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    active_price_list(items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")])
    return {"lathe": lathe, "service": service}


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk, name="无锡华光机床有限公司")


@pytest.fixture
def head(make_user):
    return make_user("sales_head", username="head.zhao")


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def quote(clerk, catalogue, *, customer=None, lead=None, price="160000.00", **fields):
    return quotation_create(
        actor=clerk,
        customer=customer.pk if customer else None,
        lead=lead.pk if lead else None,
        valid_until=fields.pop("valid_until", in_days(30)),
        lines=[{"product": catalogue["lathe"].pk, "quantity": "2", "unit_price": price}],
        **fields,
    )


def approve(clerk, head, quotation):
    quotation_submit(actor=clerk, quotation_id=quotation.pk)
    request = Quotation.objects.get(pk=quotation.pk).approval_request
    approval_decide(actor=head, request_id=request.pk, approve=True)
    quotation.refresh_from_db()
    return quotation


def form_data(**fields):
    data = {
        "valid_until": in_days(30),
        "bid_deadline": "",
        "note": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- list ---------------------------------------------------------------------------------------


@pytest.mark.rule("R27", "R23")
def test_the_list_shows_the_clerks_own_quotations_filtered_by_status_and_search(
    client, clerk, make_user, customer, catalogue
):
    other = make_user("sales_clerk", username="clerk.zhao")
    theirs = quote(other, catalogue, customer=CustomerFactory(owner=other, name="别人的客户"))
    draft = quote(clerk, catalogue, customer=customer)
    lead = lead_create(
        actor=clerk, company="常州潜在客户有限公司", contact_name="周经理", grade="A"
    )
    submitted = quote(clerk, catalogue, lead=lead)
    quotation_submit(actor=clerk, quotation_id=submitted.pk)
    client.force_login(clerk)

    html = client.get("/quotations/").content.decode()
    assert draft.number in html and submitted.number in html
    assert theirs.number not in html and "别人的客户" not in html
    assert "常州潜在客户有限公司" in html and "New quotation" in html

    html = client.get("/quotations/?status=submitted").content.decode()
    assert submitted.number in html and draft.number not in html

    html = client.get("/quotations/?q=华光").content.decode()
    assert draft.number in html and submitted.number not in html


# --- new and edit -------------------------------------------------------------------------------


@pytest.mark.rule("R27", "R5")
def test_a_new_quotation_for_the_preselected_customer_is_saved_as_a_draft(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)
    page = client.get(f"/quotations/new/?customer={customer.pk}")
    assert page.status_code == 200
    assert page.context["form"]["customer"].value() == str(customer.pk)

    response = client.post(
        "/quotations/new/",
        form_data(
            customer=customer.pk,
            note="含安装",
            **{
                "lines-0-product": catalogue["lathe"].pk,
                "lines-0-quantity": "2",
                "lines-0-unit_price": "160,000.00",
                "lines-1-product": catalogue["service"].pk,
                "lines-1-quantity": "1",
            },
        ),
    )

    quotation = Quotation.objects.get()
    assert response.status_code == 302 and response.url == f"/quotations/{quotation.pk}/"
    assert (quotation.customer, quotation.status) == (customer, "draft")
    assert quotation.kind == "quotation"
    assert quotation.gross_amount == Decimal("366900.00")  # 361600.00 + 5300.00 (list price)
    assert quotation.note == "含安装"
    assert quotation.lines.count() == 2


@pytest.mark.rule("R27")
def test_a_lead_is_preselected_and_a_deadline_makes_a_bid(client, clerk, catalogue):
    lead = lead_create(actor=clerk, company="南通招标单位", contact_name="吴工", grade="B")
    client.force_login(clerk)
    assert client.get(f"/quotations/new/?lead={lead.pk}").context["form"]["lead"].value() == str(
        lead.pk
    )

    client.post(
        "/quotations/new/",
        form_data(
            lead=lead.pk,
            valid_until=in_days(40),
            bid_deadline=in_days(20),
            **{"lines-0-product": catalogue["lathe"].pk, "lines-0-quantity": "1"},
        ),
    )

    quotation = Quotation.objects.get()
    assert (quotation.lead, quotation.customer, quotation.kind) == (lead, None, "bid")


@pytest.mark.rule("R27", "R5")
def test_a_price_below_the_floor_is_refused_beside_the_line_and_nothing_is_written(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)

    response = client.post(
        "/quotations/new/",
        form_data(
            customer=customer.pk,
            **{
                "lines-0-product": catalogue["lathe"].pk,
                "lines-0-quantity": "1",
                "lines-0-unit_price": "100000.00",
            },
        ),
    )

    assert response.status_code == 400
    row = response.context["formset"].forms[0]
    assert "unit_price" in row.errors or row.non_field_errors()
    assert not Quotation.objects.exists() and not QuotationLine.objects.exists()


@pytest.mark.rule("R27")
def test_no_party_and_a_past_validity_are_refused_naming_the_fields(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)
    lines = {"lines-0-product": catalogue["lathe"].pk, "lines-0-quantity": "1"}

    response = client.post("/quotations/new/", form_data(**lines))
    assert response.status_code == 400
    assert "Quote either a customer or a lead." in response.content.decode()

    response = client.post(
        "/quotations/new/", form_data(customer=customer.pk, valid_until=in_days(-1), **lines)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["valid_until"] == [
        "The validity date cannot be in the past."
    ]
    assert not Quotation.objects.exists()


@pytest.mark.rule("R27", "R21")
def test_the_author_edits_a_draft_and_only_a_draft(client, clerk, head, customer, catalogue):
    quotation = quote(clerk, catalogue, customer=customer)
    client.force_login(clerk)
    page = client.get(f"/quotations/{quotation.pk}/edit/")
    assert page.status_code == 200
    assert page.context["formset"].forms[0]["product"].value() == catalogue["lathe"].pk

    response = client.post(
        f"/quotations/{quotation.pk}/edit/",
        form_data(
            valid_until=in_days(15),
            **{
                "lines-0-product": catalogue["lathe"].pk,
                "lines-0-quantity": "1",
                "lines-0-unit_price": "150000.00",
            },
        ),
    )

    assert response.status_code == 302
    quotation.refresh_from_db()
    assert quotation.gross_amount == Decimal("169500.00")
    assert quotation.valid_until.isoformat() == in_days(15)

    approve(clerk, head, quotation)
    response = client.get(f"/quotations/{quotation.pk}/edit/", follow=True)
    assert response.redirect_chain[-1][0] == f"/quotations/{quotation.pk}/"
    assert "only in draft" in " ".join(messages_of(response))


# --- detail and buttons -------------------------------------------------------------------------


@pytest.mark.rule("R27", "R21")
def test_the_draft_shows_its_lines_and_the_authors_buttons(client, clerk, customer, catalogue):
    quotation = quote(clerk, catalogue, customer=customer)
    client.force_login(clerk)

    html = client.get(f"/quotations/{quotation.pk}/").content.decode()

    assert quotation.number in html and "无锡华光机床有限公司" in html
    assert "数控车床" in html and "361,600.00" in html
    assert f'action="/quotations/{quotation.pk}/submit/"' in html
    assert f'href="/quotations/{quotation.pk}/edit/"' in html
    assert f'action="/quotations/{quotation.pk}/cancel/"' in html
    assert f'action="/quotations/{quotation.pk}/won/"' not in html
    assert f'href="/quotations/{quotation.pk}/pdf/"' in html


@pytest.mark.rule("R27", "R21")
def test_submit_then_the_head_approves_then_won_and_to_order(
    client, clerk, head, customer, catalogue
):
    quotation = quote(clerk, catalogue, customer=customer)
    client.force_login(clerk)

    response = client.post(f"/quotations/{quotation.pk}/submit/", follow=True)
    assert "submitted for approval" in " ".join(messages_of(response))
    quotation.refresh_from_db()
    assert quotation.status == "submitted"
    html = response.content.decode()
    assert f'action="/quotations/{quotation.pk}/cancel/"' in html
    assert f'href="/quotations/{quotation.pk}/edit/"' not in html

    client.force_login(head)
    html = client.get(f"/quotations/{quotation.pk}/").content.decode()
    assert "Approve or reject" in html
    approval_decide(actor=head, request_id=quotation.approval_request.pk, approve=True)

    client.force_login(clerk)
    html = client.get(f"/quotations/{quotation.pk}/").content.decode()
    assert f'action="/quotations/{quotation.pk}/won/"' in html
    assert f'action="/quotations/{quotation.pk}/lost/"' in html
    assert "head.zhao" in html  # the decision in the approval panel

    response = client.post(f"/quotations/{quotation.pk}/won/", follow=True)
    assert "won" in " ".join(messages_of(response))
    html = response.content.decode()
    assert f'action="/quotations/{quotation.pk}/to-order/"' in html
    assert 'name="tax_id"' not in html  # a customer's quotation: no conversion

    response = client.post(f"/quotations/{quotation.pk}/to-order/")
    order = Order.objects.get()
    assert response.status_code == 302 and response.url == f"/orders/{order.pk}/"
    assert (order.status, order.customer, order.gross_amount) == (
        "draft",
        customer,
        Decimal("361600.00"),
    )
    html = client.get(f"/orders/{order.pk}/").content.decode()
    assert f'href="/quotations/{quotation.pk}/"' in html and quotation.number in html
    html = client.get(f"/quotations/{quotation.pk}/").content.decode()
    assert f'href="/orders/{order.pk}/"' in html
    assert f'action="/quotations/{quotation.pk}/to-order/"' not in html

    # A second time: refused, said, nothing written.
    response = client.post(f"/quotations/{quotation.pk}/to-order/", follow=True)
    assert "already order" in " ".join(messages_of(response))
    assert Order.objects.count() == 1


@pytest.mark.rule("R27")
def test_lost_needs_a_reason_and_then_records_it(client, clerk, head, customer, catalogue):
    quotation = approve(clerk, head, quote(clerk, catalogue, customer=customer))
    client.force_login(clerk)

    response = client.post(f"/quotations/{quotation.pk}/lost/", {"reason": "  "}, follow=True)
    assert "Say why the quotation was lost." in " ".join(messages_of(response))
    quotation.refresh_from_db()
    assert quotation.status == "approved" and quotation.outcome_reason == ""

    response = client.post(
        f"/quotations/{quotation.pk}/lost/", {"reason": "价格高于竞争对手"}, follow=True
    )
    assert "lost" in " ".join(messages_of(response))
    quotation.refresh_from_db()
    assert (quotation.status, quotation.outcome_reason) == ("lost", "价格高于竞争对手")
    assert "价格高于竞争对手" in response.content.decode()


@pytest.mark.rule("R27", "R21")
def test_refusals_of_the_buttons_are_shown_and_change_nothing(
    client, clerk, make_user, customer, catalogue
):
    quotation = quote(clerk, catalogue, customer=customer)
    client.force_login(clerk)

    response = client.post(f"/quotations/{quotation.pk}/won/", follow=True)
    assert "cannot be won" in " ".join(messages_of(response))
    quotation.refresh_from_db()
    assert quotation.status == "draft"

    manager = make_user("sales_manager", username="manager.wu")  # sees it, did not write it
    client.force_login(manager)
    response = client.post(f"/quotations/{quotation.pk}/submit/", follow=True)
    assert "Only the salesperson" in " ".join(messages_of(response))
    quotation.refresh_from_db()
    assert quotation.status == "draft"


@pytest.mark.rule("R27")
def test_cancel_a_submitted_quotation_withdraws_it(client, clerk, customer, catalogue):
    quotation = quote(clerk, catalogue, customer=customer)
    quotation_submit(actor=clerk, quotation_id=quotation.pk)
    client.force_login(clerk)

    response = client.post(f"/quotations/{quotation.pk}/cancel/", follow=True)

    assert "cancelled" in " ".join(messages_of(response))
    quotation.refresh_from_db()
    assert quotation.status == "cancelled"
    assert quotation.approval_request.status == "withdrawn"


@pytest.mark.rule("R27", "R26")
def test_a_won_lead_quotation_asks_the_tax_id_and_converts_the_lead(client, clerk, head, catalogue):
    lead = lead_create(actor=clerk, company="扬州新客户有限公司", contact_name="钱总", grade="A")
    quotation = approve(clerk, head, quote(clerk, catalogue, lead=lead))
    quotation_won(actor=clerk, quotation_id=quotation.pk)
    client.force_login(clerk)
    assert 'name="tax_id"' in client.get(f"/quotations/{quotation.pk}/").content.decode()

    response = client.post(
        f"/quotations/{quotation.pk}/to-order/", {"tax_id": "91320000MA1YZ0XX9Q"}
    )

    customer = Customer.objects.get(name="扬州新客户有限公司")
    order = Order.objects.get()
    assert response.url == f"/orders/{order.pk}/"
    assert (customer.tax_id, order.customer) == ("91320000MA1YZ0XX9Q", customer)


# --- R23, PDF, approval view, links -------------------------------------------------------------


@pytest.mark.rule("R23", "R27")
def test_another_clerk_gets_404_on_every_page_of_the_quotation(
    client, clerk, make_user, customer, catalogue
):
    quotation = quote(clerk, catalogue, customer=customer)
    client.force_login(make_user("sales_clerk", username="clerk.zhao"))

    for suffix in ("", "edit/", "pdf/"):
        assert client.get(f"/quotations/{quotation.pk}/{suffix}").status_code == 404
    for action in ("submit", "cancel", "won", "lost", "to-order"):
        assert client.post(f"/quotations/{quotation.pk}/{action}/").status_code == 404
    quotation.refresh_from_db()
    assert quotation.status == "draft"


@pytest.mark.rule("R27")
def test_the_pdf_is_a_chinese_quotation_with_its_number(client, clerk, customer, catalogue):
    quotation = quote(clerk, catalogue, customer=customer)
    bid = quote(clerk, catalogue, customer=customer, bid_deadline=in_days(10))
    client.force_login(clerk)

    response = client.get(f"/quotations/{quotation.pk}/pdf/")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert quotation.number in text and "无锡华光机床有限公司" in text
    assert "报" in text and "价" in text and "投" not in text
    assert "361,600.00" in text
    text = pdf_text(client.get(f"/quotations/{bid.pk}/pdf/").content)
    assert bid.number in text and "投" in text


@pytest.mark.rule("R27", "R21")
def test_the_approval_page_shows_the_quotation_and_links_its_pdf(
    client, clerk, head, customer, catalogue
):
    quotation = quote(clerk, catalogue, customer=customer)
    quotation_submit(actor=clerk, quotation_id=quotation.pk)
    request = Quotation.objects.get(pk=quotation.pk).approval_request
    client.force_login(head)

    html = client.get(f"/approvals/{request.pk}/").content.decode()

    assert quotation.number in html and "无锡华光机床有限公司" in html
    assert "数控车床" in html and "Quotation total" in html
    assert f"/quotations/{quotation.pk}/pdf/" in html


@pytest.mark.rule("R27")
def test_customer_and_lead_pages_link_a_new_quotation(client, clerk, customer):
    lead = lead_create(actor=clerk, company="泰州潜在客户", contact_name="孙经理", grade="C")
    client.force_login(clerk)

    assert f'href="/quotations/new/?customer={customer.pk}"' in (
        client.get(f"/customers/{customer.pk}/").content.decode()
    )
    assert f'href="/quotations/new/?lead={lead.pk}"' in (
        client.get(f"/leads/{lead.pk}/").content.decode()
    )


def test_the_live_totals_of_the_quotation_form_say_quotation_total(client, clerk, catalogue):
    client.force_login(clerk)
    form = client.get("/quotations/new/").content.decode()
    assert "Quotation total" in form and "Order total" not in form

    lines = {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": str(catalogue["lathe"].pk),
        "lines-0-quantity": "1",
        "lines-0-unit_price": "160000.00",
    }
    quoted = client.post("/orders/totals/", {**lines, "totals_for": "quotation"})
    ordered = client.post("/orders/totals/", lines)

    assert "Quotation total" in quoted.content.decode()
    assert "180,800.00" in quoted.content.decode()
    assert "Order total" in ordered.content.decode()
