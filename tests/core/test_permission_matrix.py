"""The permission matrix (issue 16 item 2, R23): every GET page and REST read × every role,
anonymous and a clerk who owns nothing answers as docs/permissions.md says; and that clerk's
lists, searches and exports show none of the seeded documents (asserted on the content)."""

import io
import os

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from contracts.models import Contract
from finance.models import CommissionSlip, Invoice, Receipt
from inventory.models import ProductionNotice, ServiceDispatch, ShippingNotice
from sales.models import Customer, Lead, Order, Quotation
from tests.core import permission_matrix as matrix
from tests.core.query_budgets_seed import seed
from tests.core.test_query_budgets import ENDPOINTS, PAGES, _Last, _routes, _url
from tests.factories import UserFactory

# Answers of the outsider that are 200 and may name a seeded document, with the reason.
SHOWS_SHARED_DATA: dict[str, str] = {}


def _markers() -> set[str]:
    """Strings that name a seeded document of the clerk's customers."""
    found = set()
    for customer in Customer.objects.all():
        found |= {customer.name, customer.code}
    found |= set(Lead.objects.values_list("company", flat=True))
    for model in (
        Order,
        Quotation,
        Contract,
        ProductionNotice,
        ShippingNotice,
        ServiceDispatch,
        Invoice,
        Receipt,
        CommissionSlip,
    ):
        found |= {n for n in model.objects.values_list("number", flat=True) if n}
    return found


def _text(response) -> str:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return body.decode("utf-8", "replace")


def _close(response) -> None:
    """Close a FileResponse's file (the scan) without closing the test's database connection,
    as Django's test client does around its own requests."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _answer(response) -> str:
    if response.status_code == 302:
        login = reverse(settings.LOGIN_URL)
        if response["Location"].startswith(login) or "/admin/login/" in response["Location"]:
            return "login"
    return str(response.status_code)


def _clients(books):
    pages, api = {}, {}
    for principal in matrix.PRINCIPALS:
        page_client, api_client = Client(), APIClient()
        user = books.users.get(principal)
        if user is not None:
            page_client.force_login(user)
            token, _ = Token.objects.get_or_create(user=user)
            api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        pages[principal], api[principal] = page_client, api_client
    return pages, api


def _targets(books):
    """(key, url) of every row of the matrix."""
    routes = {key: route for key, route, _pattern in _routes()}
    table = {
        **{k: v[2] for k, v in PAGES.items()},
        **{k: v[2] for k, v in ENDPOINTS.items()},
        **matrix.EXTRA,
        **matrix.SEARCHES,
    }
    for key, arguments in table.items():
        values = {
            name: kind[1:] if kind.startswith("=") else books.last(kind)
            for name, kind in arguments.items()
        }
        query = "?" + key.split("?", 1)[1].format_map(_Last(books)) if "?" in key else ""
        yield key, _url(routes[key.split("?")[0]], values) + query
    yield matrix.ADMIN, "/admin/"


@pytest.mark.rule("R23")
@pytest.mark.django_db
def test_every_principal_gets_the_answer_in_the_permission_matrix():
    books = seed(1)
    books.users[matrix.OUTSIDER] = UserFactory(username="matrix.outsider", roles=("sales_clerk",))
    notice = ShippingNotice.objects.get(pk=books.last("shipping_notice"))
    notice.signed_scan.save("signed.pdf", ContentFile(b"%PDF-1.4 signed copy"), save=True)
    markers = _markers()
    pages, api = _clients(books)
    answers, leaks = {}, []
    for key, url in _targets(books):
        row = answers[key] = {}
        for principal in matrix.PRINCIPALS:
            client = (api if key.startswith("api:") else pages)[principal]
            response = client.get(url)
            row[principal] = _answer(response)
            if principal == matrix.OUTSIDER and response.status_code == 200:
                text = _text(response)
                named = sorted(m for m in markers if m in text)
                if named and key not in SHOWS_SHARED_DATA:
                    leaks.append(f"{key} ({url}) names {named[:3]}")
            if response.streaming:
                _close(response)

    if os.environ.get(matrix.WRITE):
        matrix.TABLE.write_text(matrix.render(answers), encoding="utf-8")
        matrix.write_readme_summary(answers)
    expected = matrix.expected()
    differences = [
        f"{key} as {p}: {answers.get(key, {}).get(p)} (table: {expected.get(key, {}).get(p)})"
        for key in sorted(set(answers) | set(expected))
        for p in matrix.PRINCIPALS
        if answers.get(key, {}).get(p) != expected.get(key, {}).get(p)
    ]
    assert differences == [], "\n".join(differences)
    assert matrix.readme_summary() == matrix.summary(answers), "README: run --write"
    # R23: the clerk who owns nothing sees no seeded document in any list, search or export.
    assert leaks == [], "\n".join(leaks)


@pytest.mark.django_db
def test_only_the_gm_gets_the_warehouse_form(client, make_user):
    """DESIGN §2: warehouses are maintained by the GM; another role's GET and POST answer 403
    and write nothing (the matrix's warehouse-create / warehouse-edit rows)."""
    from inventory.models import Warehouse

    client.force_login(make_user("security"))

    assert client.get("/warehouses/new/").status_code == 403
    assert client.post("/warehouses/new/", {"code": "W1", "name": "库"}).status_code == 403
    assert not Warehouse.objects.exists()
