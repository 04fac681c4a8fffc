"""Spreadsheets people open: every list's XLSX (and CSV) export is written here (issue 11 item 2).

A list describes its columns once — a translated label and a kind — and hands over plain
Python values; this module gives the sheet a name in the user's language, translated headers,
numbers as numbers with a number format (amounts `#,##0.00`, quantities `#,##0.000`, rates
`0.00%`), dates as dates, datetimes in TIME_ZONE, a totals row over the amount and quantity
columns, a frozen header with an autofilter and column widths fitted to the content (a CJK
character counts double). openpyxl writes the file (tablib, kept for imports, names every sheet
"Tablib Dataset" and writes what it is given as text).

The same column specs read an edited export back: `keyed_rows` maps translated headers and
choice labels to the field names and codes the import services expect.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.db.models import Choices
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.errors import InvalidInput

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    AMOUNT = "amount"
    BALANCE = "balance"  # an amount that is not summed: a running or closing balance
    QUANTITY = "quantity"
    RATE = "rate"
    DATE = "date"
    DATETIME = "datetime"


NUMBER_FORMATS = {
    Kind.INTEGER: "0",
    Kind.AMOUNT: "#,##0.00",
    Kind.BALANCE: "#,##0.00",
    Kind.QUANTITY: "#,##0.000",
    Kind.RATE: "0.00%",
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
}
SUMMED = (Kind.AMOUNT, Kind.QUANTITY)
MIN_WIDTH, MAX_WIDTH = 6, 60
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """One column: its header (a lazy translation), what its values are, and — for columns an
    import reads back — the field name and the choices whose labels stand for codes."""

    label: str
    kind: Kind = Kind.TEXT
    key: str = ""
    choices: type[Choices] | None = None

    @property
    def summed(self) -> bool:
        return self.kind in SUMMED


def field_column(model, name: str, kind: Kind = Kind.TEXT, *, choices=None, label=None) -> Column:
    """A column headed by a model field's verbose name (capitalised, in the user's language)."""
    field = model._meta.get_field(name)
    return Column(label=capfirst(label or field.verbose_name), kind=kind, key=name, choices=choices)


def person(user) -> str:
    """A person as people name them: the full name, else the username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def sheet_title(title: str) -> str:
    """A title Excel accepts: none of []:*?/\\, not quoted, at most 31 characters."""
    cleaned = SHEET_TITLE_FORBIDDEN.sub(" ", str(title)).strip().strip("'").strip()
    return cleaned[:31] or "Sheet1"


def display_width(text: str) -> int:
    """Columns a text takes in Excel's default font: wide (CJK) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# A text cell starting with one of these is a formula to Excel, LibreOffice and WPS (CSV
# injection, OWASP): a customer named "=HYPERLINK(…)" must reach the sheet as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_NUMBER = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?$")  # "-1,234.50": a number, not a formula


def csv_safe(value):
    """`value` for a CSV cell: a text that a spreadsheet would run as a formula gets a leading
    apostrophe (shown as text, not computed); numbers, dates and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def _cell_value(kind: Kind, value):
    if value is None or value == "":
        return None
    if kind == Kind.DATETIME and isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if kind in (Kind.AMOUNT, Kind.BALANCE, Kind.QUANTITY, Kind.RATE) and not isinstance(
        value, Decimal
    ):
        return Decimal(str(value))
    return value


def _shown(kind: Kind, value) -> str:
    """Roughly what Excel shows for a value, to fit the column's width to it."""
    if value is None:
        return ""
    if kind in (Kind.AMOUNT, Kind.BALANCE):
        return f"{value:,.2f}"
    if kind == Kind.QUANTITY:
        return f"{value:,.3f}"
    if kind == Kind.RATE:
        return f"{value * 100:.2f}%"
    if kind == Kind.DATE:
        return "yyyy-mm-dd"
    if kind == Kind.DATETIME:
        return "yyyy-mm-dd hh:mm"
    return str(value)


def column_totals(columns: Sequence[Column], rows: Iterable[Sequence]) -> list[Decimal | None]:
    """Σ of each amount and quantity column over `rows` (None for the other columns)."""
    totals: list[Decimal | None] = [Decimal("0") if c.summed else None for c in columns]
    for row in rows:
        for i, column in enumerate(columns):
            if column.summed and row[i] not in (None, ""):
                totals[i] += Decimal(str(row[i]))
    return totals


def _text_stays_text(cell) -> None:
    """Formula injection: a text that begins with "=" (a company named "=HYPERLINK(…)", a typed
    reason) is kept as text in the file, never written as a formula Excel would run."""
    if cell.data_type == "f":
        cell.data_type = "s"


