"""Leads imported from a sheet (a trade-show list; issue 15 item 7, R26, R25, R23).

Who: the sales roles that capture leads (`LEAD_ROLES`). A batch is seen and committed by its
importer and by those who see every lead (R23: a clerk never sees another clerk's batch).

Preview (`lead_import_preview`) reads the upload by its content (`core.tabular.file_cells`: an
XLSX workbook's first sheet, or a CSV in UTF-8 or GB18030/GBK), at most IMPORT_MAX_BYTES and
LEAD_IMPORT_MAX_ROWS rows; only a .xlsx or .csv file whose content is what its name says; else
a 400 naming `file`. Row 1 is the header; a column is known by
any of its names in `HEADERS` (case, spaces and underscores ignored, full-width folded): the
English field name or label, or a Chinese header (公司, 联系人, 职位, 电话, 邮箱, 规模, 行业, 来源,
现供应商, 需求, 预算, 决策权, 等级, 等级理由, 负责人 …); other columns are ignored and listed.
Each non-blank row is checked by `sales.services.leads.lead_build`, the same check as
`lead_create` (owner: the importer unless the owner column names a user the importer may give a
lead to); its errors are kept as (row number as the sheet shows it, column header, message).
A valid row whose phone, email or normalised company name (`normalise_company_name`) matches a
lead (open or not), a customer's name (`Customer.name_key`), or an earlier row of the sheet is a
duplicate, kept with what it duplicates. The batch (`LeadImport`) is written with every row;
no lead yet.

Commit (`lead_import_commit`; by the importer, or by who sees every lead — the rows' owner
stays the importer unless the owner column names another) with a decision per duplicate
row — `skip` (the default) or `import` — creates the valid rows' leads, all in one
transaction, and marks the batch committed: a second commit is a 409
`lead_import_committed`. Each row is checked again (an owner may have left meanwhile) and its
duplicates found again: a row that became a duplicate since the preview is skipped (it had
no decision to make). Bad rows are never written. Lock: the batch row.
"""

import re
import unicodedata
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.errors import DomainError, InvalidInput, NotVisible, RuleViolation
from core.permissions import require_role, sees_customer
from core.tabular import cell_text, file_cells
from sales.models import Customer, Lead, LeadGrade, LeadImport, LeadImportStatus, LeadSource
from sales.models.customers import normalise_company_name
from sales.services.leads import LEAD_FIELDS, LEAD_ROLES, lead_build, lead_save_new

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The headers each field is known by, in the order the import page shows them; the English
# field name and the model field's label (in either language) are accepted too.
HEADERS: dict[str, tuple[str, ...]] = {
    "company": ("公司", "公司名称", "企业名称", "单位名称", "company"),
    "contact_name": ("联系人", "姓名", "contact"),
    "position": ("职位", "职务", "title"),
    "phone": ("电话", "手机", "联系电话", "手机号"),
    "email": ("邮箱", "电子邮箱", "e-mail"),
    "size": ("规模", "公司规模"),
    "business": ("行业", "主营业务", "industry"),
    "source": ("来源", "渠道", "来源渠道"),
    "current_supplier": ("现供应商", "当前供应商", "supplier"),
    "need": ("需求",),
    "budget": ("预算", "预算金额"),
    "decision_power": ("决策权",),
    "grade": ("等级", "级别", "分级"),
    "grade_reason": ("等级理由", "分级理由", "理由"),
    "owner": ("负责人", "业务员", "销售"),
}
REQUIRED_COLUMNS = ("company", "contact_name", "grade")
DECISIONS = ("skip", "import")
_BUDGET_NOISE = str.maketrans("", "", ",，¥￥ \u00a0元")
_DIGITS = re.compile(r"\D")


def max_rows() -> int:
    return settings.LEAD_IMPORT_MAX_ROWS


def _header_key(value) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).casefold()
    return re.sub(r"[\s_]+", "", text)


def field_label(name: str) -> str:
    """The field's label (its model field's, capitalised) in the current language."""
    return str(capfirst(Lead._meta.get_field(name).verbose_name))


def _in_every_language(text_of) -> set[str]:
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(str(text_of()))
    return found


