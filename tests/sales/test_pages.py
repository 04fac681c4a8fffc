"""Browser pages for customers and products (server-side; the real-browser journey is in
tests/browser)."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sales.models import Customer, Product
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, clerk):
    client.force_login(clerk)
    return client


@pytest.mark.rule("R1")
def test_clerk_creates_a_customer_through_the_form_with_r1_defaults(browser, clerk):
    response = browser.post(
        "/customers/new/",
        {
            "name": "上海华东机械有限公司",
            "code": "",
            "tax_id": "91310000MA1FL0XX1A",
            "contact_name": "张伟",
            "phone": "021-55501234",
            "email": "",
            "address": "",
            "is_active": "on",
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "0",
            "contacts-0-name": "王芳",
            "contacts-0-title": "采购经理",
            "contacts-0-phone": "",
            "contacts-0-email": "",
        },
    )

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert (customer.owner, customer.credit_limit, customer.risk_level) == (
        clerk,
        Decimal("0.00"),
        "high",
    )
    assert list(customer.contacts.values_list("name", flat=True)) == ["王芳"]


def test_form_errors_are_shown_beside_the_fields_and_nothing_is_written(browser):
    response = browser.post(
        "/customers/new/",
        {
            "name": "",
            "tax_id": "abc",
            "email": "x",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert {"name", "tax_id", "email"} <= set(form.errors)
    assert b'id="id_tax_id_error"' in response.content
    assert not Customer.objects.exists()


@pytest.mark.rule("R2")
def test_a_form_post_carrying_credit_fields_is_refused(browser, clerk):
    customer = CustomerFactory(owner=clerk, name="原名")

    response = browser.post(
        f"/customers/{customer.pk}/edit/",
        {
            "name": "新名",
            "code": customer.code,
            "credit_limit": "500000",
            "is_active": "on",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 400
    assert "credit change request" in " ".join(response.context["form"].non_field_errors())
    customer.refresh_from_db()
    assert (customer.name, customer.credit_limit) == ("原名", Decimal("0.00"))


def test_the_edit_form_has_no_credit_inputs(browser, clerk):
    customer = CustomerFactory(owner=clerk)

    html = browser.get(f"/customers/{customer.pk}/edit/").content.decode()

    for name in ("credit_limit", "credit_days", "risk_level"):
        assert f'name="{name}"' not in html


@pytest.mark.rule("R23")
def test_clerk_does_not_see_another_clerks_customer(browser, make_user):
    other = CustomerFactory(owner=make_user("sales_clerk"), name="别人的客户")

    assert browser.get(f"/customers/{other.pk}/").status_code == 404
    assert browser.get(f"/customers/{other.pk}/edit/").status_code == 404
    assert "别人的客户" not in browser.get("/customers/").content.decode()


def test_list_searches_and_paginates(browser, clerk):
    CustomerFactory(owner=clerk, name="上海华东机械有限公司")
    CustomerFactory.create_batch(30, owner=clerk)

    found = browser.get("/customers/", {"q": "华东"})
    first = browser.get("/customers/")
    second = browser.get("/customers/", {"page": 2})

    assert [c.name for c in found.context["page_obj"]] == ["上海华东机械有限公司"]
    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 6
    assert 'rel="next"' in first.content.decode()


def test_customer_list_page_query_count_is_bounded(browser, clerk, django_assert_max_num_queries):
    CustomerFactory.create_batch(25, owner=clerk)

    with django_assert_max_num_queries(8):
        browser.get("/customers/")


@pytest.mark.rule("R4")
def test_detail_shows_the_credit_panel(browser, clerk):
    customer = CustomerFactory(owner=clerk)

    response = browser.get(f"/customers/{customer.pk}/")

    assert response.context["credit"]["available"] == Decimal("0.00")
    assert "credit change request" in response.content.decode()


def test_export_csv_has_a_bom_and_the_visible_customers(browser, clerk, make_user):
    CustomerFactory(owner=clerk, name="我的客户", code="C1")
    CustomerFactory(owner=make_user("sales_clerk"), name="别人的客户")

    response = browser.get("/customers/export/", {"file_format": "csv"})

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffCode,Name,")
    assert "我的客户" in text and "别人的客户" not in text


def test_export_xlsx_opens_in_a_spreadsheet(browser, clerk):
    CustomerFactory(owner=clerk, name="我的客户")

    response = browser.get("/customers/export/", {"file_format": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("Code", "Name")
    assert rows[1][1] == "我的客户"


def test_export_with_an_unknown_format_is_refused_with_400(browser):
    assert browser.get("/customers/export/", {"file_format": "pdf"}).status_code == 400


def test_import_csv_in_gb18030_creates_customers(browser, clerk):
    data = "code,name,tax_id\n,杭州之江自动化有限公司,\n".encode("gb18030")

    response = browser.post(
        "/customers/import/", {"file": SimpleUploadedFile("c.csv", data, "text/csv")}
    )

    assert response.status_code == 302
    assert Customer.objects.get().name == "杭州之江自动化有限公司"


def test_import_xlsx_round_trips_an_export(browser, clerk):
    CustomerFactory(owner=clerk, name="甲", code="C1")
    exported = browser.get("/customers/export/", {"file_format": "xlsx"}).content
    book = openpyxl.load_workbook(io.BytesIO(exported))
    book.active["B2"] = "甲（改名）"
    buffer = io.BytesIO()
    book.save(buffer)

    response = browser.post(
        "/customers/import/",
        {"file": SimpleUploadedFile("c.xlsx", buffer.getvalue())},
    )

    assert response.status_code == 302
    assert Customer.objects.get(code="C1").name == "甲（改名）"


@pytest.mark.rule("R25")
def test_import_with_errors_lists_them_by_row_and_writes_nothing(browser):
    data = "name,tax_id\n好的,\n坏的,abc\n".encode()

    response = browser.post("/customers/import/", {"file": SimpleUploadedFile("c.csv", data)})

    assert response.status_code == 400
    assert "row 3: tax_id" in response.context["row_errors"]
    assert not Customer.objects.exists()


def test_import_refuses_other_file_types(browser):
    response = browser.post(
        "/customers/import/", {"file": SimpleUploadedFile("c.pdf", b"%PDF-1.4")}
    )

    assert response.status_code == 400
    assert "file" in response.context["form"].errors


def test_products_page_lists_and_gm_creates(client, gm):
    ProductFactory(name="数控车床")
    client.force_login(gm)

    assert "数控车床" in client.get("/products/").content.decode()
    response = client.post(
        "/products/new/",
        {"code": "P-9", "name": "液压站", "unit": "套", "tax_rate": "13%", "is_active": "on"},
    )
    assert response.status_code == 302
    assert Product.objects.get(code="P-9").tax_rate == Decimal("0.1300")  # typed as 13%


def test_clerk_is_refused_the_product_form_and_import(browser):
    """DESIGN §2: products are maintained by the GM; the forms answer 403 to others (issue 16,
    the permission matrix), not a form that fails on save."""
    response = browser.post(
        "/products/new/", {"code": "P-9", "name": "液压站", "unit": "套", "tax_rate": "13"}
    )

    assert response.status_code == 403
    assert not Product.objects.exists()
    assert browser.get("/products/new/").status_code == 403
    assert browser.get("/products/import/").status_code == 403


@pytest.mark.rule("R23")
def test_home_page_shows_the_clerks_own_customers(browser, clerk, make_user):
    CustomerFactory.create_batch(2, owner=clerk)
    CustomerFactory(owner=make_user("sales_clerk"))

    response = browser.get("/")

    card = response.context["cards"][0]
    assert (str(card["title"]), card["count"]) == ("My customers", 2)


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/customers/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
