"""Spreadsheet exports of the production notice, goods receipt, shipping notice and service
dispatch lists (issue 11 item 2), read back with openpyxl."""

import io
from decimal import Decimal

import openpyxl
import pytest

from inventory import services
from tests.contracts.conftest import make_order
from tests.factories import CustomerFactory
from tests.inventory.conftest import activate, released_notice

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _sheet(response):
    assert response.status_code == 200, response.content[:500]
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def _rows(sheet):
    return list(sheet.iter_rows(values_only=True))


def _column(sheet, header):
    return [c.value for c in sheet[1]].index(header)


def _shipping_notice(clerk, contract, warehouse, quantity):
    line = contract.lines.get(product__code="P-1001")
    return services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": [{"contract_line": line.pk, "quantity": quantity}],
        },
    )


@pytest.fixture
def others_contract(make_user, catalogue, manager, gm, head, finance):
    other = make_user("sales_clerk", username="clerk.zhang")
    theirs = CustomerFactory(owner=other, credit_limit=Decimal("10000000.00"))
    order = make_order(clerk=other, customer=theirs, catalogue=catalogue, manager=manager, gm=gm)
    return other, activate(clerk=other, order=order, head=head, finance=finance)


@pytest.mark.rule("R23")
def test_shipping_notices_export_a_row_per_line_with_amounts_quantities_and_totals(
    client, clerk, contract, warehouse, others_contract, django_assert_max_num_queries
):
    clerk.first_name = "李丽"
    clerk.save()
    mine = [_shipping_notice(clerk, contract, warehouse, q) for q in ("1", "0.5")]
    other, theirs = others_contract
    _shipping_notice(other, theirs, warehouse, "1")
    client.force_login(clerk)

    with django_assert_max_num_queries(8):
        sheet = _sheet(client.get("/shipping-notices/", {"export": "xlsx"}, **ZH))

    rows = _rows(sheet)
    assert sheet.title == "发货单"
    assert {r[0] for r in rows[1:-1]} == {n.number for n in mine}  # not the other clerk's
    assert {r[_column(sheet, "状态")] for r in rows[1:-1]} == {"草稿"}
    assert {r[_column(sheet, "编制人")] for r in rows[1:-1]} == {"李丽"}
    quantity, gross = _column(sheet, "数量"), _column(sheet, "价税合计")
    assert rows[-1][0] == "合计"
    assert rows[-1][quantity] == pytest.approx(1.5)
    assert rows[-1][gross] == pytest.approx(float(sum(n.gross_amount for n in mine)))
    assert sheet.cell(row=2, column=quantity + 1).number_format == "#,##0.000"
    assert sheet.cell(row=2, column=gross + 1).data_type == "n"
    assert sheet.cell(row=2, column=_column(sheet, "有效期至") + 1).is_date
    assert sheet.freeze_panes == "A2"


def test_the_shipping_export_honours_the_status_filter(client, clerk, contract, warehouse):
    _shipping_notice(clerk, contract, warehouse, "1")
    client.force_login(clerk)

    sheet = _sheet(client.get("/shipping-notices/", {"export": "xlsx", "status": "approved"}))

    assert [r[0] for r in _rows(sheet)[1:]] == ["Total"]  # the draft is filtered out


def test_production_notices_export_their_lines_quantities(
    client, clerk, planner, salesvp, contract, lathe_line
):
    notices = [
        released_notice(planner=planner, salesvp=salesvp, contract=contract, line=lathe_line),
        released_notice(planner=planner, salesvp=salesvp, contract=contract, line=lathe_line),
    ]
    client.force_login(planner)

    sheet = _sheet(client.get("/production-notices/", {"export": "xlsx"}, **ZH))

    rows = _rows(sheet)
    assert sheet.title == "生产通知单"
    assert {r[0] for r in rows[1:-1]} == {n.number for n in notices}
    assert rows[1][_column(sheet, "产品编码")] == "P-1001"
    assert rows[-1][_column(sheet, "数量")] == pytest.approx(2)
    assert sheet.cell(row=2, column=_column(sheet, "交期") + 1).is_date


def test_goods_receipts_export_with_the_quantity_summed(client, catalogue, warehouse, producer, qc):
    for certificate in ("QC-1", "QC-2"):
        services.goods_receipt_record(
            actor=producer,
            data={
                "product": catalogue["lathe"].pk,
                "warehouse": warehouse.pk,
                "quantity": "2.5",
                "qc_certificate_no": certificate,
            },
        )
    client.force_login(qc)

    sheet = _sheet(client.get("/goods-receipts/", {"export": "xlsx", "q": "QC-2"}, **ZH))

    rows = _rows(sheet)
    assert sheet.title == "入库单"
    assert len(rows) == 3
    assert rows[1][_column(sheet, "质检合格证号")] == "QC-2"
    assert rows[-1][_column(sheet, "数量")] == pytest.approx(2.5)


@pytest.mark.rule("R23")
def test_service_dispatches_export_only_the_clerks_and_without_a_totals_row(
    client, clerk, contract, others_contract
):
    services.service_dispatch_create(
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": "2030-01-31", "description": "安装调试"},
    )
    other, theirs = others_contract
    services.service_dispatch_create(
        actor=other,
        data={"contract": theirs.pk, "scheduled_on": "2030-01-31", "description": "培训"},
    )
    client.force_login(clerk)

    sheet = _sheet(client.get("/service-dispatches/", {"export": "xlsx"}, **ZH))

    rows = _rows(sheet)
    assert sheet.title == "接续派工单"
    assert len(rows) == 2
    assert rows[1][_column(sheet, "内容")] == "安装调试"
    assert sheet.cell(row=2, column=_column(sheet, "计划日期") + 1).is_date