def _header_names() -> dict[str, str]:
    """{header key: field} for every accepted header."""
    names: dict[str, str] = {}
    for field, headers in HEADERS.items():
        labels = _in_every_language(lambda field=field: field_label(field))
        for header in (field, *headers, *labels):
            names.setdefault(_header_key(header), field)
    return names


def _choice_codes(choices) -> dict[str, str]:
    """{value as typed (case-folded): code}: the code itself or its label in any language."""
    codes = {}
    for value, label in choices.choices:
        codes[value.casefold()] = value
        for text in _in_every_language(lambda label=label: label):
            codes[_header_key(text)] = value
    return codes


def _require_name_matching_content(upload) -> None:
    """Only a .xlsx or .csv file, and one whose content is what its name says."""
    name = (getattr(upload, "name", "") or "").lower()
    upload.seek(0)
    is_zip = upload.read(4) == b"PK\x03\x04"
    if not name.endswith((".xlsx", ".csv")):
        raise InvalidInput(errors={"file": [_("Upload a CSV or XLSX file.")]})
    if name.endswith(".xlsx") and not is_zip:
        raise InvalidInput(errors={"file": [_("The file is not a readable XLSX workbook.")]})
    if name.endswith(".csv") and is_zip:
        raise InvalidInput(errors={"file": [_("The file is not a readable CSV file.")]})


def _read(upload) -> tuple[dict[str, str], list[str], list[tuple[int, dict[str, str]]]]:
    """({field: header}, ignored headers, [(row number, {field: text})]) of the sheet."""
    limit = max_rows()
    table = file_cells(upload, max_rows=limit + 1)  # the header and the rows
    _require_name_matching_content(upload)
    if not table:
        raise InvalidInput(errors={"file": [_("The file is empty.")]})
    names = _header_names()
    columns: dict[str, str] = {}
    at: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(table[0][1]):
        header = cell_text(cell)
        field = names.get(_header_key(header))
        if field is None or field in columns:
            if header:
                ignored.append(header)
            continue
        columns[field] = header
        at[field] = index
    missing = [f for f in REQUIRED_COLUMNS if f not in columns]
    if missing:
        named = ", ".join(f"{field_label(f)} ({HEADERS[f][0]})" for f in missing)
        raise InvalidInput(
            errors={
                "file": [
                    _("Row 1 must name the columns; missing: %(columns)s.") % {"columns": named}
                ]
            }
        )
    rows = []
    for number, cells in table[1:]:
        values = {
            field: cell_text(cells[index]) if index < len(cells) else ""
            for field, index in at.items()
        }
        if not any(values.values()):
            continue
        if len(rows) == limit:
            raise InvalidInput(
                errors={
                    "file": [
                        _("A sheet holds at most %(count)s leads: split the file.")
                        % {"count": limit}
                    ]
                }
            )
        rows.append((number, values))
    if not rows:
        raise InvalidInput(errors={"file": [_("The sheet has no rows below its header.")]})
    return columns, ignored, rows


def _fields(values: dict[str, str], grades: dict, sources: dict) -> dict:
    fields = {k: v for k, v in values.items() if k in LEAD_FIELDS}
    for name, codes in (("grade", grades), ("source", sources)):
        if fields.get(name):
            fields[name] = codes.get(_header_key(fields[name]), fields[name])
    if not fields.get("source"):
        fields.pop("source", None)  # the model's default
    if fields.get("budget"):
        fields["budget"] = unicodedata.normalize("NFKC", fields["budget"]).translate(_BUDGET_NOISE)
    return fields


def _owner(values: dict, owners: dict, importer):
    """The row's owner: the user its owner column names, else the importer."""
    username = values.get("owner", "")
    return owners.get(username, username) if username else importer


def _check(*, actor, values: dict, owners: dict, grades: dict, sources: dict, now, importer):
    """{field: [message]} of the row, by `lead_build` (empty: the row is a lead)."""
    fields = _fields(values, grades, sources)
    owner = _owner(values, owners, importer)
    try:
        lead_build(actor=actor, owner=owner, now=now, **fields)
    except DomainError as exc:
        errors = dict(exc.errors) or {"owner" if owner else "": [exc.detail]}
        if owner is not None and set(errors) == {"owner"}:
            try:  # the other columns too, all at once
                lead_build(actor=actor, owner=None, now=now, **fields)
            except DomainError as other:
                errors.update(other.errors)
        return errors
    return {}


