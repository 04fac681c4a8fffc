"""Exports are safe from formula injection (issue 16, item 6): a text that a spreadsheet would
run as a formula — a customer named "=HYPERLINK(…)" — reaches the XLSX as a text cell and the
CSV with a leading apostrophe; numbers, negative amounts included, are untouched."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.spreadsheets import Column, Kind, csv_bytes, csv_safe, workbook_bytes
from core.tabular import table_response

HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+1+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_text_is_neutralised_in_csv(text):
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["-1,234.50", "+86 21 5555 0000".replace(" ", ""), "华东机械", ""])
def test_numbers_and_plain_text_are_unchanged(text):
    assert csv_safe(text) == text


def test_the_xlsx_keeps_hostile_text_as_text():
    columns = [Column(label="客户", key="name"), Column(label="余额", key="b", kind=Kind.BALANCE)]
    content = workbook_bytes(
        title="customers", columns=columns, rows=[[HOSTILE[0], Decimal("-5.00")]], totals=False
    )

    sheet = load_workbook(io.BytesIO(content)).active
    name, balance = sheet["A2"], sheet["B2"]
    assert (name.data_type, name.value) == ("s", HOSTILE[0])
    assert balance.value == -5


def test_the_csv_exports_prefix_formula_text():
    columns = [Column(label="客户", key="name"), Column(label="余额", key="b", kind=Kind.BALANCE)]
    content = csv_bytes(columns=columns, rows=[[HOSTILE[0], Decimal("-5.00")]])

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1] == ["'" + HOSTILE[0], "-5.00"]


def test_the_import_export_csv_prefixes_formula_text():
    response = table_response(
        filename="customers", headers=["name", "limit"], rows=[[HOSTILE[3], "-100.00"]], fmt="csv"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1] == ["'" + HOSTILE[3], "-100.00"]
