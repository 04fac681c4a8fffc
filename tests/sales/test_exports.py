"""Spreadsheet exports of the customer, product and order lists (issue 11 item 2), read back
with openpyxl: named sheet, headers in the user's language, labels not codes, numbers as
numbers, a totals row, the list's filters and R23."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sales.models import Customer, OrderStatus, RiskLevel
from tests.contracts import conftest as contract_fixtures
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

catalogue = contract_fixtures.catalogue  # the contracts' catalogue fixture, shared
make_order = contract_fixtures.make_order

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _book(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def _rows(sheet):
    return list(sheet.iter_rows(values_only=True))


def _column(sheet, header):
    return [c.value for c in sheet[1]].index(header)


@pytest.fixture
def named_clerk(clerk):
    clerk.first_name = "李丽"
    clerk.save()
    return clerk


@pytest.mark.rule("R23")
def test_customer_export_in_chinese_has_labels_numbers_totals_and_only_the_clerks_customers(
    client, named_clerk, make_user
):
    CustomerFactory(
        owner=named_clerk,
        code="C1",
        name="杭州之江自动化有限公司",
        credit_limit=Decimal("2000000.00"),
        risk_level=RiskLevel.LOW,
    )
    CustomerFactory(owner=named_clerk, code="C2", credit_limit=Decimal("503630.00"))
    CustomerFactory(owner=make_user("sales_clerk"), code="C9", name="别人的客户")
    client.force_login(named_clerk)

    sheet = _book(client.get("/customers/export/", {"file_format": "xlsx"}, **ZH))

    rows = _rows(sheet)
    assert sheet.title == "客户"
    assert rows[0][:2] == ("编码", "名称")
    assert [r[0] for r in rows[1:]] == ["C1", "C2", "合计"]
    assert rows[1][_column(sheet, "风险等级")] == "低"
    assert rows[1][_column(sheet, "负责人")] == "李丽"
    assert rows[1][_column(sheet, "启用")] == "是"
    limit = sheet.cell(row=2, column=_column(sheet, "信用额度") + 1)
    assert limit.data_type == "n" and limit.value == 2000000
    assert limit.number_format == "#,##0.00"
    assert rows[3][_column(sheet, "信用额度")] == pytest.approx(2503630.00)
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 2 * len("杭州之江自动化有限公司")


def test_customer_export_honours_the_list_filters_and_speaks_english(client, clerk):
    CustomerFactory(owner=clerk, code="C1", risk_level=RiskLevel.LOW)
    CustomerFactory(owner=clerk, code="C2", risk_level=RiskLevel.HIGH)
    client.force_login(clerk)

    sheet = _book(
        client.get("/customers/export/", {"file_format": "xlsx", "risk_level": "high"}, **EN)
    )

    rows = _rows(sheet)
    assert sheet.title == "Customers"
    assert rows[0][:3] == ("Code", "Name", "Tax id")
    assert [r[0] for r in rows[1:]] == ["C2", "Total"]
    assert rows[1][_column(sheet, "Risk level")] == "High"


@pytest.mark.rule("R25")
def test_a_chinese_export_edited_in_excel_imports_back(client, named_clerk):
    CustomerFactory(owner=named_clerk, code="C1", name="甲", risk_level=RiskLevel.MEDIUM)
    client.force_login(named_clerk)
    exported = client.get("/customers/export/", {"file_format": "xlsx"}, **ZH).content
    book = openpyxl.load_workbook(io.BytesIO(exported))
    book.active["B2"] = "甲（改名）"
    buffer = io.BytesIO()
    book.save(buffer)

    response = client.post(
        "/customers/import/", {"file": SimpleUploadedFile("c.xlsx", buffer.getvalue())}, **ZH
    )

    assert response.status_code == 302, response.context and response.context["row_errors"]
    customer = Customer.objects.get(code="C1")
    assert customer.name == "甲（改名）"
    assert customer.owner == named_clerk and customer.risk_level == RiskLevel.MEDIUM
    assert Customer.objects.count() == 1  # the totals row is not a customer


def test_product_export_has_the_tax_rate_as_a_percentage(client, clerk):
    ProductFactory(code="P-1", name="数控车床", tax_rate=Decimal("0.1300"))
    ProductFactory(code="P-2", name="安装调试服务", tax_rate=Decimal("0.0600"))
    client.force_login(clerk)

    sheet = _book(client.get("/products/export/", {"file_format": "xlsx", "q": "P-1"}, **ZH))

    assert sheet.title == "产品"
    rate = sheet.cell(row=2, column=_column(sheet, "税率") + 1)
    assert rate.value == pytest.approx(0.13) and rate.number_format == "0.00%"
    assert [r[0] for r in _rows(sheet)[1:]] == ["P-1"]  # no amount column, no totals row


@pytest.mark.rule("R23")
def test_order_export_sums_the_filtered_orders_of_the_clerks_customers(
    client,
    named_clerk,
    make_user,
    manager,
    gm,
    catalogue,
):
    mine = CustomerFactory(owner=named_clerk, credit_limit=Decimal("10000000.00"))
    other_clerk = make_user("sales_clerk")
    theirs = CustomerFactory(owner=other_clerk, credit_limit=Decimal("10000000.00"))
    approved = [
        make_order(clerk=named_clerk, customer=mine, catalogue=catalogue, manager=manager, gm=gm)
        for _ in range(2)
    ]
    make_order(clerk=named_clerk, customer=mine, catalogue=catalogue, approve=False)
    make_order(clerk=other_clerk, customer=theirs, catalogue=catalogue, approve=False)
    client.force_login(named_clerk)

    sheet = _book(client.get("/orders/", {"export": "xlsx", "status": "approved"}, **ZH))

    rows = _rows(sheet)
    assert sheet.title == "合同申报单"
    assert {r[0] for r in rows[1:-1]} == {o.number for o in approved}
    status, salesperson = _column(sheet, "状态"), _column(sheet, "业务员")
    assert {r[status] for r in rows[1:-1]} == {str(OrderStatus.APPROVED.label)} == {"已通过"}
    assert {r[salesperson] for r in rows[1:-1]} == {"李丽"}
    gross = _column(sheet, "价税合计")
    assert rows[-1][0] == "合计"
    assert rows[-1][gross] == pytest.approx(float(sum(o.gross_amount for o in approved)))
    cell = sheet.cell(row=2, column=gross + 1)
    assert cell.data_type == "n" and cell.number_format == "#,##0.00"
    ratio = sheet.cell(row=2, column=_column(sheet, "首付款比例") + 1)
    assert ratio.value == pytest.approx(0.4) and ratio.number_format == "0.00%"
    assert sheet.cell(row=2, column=_column(sheet, "创建时间") + 1).is_date


def test_order_export_queries_do_not_grow_with_orders(
    client,
    clerk,
    manager,
    gm,
    catalogue,
    django_assert_max_num_queries,
):
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("10000000.00"))
    client.force_login(clerk)
    make_order(clerk=clerk, customer=customer, catalogue=catalogue, approve=False)
    with django_assert_max_num_queries(8) as one:
        client.get("/orders/", {"export": "xlsx"})
    for _ in range(4):
        make_order(clerk=clerk, customer=customer, catalogue=catalogue, approve=False)

    with django_assert_max_num_queries(len(one.captured_queries)):
        sheet = _book(client.get("/orders/", {"export": "xlsx"}))
    assert len(_rows(sheet)) == 1 + 5 + 1


def test_the_order_list_links_its_export_with_the_current_filters(client, clerk):
    client.force_login(clerk)

    body = client.get("/orders/", {"status": "approved"}).content.decode()

    assert 'href="?status=approved&amp;export=xlsx"' in body