def _phone_key(phone: str) -> str:
    digits = _DIGITS.sub("", phone or "")
    return digits if len(digits) >= 5 else ""


def _keys(values: dict) -> dict[str, str]:
    return {
        "phone": _phone_key(values.get("phone", "")),
        "email": (values.get("email") or "").strip().casefold(),
        "company": normalise_company_name(values.get("company", "")),
    }


def _find_duplicates(rows: list[dict]) -> None:
    """Set each row's `duplicates`: the leads and customers it matches, and earlier rows of the
    sheet (only rows without errors are compared)."""
    candidates = [r for r in rows if not r["errors"]]
    keys = {r["row"]: _keys(r["values"]) for r in candidates}
    phones = {k["phone"] for k in keys.values()} - {""}
    raw_phones = {r["values"].get("phone", "").strip() for r in candidates} - {""}
    emails = {k["email"] for k in keys.values()} - {""}
    companies = {k["company"] for k in keys.values()} - {""}
    by_key: dict[tuple[str, str], list[dict]] = {}

    def remember(by, key, entry):
        if key:
            by_key.setdefault((by, key), []).append(entry)

    leads = (
        Lead.objects.annotate(email_key=Lower("email")).filter(
            Q(phone__in=phones | raw_phones)
            | Q(email_key__in=emails)
            | Q(company_key__in=companies)
        )
        if candidates
        else []
    )
    for lead in leads:
        entry = {"kind": "lead", "id": lead.pk, "label": f"{lead.company} ({lead.contact_name})"}
        remember("phone", _phone_key(lead.phone), entry)
        remember("email", lead.email_key, entry)
        remember("company", lead.company_key, entry)
    customers = Customer.objects.filter(name_key__in=companies).only("code", "name", "name_key")
    for customer in customers if companies else []:
        entry = {"kind": "customer", "id": customer.pk, "label": f"{customer.code} {customer.name}"}
        remember("company", customer.name_key, entry)
    for row in candidates:
        found, seen = [], set()
        for by, key in keys[row["row"]].items():
            for entry in by_key.get((by, key), []):
                if (entry["kind"], entry["id"]) not in seen:
                    seen.add((entry["kind"], entry["id"]))
                    found.append({**entry, "by": by})
        row["duplicates"] = found
        # a later row of the same sheet duplicates this one
        entry = {
            "kind": "row",
            "id": row["row"],
            "label": _("row %(row)s: %(company)s")
            % {"row": row["row"], "company": row["values"].get("company", "")},
        }
        for by, key in keys[row["row"]].items():
            remember(by, key, entry)


def _error_list(errors: dict, columns: dict) -> list[dict]:
    return [
        {
            "field": field,
            "column": columns.get(field) or (field_label(field) if field in HEADERS else ""),
            "message": message,
        }
        for field, messages in errors.items()
        for message in messages
    ]


def _checked_rows(*, actor, rows, columns: dict, now, importer) -> list[dict]:
    usernames = {values.get("owner", "") for _number, values in rows} - {""}
    owners = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    grades, sources = _choice_codes(LeadGrade), _choice_codes(LeadSource)
    checked = []
    for number, values in rows:
        errors = _check(
            actor=actor,
            values=values,
            owners=owners,
            grades=grades,
            sources=sources,
            now=now,
            importer=importer,
        )
        checked.append(
            {
                "row": number,
                "values": values,
                "errors": _error_list(errors, columns),
                "duplicates": [],
            }
        )
    _find_duplicates(checked)
    return checked


def _status(row: dict) -> str:
    if row["errors"]:
        return "invalid"
    return "duplicate" if row["duplicates"] else "new"