def _fill_sheet(
    sheet, *, title: str, columns: Sequence[Column], rows: Sequence[Sequence], totals: bool
) -> None:
    sheet.title = sheet_title(title)
    headers = [str(c.label) for c in columns]
    sheet.append(headers)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        _text_stays_text(cell)
    widths = [display_width(h) for h in headers]
    for row in rows:
        values = [_cell_value(c.kind, v) for c, v in zip(columns, row, strict=True)]
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            _text_stays_text(cell)
        for i, (column, value) in enumerate(zip(columns, values, strict=True)):
            widths[i] = max(widths[i], display_width(_shown(column.kind, value)))
    last_data_row = sheet.max_row
    if totals and any(c.summed for c in columns):
        sums = column_totals(columns, rows)
        label_at = next((i for i, c in enumerate(columns) if not c.summed), None)
        line = list(sums)
        if label_at is not None:
            line[label_at] = _("Total")
        sheet.append(line)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for i, (column, value) in enumerate(zip(columns, sums, strict=True)):
            if value is not None:
                widths[i] = max(widths[i], display_width(_shown(column.kind, value)))
    for i, column in enumerate(columns):
        fmt = NUMBER_FORMATS.get(column.kind)
        letter = get_column_letter(i + 1)
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                cell.number_format = fmt
        sheet.column_dimensions[letter].width = min(max(widths[i] + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_data_row}"


def workbook_bytes(
    *, title: str, columns: Sequence[Column], rows: Sequence[Sequence], totals: bool = True
) -> bytes:
    """The XLSX file of one sheet named `title`: header, rows, and (if any column is summed
    and `totals`) a bold 合计/Total row of the sums."""
    book = Workbook()
    _fill_sheet(book.active, title=title, columns=columns, rows=rows, totals=totals)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_of(sheets: Sequence["Sheet"]) -> bytes:
    """The XLSX file of several sheets (a report's tables), in order, each as `workbook_bytes`
    writes one; sheet names made unique."""
    book = Workbook()
    used: set[str] = set()
    for index, sheet in enumerate(sheets):
        target = book.active if index == 0 else book.create_sheet()
        title, n = sheet_title(sheet.title), 2
        while title.casefold() in used:
            title = sheet_title(f"{sheet.title[:27]} ({n})")
            n += 1
        used.add(title.casefold())
        _fill_sheet(
            target, title=title, columns=sheet.columns, rows=sheet.rows, totals=sheet.totals
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(*, columns: Sequence[Column], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark (Excel on a Chinese Windows), plain values: decimals as
    written, dates ISO, datetimes in TIME_ZONE."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(str(c.label)) for c in columns])
    for row in rows:
        line = []
        for column, value in zip(columns, row, strict=True):
            value = _cell_value(column.kind, value)
            if value is None:
                line.append("")
            elif isinstance(value, datetime):
                line.append(value.strftime("%Y-%m-%d %H:%M"))
            elif isinstance(value, date):
                line.append(value.isoformat())
            elif isinstance(value, str):
                line.append(csv_safe(value))
            else:
                line.append(str(value))
        writer.writerow(line)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(
    *,
    title: str,
    filename: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence],
    totals: bool = True,
) -> HttpResponse:
    content = workbook_bytes(title=title, columns=columns, rows=rows, totals=totals)
    return _attachment(content, XLSX_CONTENT_TYPE, f"{filename}.xlsx")


@dataclass(frozen=True)
class Sheet:
    """What a list's export selector returns: the sheet's (translated) name, an ASCII file
    name without extension, the columns and the rows of plain values."""

    title: str
    filename: str
    columns: Sequence[Column]
    rows: Sequence[Sequence]
    totals: bool = True  # False where the rows carry their own totals (a report's tables)


def export_response(fmt: str, sheet: Sheet | Sequence[Sheet]) -> HttpResponse:
    """The list's export as `fmt` ("xlsx" or "csv"); any other format is a 400. Several sheets
    (a report's tables) are one XLSX workbook, named after the first; they have no CSV."""
    if not isinstance(sheet, Sheet):
        if fmt != "xlsx":
            raise InvalidInput(errors={"file_format": [_("Choose xlsx.")]})
        return _attachment(workbook_of(sheet), XLSX_CONTENT_TYPE, f"{sheet[0].filename}.xlsx")
    if fmt == "xlsx":
        return xlsx_response(
            title=sheet.title,
            filename=sheet.filename,
            columns=sheet.columns,
            rows=sheet.rows,
            totals=sheet.totals,
        )
    if fmt == "csv":
        content = csv_bytes(columns=sheet.columns, rows=sheet.rows)
        return _attachment(content, CSV_CONTENT_TYPE, f"{sheet.filename}.csv")
    raise InvalidInput(errors={"file_format": [_("Choose csv or xlsx.")]})


def _labels_in_every_language(text) -> set[str]:
    labels = {str(text)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels.add(str(text) if isinstance(text, Promise) else _(text))
    return labels


def _is_totals_row(row: Mapping[str, str], header_keys, summed, total_labels) -> bool:
    """The 合计/Total row an export ends with: the label, sums, and nothing else."""
    values = [str(v or "").strip() for v in row.values()]
    if not any(v in total_labels for v in values):
        return False
    return all(
        v == "" or v in total_labels or header_keys.get(str(h).strip().casefold(), h) in summed
        for h, v in zip(row.keys(), values, strict=True)
    )


def keyed_rows(
    rows: Sequence[Mapping[str, str]], columns: Sequence[Column]
) -> list[dict[str, str]]:
    """Rows of an uploaded file with the headers of an export (in any of the site's languages,
    ignoring case) renamed to the columns' keys and choice labels turned back into codes,
    without the export's totals row; headers that are already field names, and unknown ones,
    are kept as they are."""
    header_keys: dict[str, str] = {}
    choice_codes: dict[str, dict[str, str]] = {}
    for column in columns:
        if not column.key:
            continue
        for label in _labels_in_every_language(column.label):
            header_keys.setdefault(label.strip().casefold(), column.key)
        if column.choices is not None:
            codes = choice_codes.setdefault(column.key, {})
            for value, label in column.choices.choices:
                for text in _labels_in_every_language(label):
                    codes[text] = value
    total_labels = _labels_in_every_language(gettext_noop("Total"))
    summed = {c.key for c in columns if c.summed}
    result = []
    for row in rows:
        if _is_totals_row(row, header_keys, summed, total_labels):
            continue
        keyed = {}
        for header, value in row.items():
            key = header_keys.get(str(header).strip().casefold(), header)
            if key in choice_codes and value in choice_codes[key]:
                value = choice_codes[key][value]
            keyed[key] = value
        result.append(keyed)
    return result
