"""The statement of account 对账单 (issue 12 item 8; API.md `customers/{id}/statement/`): the
opening balance, the customer's signed deliveries (gross) and posted interest as debits, its
receipts as credits — a reversed receipt nowhere, the advance applied at a delivery no line —
each with its running balance, the closing balance; a page reached from the customer's page,
and a Chinese PDF the customer signs and returns. R23: a clerk reads only their own
customers' statements."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from finance import selectors
from finance.selectors import StatementSource, register_statement_source
from finance.services import journal_post, receipt_create, receipt_reverse
from tests.factories import CustomerFactory
from tests.finance.conftest import deliver

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
LATHE = Decimal("180800.00")  # one lathe delivered, gross


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def _receipt(finance, customer, amount, day, allocations=()):
    return receipt_create(
        actor=finance,
        customer_id=customer.pk,
        amount=Decimal(amount),
        method="bank_transfer",
        received_on=day,
        allocations=list(allocations),
    )


def _interest(finance, contract, amount, day):
    """Interest posted as the month-end run posts it (another part builds that run)."""
    with transaction.atomic():
        return journal_post(
            actor=finance,
            date=day,
            memo="逾期利息",
            source_type="interest",
            source_id=contract.pk,
            source_number=f"LX-{day:%Y%m}-{contract.pk}",
            lines=[("1122", Decimal(amount), 0), ("6603", 0, Decimal(amount))],
            contract_id=contract.pk,
            customer_id=contract.customer_id,
        )


@pytest.fixture
def history(finance, clerk, manager, keeper, guard, contract, lathe_line, warehouse, customer):
    """45 days ago 50,000 received in advance; 40 days ago a lathe delivered (the advance
    applied to it); 10 days ago 30,000 received; 5 days ago 1,000 received and then reversed;
    today 100.00 interest posted."""
    advance = _receipt(
        finance, customer, "50000.00", days_ago(45), [{"contract": contract.pk, "amount": "50000"}]
    )
    notice = deliver(
        contract=contract,
        line=lathe_line,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        warehouse=warehouse,
        days_ago=40,
    )
    second = _receipt(finance, customer, "30000.00", days_ago(10))
    wrong = _receipt(finance, customer, "1000.00", days_ago(5))
    receipt_reverse(actor=finance, receipt_id=wrong.pk, reason="录入错误")
    interest = _interest(finance, contract, "100.00", TODAY())
    return {
        "advance": advance,
        "notice": notice,
        "second": second,
        "wrong": wrong,
        "interest": interest,
    }


def _url(customer, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/customers/{customer.pk}/statement/" + (f"?{query}" if query else "")


def test_the_statement_opens_with_what_came_before_and_runs_to_the_closing_balance(
    api, finance, customer, history, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):  # auth, roles, customer, one or two per source
        response = api.as_user(finance).get(
            _url(customer, **{"from": days_ago(30).isoformat(), "to": TODAY().isoformat()})
        )

    assert response.status_code == 200
    body = response.json()
    assert body["customer"] == customer.pk
    assert (body["from"], body["to"]) == (days_ago(30).isoformat(), TODAY().isoformat())
    # before the period: the delivered lathe less the advance paid for it
    assert body["opening_balance"] == "130800.00"
    assert body["lines"] == [
        {
            "date": days_ago(10).isoformat(),
            "kind": "receipt",
            "document": history["second"].number,
            "debit": "0.00",
            "credit": "30000.00",
            "balance": "100800.00",
        },
        {
            "date": TODAY().isoformat(),
            "kind": "interest",
            "document": history["interest"].source_number,
            "debit": "100.00",
            "credit": "0.00",
            "balance": "100900.00",
        },
    ]
    assert body["closing_balance"] == "100900.00"


def test_deliveries_are_debited_gross_receipts_credited_and_a_reversed_receipt_counts_nowhere(
    api, finance, customer, history
):
    body = (
        api.as_user(finance)
        .get(_url(customer, **{"from": days_ago(60).isoformat(), "to": TODAY().isoformat()}))
        .json()
    )

    assert body["opening_balance"] == "0.00"
    assert [(x["kind"], x["document"], x["debit"], x["credit"]) for x in body["lines"]] == [
        ("receipt", history["advance"].number, "0.00", "50000.00"),
        ("delivery", history["notice"].number, f"{LATHE}", "0.00"),
        ("receipt", history["second"].number, "0.00", "30000.00"),
        ("interest", history["interest"].source_number, "100.00", "0.00"),
    ]
    assert [x["balance"] for x in body["lines"]] == [
        "-50000.00",  # an advance: the customer has paid before delivery
        "130800.00",
        "100800.00",
        "100900.00",
    ]
    assert history["wrong"].number not in {x["document"] for x in body["lines"]}
    debit = sum(Decimal(x["debit"]) for x in body["lines"])
    credit = sum(Decimal(x["credit"]) for x in body["lines"])
    assert Decimal(body["closing_balance"]) == Decimal(body["opening_balance"]) + debit - credit


def test_a_customer_with_nothing_has_an_empty_statement_of_this_month(api, finance):
    quiet = CustomerFactory()

    body = api.as_user(finance).get(_url(quiet)).json()

    assert body["from"] == TODAY().replace(day=1).isoformat()
    assert body["to"] == TODAY().isoformat()
    assert (body["opening_balance"], body["lines"], body["closing_balance"]) == ("0.00", [], "0.00")


def test_invoices_join_through_the_statement_sources_listed_without_amounts(
    finance, customer, history
):
    """The extension point the invoice model uses: a source of 0/0 lines moves no balance."""

    def invoices(customer_id, start, end):
        yield {
            "date": days_ago(10),
            "kind": "invoice",
            "document": "FP-TEST-1",
            "debit": Decimal("0.00"),
            "credit": Decimal("0.00"),
            "sort": 1,
        }

    saved = list(selectors.STATEMENT_SOURCES)
    try:
        register_statement_source(StatementSource("invoice", invoices, lambda c, d: Decimal(0)))
        statement = selectors.customer_statement(
            user=finance, customer_id=customer.pk, date_from=days_ago(30), date_to=TODAY()
        )
    finally:
        selectors.STATEMENT_SOURCES[:] = saved

    kinds = [(line["kind"], line["balance"]) for line in statement["lines"]]
    # shown before the receipt of the same day, at the balance before it
    assert kinds[:2] == [("invoice", Decimal("130800.00")), ("receipt", Decimal("100800.00"))]
    assert statement["closing_balance"] == Decimal("100900.00")


# --- R23 and refusals -----------------------------------------------------------------------


@pytest.mark.rule("R23")
def test_a_clerk_reads_the_statements_of_their_own_customers_only(api, clerk, make_user, customer):
    other = CustomerFactory()  # owned by another clerk

    assert api.as_user(clerk).get(_url(customer)).status_code == 200
    refused = api.as_user(clerk).get(_url(other))
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert api.as_user(clerk).get(_url(other, format="pdf")).status_code == 404
    for role in ("finance", "general_manager", "finance_vp", "sales_manager"):
        assert api.as_user(make_user(role)).get(_url(other)).status_code == 200
    assert api.as_user(make_user("warehouse")).get(_url(customer)).status_code == 403
    unknown = api.as_user(make_user("finance")).get("/api/v1/customers/999999/statement/")
    assert unknown.status_code == 404


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-03-31", "to": "2025-03-01"}, "to"),
        ({"from": "2025-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(api, finance, customer, params, field):
    response = api.as_user(finance).get(_url(customer, **params))

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_sales_customer_routes_still_answer_beside_the_statement(api, finance, customer):
    client = api.as_user(finance)

    assert client.get(f"/api/v1/customers/{customer.pk}/").json()["id"] == customer.pk
    assert client.get(f"/api/v1/customers/{customer.pk}/credit/").status_code == 200
    assert client.get(_url(customer)).status_code == 200
    assert client.post(_url(customer), {}).status_code == 405


def test_the_schema_describes_the_statement_under_customers(api, finance):
    schema = api.as_user(finance).get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/customers/{customer_id}/statement/"]["get"]
    assert operation["tags"] == ["customers"]
    assert {"application/json", "application/pdf"} <= set(operation["responses"]["200"]["content"])
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "format"}


# --- the PDF and the page -------------------------------------------------------------------


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_holds_the_customer_the_period_and_the_closing_balance(
    api, finance, customer, history
):
    response = api.as_user(finance).get(
        _url(customer, **{"from": days_ago(30).isoformat(), "format": "pdf"})
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert customer.name in text
    assert "100,900.00" in text and "130,800.00" in text  # closing and opening
    assert "对" in text and "账" in text and "单" in text
    assert history["second"].number in text


def test_the_customer_page_links_to_its_statement_of_this_month(client, finance, customer, history):
    client.force_login(finance)

    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    link = f"/statements/customer/{customer.pk}/"
    assert link in detail
    followed = client.get(link, follow=True)

    assert followed.status_code == 200
    page = followed.content.decode()
    assert customer.name in page
    assert 'id="closing-balance">100,900.00<' in page  # this month so far
    assert "format=pdf" in page


@pytest.mark.rule("R23")
def test_the_page_picks_a_customer_by_name_and_refuses_another_clerks(client, clerk, customer):
    other = CustomerFactory()
    client.force_login(clerk)

    by_name = client.get("/statements/", {"customer": customer.name})
    assert by_name.status_code == 200 and 'id="statement-lines"' in by_name.content.decode()
    assert client.get("/statements/", {"customer": other.name}).status_code == 400
    assert client.get("/statements/", {"customer": other.pk}).status_code == 404
    assert client.get(f"/statements/customer/{other.pk}/").status_code == 404


def test_the_page_says_which_date_is_wrong(client, finance, customer):
    client.force_login(finance)

    response = client.get(
        "/statements/",
        {"customer": customer.pk, "date_from": "2025-03-31", "date_to": "2025-03-01"},
    )

    assert response.status_code == 400
    assert 'id="filter-error-date_to"' in response.content.decode()


def test_the_page_downloads_the_pdf(client, finance, customer, history):
    client.force_login(finance)

    response = client.get(
        "/statements/",
        {"customer": customer.pk, "date_from": days_ago(30).isoformat(), "format": "pdf"},
    )

    assert response["Content-Type"] == "application/pdf"
    assert "100,900.00" in text_of(response.content)
