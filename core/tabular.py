"""CSV and XLSX files read for import (tablib, the library under django-import-export), and the
API's field-named export that an import reads back unchanged.

`file_cells` reads an upload by its content, not its name (a zip is an XLSX workbook, its
first sheet; text in UTF-8 — with or without a byte-order mark — or GB18030/GBK is CSV, its
delimiter sniffed), as (row number as the spreadsheet shows it, cells); the bank statement and
lead imports read through it. Anything else, an empty file or one above IMPORT_MAX_BYTES is a
400 naming `file`.

CSV is written as UTF-8 with a byte-order mark so that Excel on a Chinese Windows opens it
correctly, and read as UTF-8 or, failing that, GB18030 (what such an Excel saves). The pages'
exports for people (translated headers, numbers, totals) are `core.spreadsheets`.
"""

import csv
import datetime
import io
import unicodedata
from collections.abc import Sequence

import tablib
from django.conf import settings
from django.forms import Field
from django.http import HttpResponse
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.spreadsheets import Column, csv_safe, workbook_bytes

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_response(*, filename: str, headers: Sequence[str], rows: Sequence[Sequence], fmt: str):
    if fmt not in FORMATS:
        raise InvalidInput(errors={"file_format": [_("Choose csv or xlsx.")]})
    if fmt == "csv":
        data = tablib.Dataset(
            *[tuple(csv_safe(v) for v in r) for r in rows], headers=[csv_safe(h) for h in headers]
        )
        content = ("\ufeff" + data.export("csv")).encode("utf-8")
    else:
        # A named sheet, frozen header and fitted widths; the values stay as given.
        columns = [Column(label=h, key=h) for h in headers]
        content = workbook_bytes(title=filename, columns=columns, rows=rows, totals=False)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def table_rows(upload) -> list[dict[str, str]]:
    """The rows of an uploaded CSV or XLSX file as dicts keyed by the header row."""
    name = (getattr(upload, "name", "") or "").lower()
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise InvalidInput(errors={"file": [_("The file is too large.")]})
    raw = upload.read()
    try:
        if name.endswith(".xlsx"):
            data = tablib.Dataset().load(raw, format="xlsx")
        elif name.endswith(".csv"):
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            data = tablib.Dataset().load(text, format="csv")
        else:
            raise InvalidInput(errors={"file": [_("Upload a .csv or .xlsx file.")]})
    except InvalidInput:
        raise
    except Exception as exc:  # tablib raises many kinds on a damaged file
        raise InvalidInput(errors={"file": [_("The file cannot be read.")]}) from exc
    if not data.headers:
        raise InvalidInput(errors={"file": [_("The file has no header row.")]})
    headers = [str(h or "").strip() for h in data.headers]
    return [
        {h: ("" if v is None else str(v)) for h, v in zip(headers, row, strict=False) if h}
        for row in data
    ]


# -- reading a file by its content -------------------------------------------------------------


def _file_error(message) -> InvalidInput:
    return InvalidInput(errors={"file": [message]})


def _xlsx_rows(raw: bytes, max_rows: int) -> list[tuple[int, list]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign zip
        raise _file_error(_("The file is not a readable XLSX workbook.")) from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            rows.append((number, list(values)))
            if len(rows) > max_rows:
                break
        return rows
    except Exception as exc:
        raise _file_error(_("The file is not a readable XLSX workbook.")) from exc
    finally:
        book.close()


def _csv_rows(raw: bytes, max_rows: int) -> list[tuple[int, list]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # GBK and its superset, what a Chinese Excel writes
        except UnicodeDecodeError as exc:
            raise _file_error(_("Upload a CSV or XLSX file.")) from exc
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
        raise _file_error(_("Upload a CSV or XLSX file."))  # binary content, whatever its name
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = []
    try:
        for number, values in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
            rows.append((number, values))
            if len(rows) > max_rows:
                break
    except csv.Error as exc:
        raise _file_error(_("The file is not a readable CSV file.")) from exc
    return rows


def file_cells(upload, *, max_rows: int) -> list[tuple[int, list]]:
    """(row number, cells) of the uploaded file, by its content: a zip is an XLSX workbook (its
    first sheet), text is CSV. Reads at most `max_rows` + 1 rows, so the caller can tell a file
    that holds too many."""
    if upload is None:
        raise InvalidInput(errors={"file": [Field.default_error_messages["required"]]})
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise _file_error(_("The file is too large."))
    raw = upload.read()
    if not raw.strip():
        raise _file_error(_("The file is empty."))
    if raw.startswith(b"PK\x03\x04"):
        return _xlsx_rows(raw, max_rows)
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(_("This is an old Excel (.xls) file: save it as .xlsx and upload it."))
    return _csv_rows(raw, max_rows)


def cell_text(value) -> str:
    """A cell as text: a whole number typed in Excel without its ".0" (a phone, a reference, a
    compact date), a date cell as its date."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()
