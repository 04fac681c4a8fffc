"""What the schema-driven fuzzing found (issue 16 item 1), each kept as a plain API test: the
request is sent in-process and its answer checked against the OpenAPI schema with the fuzzer's
checks (no 5xx, a declared status and content type, the declared shape) and API.md's error body.
"""

import pytest
from django.utils import timezone

from approvals.models import Decision
from finance.models import CommissionSlip, Invoice
from inventory.models import ProductionNotice, ServiceDispatch, ShippingNotice
from sales.models import Lead, Quotation
from tests.api_fuzz.support import CHECKS, error_body_problem, raw_schema, token_header


def call(api_schema, user, method, path, *, expect, **case):
    """`method path` (a path of the schema, `{id}` and all) as `user`, checked like the fuzzer
    checks; the answer's status must be `expect`."""
    made = api_schema[path][method].Case(**case)
    headers = token_header(user)
    response = made.call(headers=headers)
    made.validate_response(response, checks=CHECKS, headers=headers)
    assert error_body_problem(response) is None
    assert response.status_code == expect, response.text[:500]
    return response


# Found: timestamps and dates a document gets only later (submitted, approved, issued, paid, …)
# were null in drafts while the schema called them always a date: declared nullable now.
@pytest.mark.parametrize(
    "path, role, model, null",
    [
        ("/api/v1/production-notices/", "general_manager", ProductionNotice, "completed_at"),
        ("/api/v1/shipping-notices/", "general_manager", ShippingNotice, "exited_at"),
        ("/api/v1/service-dispatches/", "general_manager", ServiceDispatch, "completed_at"),
        ("/api/v1/invoices/", "finance", Invoice, "fapiao_date"),
        ("/api/v1/commission-slips/", "finance", CommissionSlip, "paid_on"),
        ("/api/v1/quotations/", "general_manager", Quotation, "submitted_at"),
    ],
)
def test_lists_with_unfinished_documents_answer_what_the_schema_says(
    api_schema, books, path, role, model, null
):
    assert model.objects.filter(**{null: None}).exists()  # the nulls are there

    call(api_schema, books.users[role], "GET", path, expect=200, query={"page_size": 200})


# Found: a decision taken for oneself has `on_behalf_of: null`; the schema said a string.
def test_an_approval_decided_in_person_matches_the_schema(api_schema, books):
    decision = Decision.objects.filter(on_behalf_of=None).select_related("request").first()

    response = call(
        api_schema,
        books.users["general_manager"],
        "GET",
        "/api/v1/approvals/{id}/",
        path_parameters={"id": decision.request_id},
        expect=200,
    )

    assert None in [d["on_behalf_of"] for d in response.json()["decisions"]]


# Found: `POST commission-slips/` was documented with the slip's own shape (every read-only
# field) and read `salesperson` past its serializer; the body is now exactly
# {"salesperson","period"}, and anything else is a 400 naming it.
def test_a_commission_slip_body_is_exact(api_schema, books):
    request = raw_schema()["paths"]["/api/v1/commission-slips/"]["post"]["requestBody"]
    ref = request["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(raw_schema()["components"]["schemas"][ref]["properties"]) == {
        "salesperson",
        "period",
    }

    response = call(
        api_schema,
        books.users["finance"],
        "POST",
        "/api/v1/commission-slips/",
        body={"salesperson": "budget.sales_clerk", "period": "2026-01", "status": "paid"},
        media_type="application/json",
        expect=400,
    )

    assert response.json()["errors"] == {"status": ["Unknown field."]}


# Found: exports answered text/csv and XLSX while the schema said application/octet-stream.
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_exports_answer_a_declared_content_type(api_schema, books, file_format):
    call(
        api_schema,
        books.users["general_manager"],
        "GET",
        "/api/v1/customers/export/",
        query={"file_format": file_format},
        expect=200,
    )


# Found: a lead's contacts are a plain list (the schema said a page), a contact logged and a
# lead converted answer 201 (the schema said 200).
def test_a_leads_contacts_and_conversion_answer_what_the_schema_says(api_schema, books):
    clerk = books.users["sales_clerk"]
    lead = Lead.objects.filter(owner=clerk, status="open").first()
    path = {"id": lead.pk}

    call(api_schema, clerk, "GET", "/api/v1/leads/{id}/contacts/", path_parameters=path, expect=200)
    call(
        api_schema,
        clerk,
        "POST",
        "/api/v1/leads/{id}/contacts/",
        path_parameters=path,
        body={"contacted_at": timezone.now().isoformat(), "channel": "phone", "note": "回访"},
        media_type="application/json",
        expect=201,
    )
    call(
        api_schema,
        clerk,
        "POST",
        "/api/v1/leads/{id}/convert/",
        path_parameters=path,
        body={},
        media_type="application/json",
        expect=201,
    )


# Found: a period in the URL that is no month is a 400, which the schema did not declare.
def test_a_malformed_period_in_the_url_is_a_declared_400(api_schema, books):
    call(
        api_schema,
        books.users["finance"],
        "POST",
        "/api/v1/periods/{period}/close/",
        path_parameters={"period": "7547-02"},
        expect=400,
    )


# Found: a body the parsers cannot read as its declared media type (a broken multipart body)
# is DRF's 415, which the schema did not declare.
def test_an_unreadable_body_is_a_declared_415(api_schema, books):
    call(
        api_schema,
        books.users["finance"],
        "POST",
        "/api/v1/receipts/{id}/allocate/",
        path_parameters={"id": books.objects["receipt"][0]},
        body="lines",
        media_type="text/plain",
        expect=415,
    )


# Found (long run, SQLite): a number filter's value beyond a 64-bit integer
# (`?customer=99999999999999999999`) was a 500 (the driver's OverflowError); now a 400 naming it.
@pytest.mark.rule("R25")
@pytest.mark.parametrize("value", ["99999999999999999999", "-8.879800949960882e+307"])
def test_a_number_filter_beyond_what_the_database_compares_is_a_400(api_schema, books, value):
    response = call(
        api_schema,
        books.users["general_manager"],
        "GET",
        "/api/v1/orders/",
        query={"customer": value},
        expect=400,
    )

    assert list(response.json()["errors"]) == ["customer"]


# Found (SQLite): `GET stock/?product=99999999999999999999` was a 500 the same way.
def test_a_stock_filter_beyond_a_64_bit_id_is_a_400(api_schema, books):
    response = call(
        api_schema,
        books.users["warehouse"],
        "GET",
        "/api/v1/stock/",
        query={"product": "99999999999999999999"},
        expect=400,
    )

    assert list(response.json()["errors"]) == ["product"]


# Found (long run): `?as_of=0130-10-02` answered `"as_of": "130-10-02"` (strftime's %Y does not
# pad the year), which is no date; dates are written by isoformat() now.
def test_a_date_before_year_1000_is_written_as_a_date(api_schema, books):
    response = call(
        api_schema,
        books.users["general_manager"],
        "GET",
        "/api/v1/reports/aging/",
        query={"as_of": "0130-10-02"},
        expect=200,
    )

    assert response.json()["as_of"] == "0130-10-02"
