"""core.spreadsheets: the one writer of every export (issue 11 item 2), read back with openpyxl."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from core.errors import InvalidInput
from core.spreadsheets import (
    Column,
    Kind,
    Sheet,
    csv_bytes,
    display_width,
    export_response,
    keyed_rows,
    sheet_title,
    workbook_bytes,
    workbook_of,
)
from sales.models import RiskLevel

COLUMNS = [
    Column("编号", key="number"),
    Column("金额", Kind.AMOUNT, key="amount"),
    Column("数量", Kind.QUANTITY),
    Column("税率", Kind.RATE),
    Column("日期", Kind.DATE),
    Column("提交时间", Kind.DATETIME),
    Column("天数", Kind.INTEGER),
]
ROWS = [
    ["A-1", Decimal("503630.00"), Decimal("2.000"), Decimal("0.1300"), date(2026, 1, 5), None, 30],
    [
        "某某精密机械制造有限公司的一份很长的编号",
        Decimal("1000.50"),
        Decimal("1.500"),
        Decimal("0.0600"),
        None,
        datetime(2026, 1, 5, 16, 30, tzinfo=UTC),
        0,
    ],
]


def _sheet(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def test_a_sheet_has_its_name_a_frozen_bold_header_and_an_autofilter():
    sheet = _sheet(workbook_bytes(title="合同台帐", columns=COLUMNS, rows=ROWS))

    assert sheet.title == "合同台帐"
    assert [c.value for c in sheet[1]] == [c.label for c in COLUMNS]
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"  # header and rows; the totals row stays visible


def test_numbers_are_numbers_with_their_format_and_dates_are_dates():
    sheet = _sheet(workbook_bytes(title="x", columns=COLUMNS, rows=ROWS))

    amount, quantity, tax_rate, day, days = (sheet[f"{c}2"] for c in "BCDEG")
    assert amount.data_type == "n" and amount.value == 503630
    assert amount.number_format == "#,##0.00"
    assert quantity.data_type == "n" and quantity.number_format == "#,##0.000"
    assert tax_rate.value == pytest.approx(0.13) and tax_rate.number_format == "0.00%"
    assert day.is_date and day.value.date() == date(2026, 1, 5)
    assert day.number_format == "yyyy-mm-dd"
    assert days.value == 30 and days.data_type == "n"


def test_datetimes_are_written_in_the_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    sheet = _sheet(workbook_bytes(title="x", columns=COLUMNS, rows=ROWS))

    assert sheet["F3"].value == datetime(2026, 1, 6, 0, 30)  # 16:30 UTC is 00:30 in Shanghai
    assert sheet["F3"].number_format == "yyyy-mm-dd hh:mm"


def test_the_totals_row_sums_the_amount_and_quantity_columns_only():
    with translation.override("zh-hans"):
        sheet = _sheet(workbook_bytes(title="x", columns=COLUMNS, rows=ROWS))

    totals = [c.value for c in sheet[4]]
    assert totals[0] == "合计"
    assert totals[1] == pytest.approx(504630.50)
    assert totals[2] == pytest.approx(3.5)
    assert totals[3:] == [None, None, None, None]
    assert sheet["B4"].number_format == "#,##0.00" and sheet["B4"].font.bold


def test_no_totals_row_when_no_column_is_summed():
    columns = [Column("a"), Column("b", Kind.DATE)]
    sheet = _sheet(workbook_bytes(title="x", columns=columns, rows=[["x", None]]))

    assert sheet.max_row == 2


def test_column_widths_fit_the_content_counting_chinese_characters_double():
    sheet = _sheet(workbook_bytes(title="x", columns=COLUMNS, rows=ROWS))

    long_text = display_width("某某精密机械制造有限公司的一份很长的编号")
    assert long_text == 40
    assert sheet.column_dimensions["A"].width == long_text + 2
    assert sheet.column_dimensions["B"].width == len("504,630.50") + 2
    assert all(sheet.column_dimensions[c].width >= 6 for c in "ABCDEFG")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("合同台帐", "合同台帐"),
        ("a/b:c*d?e[f]g\\h", "a b c d e f g h"),
        ("杭州之江自动化有限公司" * 4, ("杭州之江自动化有限公司" * 4)[:31]),
        ("", "Sheet1"),
    ],
)
def test_sheet_titles_are_ones_excel_accepts(title, expected):
    assert sheet_title(title) == expected
    workbook_bytes(title=title, columns=[Column("a")], rows=[])  # openpyxl accepts it


def test_csv_is_utf8_with_a_bom_and_plain_values():
    text = csv_bytes(columns=COLUMNS, rows=ROWS).decode("utf-8")

    assert text.startswith("\ufeff编号,金额,")
    assert "A-1,503630.00,2.000,0.1300,2026-01-05,,30" in text


def test_an_unknown_format_is_refused():
    with pytest.raises(InvalidInput):
        export_response("pdf", Sheet("x", "x", COLUMNS, ROWS))


def test_a_text_that_looks_like_a_formula_stays_text():
    rows = [['=HYPERLINK("http://evil","点击")', Decimal("1.00"), None, None, None, None, 1]]

    sheet = _sheet(workbook_bytes(title="x", columns=COLUMNS, rows=rows))

    assert sheet["A2"].value == '=HYPERLINK("http://evil","点击")'
    assert sheet["A2"].data_type == "s"  # Excel shows it, never runs it


def test_several_sheets_are_one_workbook_with_unique_names_and_their_own_totals():
    sheets = [
        Sheet("报价", "funnel", COLUMNS, ROWS),
        Sheet("报价", "funnel", COLUMNS, ROWS, totals=False),
    ]

    response = export_response("xlsx", sheets)
    book = openpyxl.load_workbook(io.BytesIO(response.content))

    assert response["Content-Disposition"] == 'attachment; filename="funnel.xlsx"'
    assert book.sheetnames == ["报价", "报价 (2)"]
    assert book["报价"].max_row == 4 and book["报价 (2)"].max_row == 3  # no totals row
    assert workbook_of(sheets)[:2] == b"PK"
    with pytest.raises(InvalidInput) as refused:
        export_response("csv", sheets)
    assert list(refused.value.errors) == ["file_format"]


def test_an_edited_export_reads_back_by_field_name_and_code_in_either_language():
    columns = [
        Column(translation.gettext_lazy("code"), key="code"),
        Column(translation.gettext_lazy("risk level"), key="risk_level", choices=RiskLevel),
        Column(translation.gettext_lazy("credit limit"), Kind.AMOUNT, key="credit_limit"),
    ]
    rows = [
        {"编码": "C1", "风险等级": "高", "信用额度": "100"},
        {"Code": "C2", "Risk level": "Low", "credit_limit": "5"},
        {"编码": "合计", "风险等级": "", "信用额度": "105"},
    ]

    assert keyed_rows(rows, columns) == [
        {"code": "C1", "risk_level": "high", "credit_limit": "100"},
        {"code": "C2", "risk_level": "low", "credit_limit": "5"},
    ]