@transaction.atomic(durable=True)
def lead_import_preview(*, actor: "User", upload, now=None) -> LeadImport:
    """Read the sheet and keep its rows checked, with their errors and duplicates; writes the
    batch only (no lead)."""
    require_role(actor, *LEAD_ROLES)
    columns, ignored, rows = _read(upload)
    checked = _checked_rows(
        actor=actor, rows=rows, columns=columns, now=now or timezone.now(), importer=actor
    )
    for row in checked:
        row["status"] = _status(row)
        row["decision"] = "skip" if row["status"] == "duplicate" else ""
    batch = LeadImport(
        filename=(getattr(upload, "name", "") or "")[:200],
        created_by=actor,
        columns={"fields": columns, "ignored": ignored},
        rows=checked,
        row_count=len(checked),
        error_count=sum(r["status"] == "invalid" for r in checked),
        duplicate_count=sum(r["status"] == "duplicate" for r in checked),
    )
    batch.save()
    return batch


def _decisions(decisions, rows: list[dict]) -> dict[int, str]:
    """{row number: "skip"|"import"} for the duplicate rows; anything else named in errors."""
    if decisions in (None, ""):
        return {}
    if not isinstance(decisions, dict):
        raise InvalidInput(errors={"decisions": [_("Give a decision per row number.")]})
    duplicates = {r["row"] for r in rows if r["status"] == "duplicate"}
    errors, chosen = {}, {}
    for key, value in decisions.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            number = None
        if number not in duplicates:
            errors[f"decisions.{key}"] = [_("Not a duplicate row of this import.")]
        elif value not in DECISIONS:
            errors[f"decisions.{key}"] = [_("Choose skip or import.")]
        else:
            chosen[number] = value
    if errors:
        raise InvalidInput(errors=errors)
    return chosen


@transaction.atomic(durable=True)
def lead_import_commit(*, actor: "User", import_id: int, decisions=None, now=None) -> LeadImport:
    """Create the leads of the batch's valid rows: new rows, and duplicates the importer chose
    to import; once (409 `lead_import_committed`)."""
    require_role(actor, *LEAD_ROLES)
    batch = (
        LeadImport.objects.select_for_update(of=("self",))
        .select_related("created_by")
        .filter(pk=import_id)
        .first()
    )
    if batch is None or not sees_customer(actor, owner_id=batch.created_by_id):
        raise NotVisible()
    if batch.status != LeadImportStatus.PREVIEWED:
        raise RuleViolation(
            "lead_import_committed",
            detail=_("This import was committed on %(when)s; it cannot be committed again.")
            % {"when": timezone.localtime(batch.committed_at).strftime("%Y-%m-%d %H:%M")},
        )
    chosen = _decisions(decisions, batch.rows)
    now = now or timezone.now()
    columns = batch.columns.get("fields", {})
    valid = [(r["row"], r["values"]) for r in batch.rows if r["status"] != "invalid"]
    importer = batch.created_by
    checked = _checked_rows(actor=actor, rows=valid, columns=columns, now=now, importer=importer)
    again = {r["row"]: r for r in checked}
    usernames = {v.get("owner", "") for _n, v in valid} - {""}
    owners = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    grades, sources = _choice_codes(LeadGrade), _choice_codes(LeadSource)
    created = skipped = 0
    rows = []
    for row in batch.rows:
        row = dict(row)
        if row["status"] == "invalid":
            row["outcome"] = "invalid"
            rows.append(row)
            continue
        fresh = again[row["row"]]
        decision = chosen.get(row["row"], "skip")
        if row["status"] == "duplicate":
            row["decision"] = decision
        if fresh["errors"]:
            row.update(errors=fresh["errors"], outcome="invalid")
        elif fresh["duplicates"] and decision != "import":
            row.update(duplicates=fresh["duplicates"], outcome="skipped")
            skipped += 1
        else:
            lead = lead_build(
                actor=actor,
                owner=_owner(row["values"], owners, importer),
                now=now,
                **_fields(row["values"], grades, sources),
            )
            lead_save_new(lead, actor=actor)
            row.update(outcome="created", lead=lead.pk)
            created += 1
        rows.append(row)
    batch.rows = rows
    batch.created_count = created
    batch.skipped_count = skipped
    batch.error_count = sum(r["outcome"] == "invalid" for r in rows)
    batch.committed_at = now
    batch.commit()
    batch.save()
    return batch
