"""Spreadsheet exports of the contract list, the contract ledger 合同台帐 and one customer's
ledger (issue 11 item 2), read back with openpyxl."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from tests.contracts.conftest import make_order
from tests.contracts.test_pages import _active
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _sheet(response):
    assert response.status_code == 200, response.content[:500]
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def _rows(sheet):
    return list(sheet.iter_rows(values_only=True))


def _column(sheet, header):
    return [c.value for c in sheet[1]].index(header)


@pytest.fixture
def contracts(clerk, customer, catalogue, manager, gm, head, finance):
    clerk.first_name = "李丽"
    clerk.save()
    return [
        _active(
            clerk,
            make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm),
            head,
            finance,
        )
        for _ in range(2)
    ]


@pytest.fixture
def others_contract(make_user, catalogue, manager, gm, head, finance):
    other = make_user("sales_clerk", username="clerk.zhang")
    theirs = CustomerFactory(owner=other, credit_limit=Decimal("10000000.00"))
    order = make_order(clerk=other, customer=theirs, catalogue=catalogue, manager=manager, gm=gm)
    return _active(other, order, head, finance)


@pytest.mark.rule("R23")
def test_the_ledger_export_in_chinese_is_a_named_sheet_of_numbers_with_a_totals_row(
    client, clerk, contracts, others_contract
):
    client.force_login(clerk)

    sheet = _sheet(client.get("/contracts/ledger/", {"export": "xlsx"}, **ZH))

    rows = _rows(sheet)
    assert sheet.title == "合同台帐"
    assert rows[0][:7] == ("编号", "状态", "客户编码", "客户", "业务员", "合同申报单", "签订日期")
    assert {r[0] for r in rows[1:-1]} == {c.number for c in contracts}  # not the other clerk's
    assert {r[1] for r in rows[1:-1]} == {"生效"}
    assert {r[4] for r in rows[1:-1]} == {"李丽"}
    contracted = _column(sheet, "合同金额")
    cell = sheet.cell(row=2, column=contracted + 1)
    assert cell.data_type == "n" and cell.value == pytest.approx(368490.00)
    assert cell.number_format == "#,##0.00"
    assert rows[-1][0] == "合计" and rows[-1][contracted] == pytest.approx(2 * 368490.00)
    assert sheet.cell(row=2, column=_column(sheet, "回款比例") + 1).number_format == "0.00%"
    assert rows[1][_column(sheet, "首付款已到账")] == "否"
    signed = sheet.cell(row=2, column=7)
    assert signed.is_date and signed.number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")


def test_the_ledger_export_honours_the_list_filters(client, finance, contracts, others_contract):
    client.force_login(finance)  # finance sees every customer's contracts

    everything = _rows(_sheet(client.get("/contracts/ledger/", {"export": "xlsx"}, **EN)))
    filtered = _sheet(
        client.get("/contracts/ledger/", {"export": "xlsx", "salesperson": "clerk.zhang"}, **EN)
    )

    assert len(everything) == 1 + 3 + 1
    assert filtered.title == "Contract ledger"
    assert [r[0] for r in _rows(filtered)[1:]] == [others_contract.number, "Total"]
    assert _rows(filtered)[0][:3] == ("Number", "Status", "Customer code")


def test_the_ledger_export_queries_do_not_grow_with_contracts(
    client, finance, contracts, others_contract, django_assert_max_num_queries
):
    client.force_login(finance)

    with django_assert_max_num_queries(6):
        sheet = _sheet(client.get("/contracts/ledger/", {"export": "xlsx"}))

    assert len(_rows(sheet)) == 5


def test_one_customers_ledger_exports_under_the_customers_name(
    client, clerk, customer, contracts, others_contract
):
    client.force_login(clerk)

    sheet = _sheet(client.get(f"/contracts/ledger/customer/{customer.pk}/", {"export": "xlsx"}))

    assert sheet.title == customer.name[:31]
    assert {r[0] for r in _rows(sheet)[1:-1]} == {c.number for c in contracts}


@pytest.mark.rule("R23")
def test_another_clerks_customer_ledger_is_not_exported(client, clerk, others_contract):
    client.force_login(clerk)

    response = client.get(
        f"/contracts/ledger/customer/{others_contract.customer_id}/", {"export": "xlsx"}
    )

    assert response.status_code == 404


def test_the_contract_list_exports_terms_and_amounts(client, clerk, contracts, others_contract):
    client.force_login(clerk)

    sheet = _sheet(client.get("/contracts/", {"export": "xlsx", "status": "active"}, **ZH))

    rows = _rows(sheet)
    assert sheet.title == "合同"
    assert {r[0] for r in rows[1:-1]} == {c.number for c in contracts}
    gross = _column(sheet, "价税合计")
    assert rows[-1][gross] == pytest.approx(float(sum(c.gross_amount for c in contracts)))
    assert rows[1][_column(sheet, "首付款比例")] == pytest.approx(0.4)
    assert rows[1][_column(sheet, "信用天数")] == 45
    assert rows[1][_column(sheet, "签订日期")].date() <= date.today()


def test_an_unknown_export_format_is_400(client, clerk):
    client.force_login(clerk)

    assert client.get("/contracts/ledger/", {"export": "pdf"}).status_code == 400
