"""CSV and XLSX files read for import (tablib, the library under django-import-export), and the
API's field-named export that an import reads back unchanged.

CSV is written as UTF-8 with a byte-order mark so that Excel on a Chinese Windows opens it
correctly, and read as UTF-8 or, failing that, GB18030 (what such an Excel saves). The pages'
exports for people (translated headers, numbers, totals) are `core.spreadsheets`.
"""

from collections.abc import Sequence

import tablib
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from core.spreadsheets import Column, workbook_bytes

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_response(*, filename: str, headers: Sequence[str], rows: Sequence[Sequence], fmt: str):
    if fmt not in FORMATS:
        raise InvalidInput(errors={"file_format": [_("Choose csv or xlsx.")]})
    if fmt == "csv":
        data = tablib.Dataset(*[tuple(r) for r in rows], headers=list(headers))
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
