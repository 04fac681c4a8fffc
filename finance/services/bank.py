"""Bank statement import (银行对账单导入; issue 12 item 4, R16, R25).

Who: `finance` uploads and confirms.

Upload (`bank_statement_upload`) reads the bank's export and writes the statement and one line
per row; nothing else. The file is recognised by its content, not its name: an XLSX workbook
(its first sheet) or a CSV text in UTF-8 (with or without a byte-order mark) or GBK/GB18030,
as Chinese banks export it; anything else, an empty file or one without the columns below is a
400 naming `file`. The header row is the first row (of the first 20) naming at least the date,
amount and payer columns, so the bank's title rows above it are skipped. Columns, matched
without regard to case, spaces or full-width forms (the first one present wins):

    date       date, 日期, 交易日期, 记账日期
    amount     amount, 贷方金额, 收入金额, 金额          (money received, > 0)
    payer      payer, 付款人, 付款人名称, 对方户名, 对方账户名称, 对方单位
    reference  reference, 流水号, 交易流水号, 参考号, 摘要   (optional)

Each row becomes a line, numbered as the spreadsheet numbers it (the header is a row too):
- `invalid`, with `errors` naming each bad column — a date that cannot be read (2026-03-05,
  2026/3/5, 2026.03.05, 20260305, 2026年3月5日, or a date cell) or lies in the future; an
  amount that is not a number, not above 0 or has more than 2 decimals; no payer; a payer or
  reference longer than its column (200, 60). Nothing is ever imported from it.
- `duplicate` when a line with the same date, amount and reference is already imported (from
  any statement) or comes earlier in the same file;
- `matched` with the customer found for the payer — a mapping finance confirmed before
  (`PayerMapping`), else the one active customer of exactly that name, else the one whose name
  is the same once normalised (case, spaces, punctuation, full-width forms);
- `unmatched` otherwise (no customer, or several of the name).

Confirm (`bank_statement_confirm`) turns the chosen lines into receipts, all or nothing, in one
transaction: for each, `receipt_record` (bank transfer, received on the line's date, reference
the line's) with the allocations finance chose — none leaves the money on account — then the
line is `imported` with its receipt and the payer → customer mapping is remembered. A line
dated in a closed month is refused (`period_closed`) unless finance books it as a late document
(`book_in_open_period`, `core.periods`): received on its date, posted in the first open month.

Locks, in this order: the statement (FOR UPDATE: two confirms of one statement run one after
the other, and the second finds the line imported), its lines, then each receipt's own (the
customer, its contracts' ledgers: taken by customer id in ascending order). A line imported
meanwhile from another statement is caught by the partial unique index on (date, amount,
reference) of imported lines, and the confirm is refused as a whole.
"""

import datetime
import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.validators import MaxLengthValidator
from django.db import IntegrityError, transaction
from django.forms import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, InvalidInput, NotVisible, RuleViolation
from core.money import MAX_AMOUNT
from core.permissions import require_role
from core.roles import Role
from core.tabular import cell_text, file_cells
from core.validation import beyond_bounds_message, id_of
from finance import selectors
from finance.models import (
    BankStatement,
    BankStatementLine,
    BankStatementLineStatus,
    PayerMapping,
)
from finance.models.bank import IMPORTABLE, PAYER_MAX_LENGTH, REFERENCE_MAX_LENGTH, payer_key
from finance.services.receipts import receipt_record
from sales.models import Customer, PaymentMethod

if TYPE_CHECKING:
    from django.contrib.auth.models import User

STATEMENT_KEEPERS = (Role.FINANCE,)
Status = BankStatementLineStatus

# The columns a statement is read by, each with the headers that name it, preferred first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期", "交易日期", "记账日期"),
    "amount": ("amount", "贷方金额", "收入金额", "金额"),
    "payer": ("payer", "付款人", "付款人名称", "对方户名", "对方账户名称", "对方单位"),
    "reference": ("reference", "流水号", "交易流水号", "参考号", "摘要"),
}
REQUIRED_COLUMNS = ("date", "amount", "payer")
HEADER_SEARCH_ROWS = 20  # title rows a bank puts above the header
MAX_LINES = 5000


# -- reading the file --------------------------------------------------------------------------


def _file_error(message) -> InvalidInput:
    return InvalidInput(errors={"file": [message]})


def _table(upload) -> list[tuple[int, list]]:
    """(row number, cells) of the file, by its content (`core.tabular.file_cells`)."""
    return file_cells(upload, max_rows=MAX_LINES + HEADER_SEARCH_ROWS)


def _header_key(value) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or ""))).casefold()


def _columns(cells: list) -> dict[str, int] | None:
    """{column: index} when `cells` is a header row naming the required columns."""
    at = {_header_key(cell): index for index, cell in reversed(list(enumerate(cells)))}
    found = {}
    for column, names in COLUMNS.items():
        index = next((at[_header_key(name)] for name in names if _header_key(name) in at), None)
        if index is not None:
            found[column] = index
    return found if all(c in found for c in REQUIRED_COLUMNS) else None


# -- reading a row -----------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_AMOUNT_NOISE = str.maketrans("", "", ",，¥￥ \u00a0\u2009\u202f元")


_text = cell_text


def _date(value, errors: dict) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = unicodedata.normalize("NFKC", _text(value))
        text = re.split(r"[\sT]", text, maxsplit=1)[0] if text else ""  # a time may follow
        match = _DATE.match(text) or _COMPACT_DATE.match(text)
        day = None
        if match:
            try:
                day = datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                day = None
        if day is None:
            errors["date"] = [
                _("Enter a valid date.") if text else str(Field.default_error_messages["required"])
            ]
            return None
    if day > timezone.localdate():
        errors["date"] = [_("The date cannot be in the future.")]
        return None
    return day


def _amount(value, errors: dict) -> Decimal | None:
    if isinstance(value, bool):
        value = None
    if isinstance(value, int | float | Decimal):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = unicodedata.normalize("NFKC", _text(value)).translate(_AMOUNT_NOISE)
        for currency in ("CNY", "RMB", "cny", "rmb"):
            text = text.replace(currency, "")
    if not text:
        errors["amount"] = [str(Field.default_error_messages["required"])]
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        errors["amount"] = [_("Enter a number.")]
    elif amount <= 0:
        errors["amount"] = [_("The amount must be more than 0: only money received is imported.")]
    elif amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = [_("Enter an amount with at most 2 decimal places.")]
    elif amount > MAX_AMOUNT:
        errors["amount"] = [beyond_bounds_message(MAX_AMOUNT)]
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def _bounded_text(value, column: str, limit: int, errors: dict, *, required: bool) -> str:
    text = _text(value)
    if required and not text:
        errors[column] = [str(Field.default_error_messages["required"])]
    elif len(text) > limit:
        errors[column] = [
            MaxLengthValidator.message % {"limit_value": limit, "show_value": len(text)}
        ]
        text = text[:limit]
    return text


def statement_lines(upload) -> list[dict]:
    """The file's rows as lines `{"row","date","amount","payer","reference","errors"}`; a 400
    naming `file` when it is not a statement at all."""
    table = _table(upload)
    header = None
    for position, (_number, cells) in enumerate(table[:HEADER_SEARCH_ROWS]):
        columns = _columns(cells)
        if columns:
            header = position
            break
    if header is None:
        raise _file_error(
            _(
                "No header row names the date, amount and payer columns "
                "(e.g. 交易日期, 贷方金额, 对方户名)."
            )
        )
    lines = []
    for number, cells in table[header + 1 :]:
        if all(_text(cell) == "" for cell in cells):
            continue
        if len(lines) == MAX_LINES:
            raise _file_error(
                _("A statement holds at most %(count)s lines: split the file.")
                % {"count": MAX_LINES}
            )

        def cell(column, cells=cells):
            index = columns.get(column)
            return cells[index] if index is not None and index < len(cells) else None

        errors: dict = {}
        lines.append(
            {
                "row": number,
                "date": _date(cell("date"), errors),
                "amount": _amount(cell("amount"), errors),
                "payer": _bounded_text(
                    cell("payer"), "payer", PAYER_MAX_LENGTH, errors, required=True
                ),
                "reference": _bounded_text(
                    cell("reference"), "reference", REFERENCE_MAX_LENGTH, errors, required=False
                ),
                "errors": errors,
            }
        )
    if not lines:
        raise _file_error(_("The file has no lines below its header row."))
    return lines


# -- upload ------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def bank_statement_upload(*, actor: "User", upload) -> BankStatement:
    """Read the file and keep its lines, each matched, a duplicate or invalid (the module's
    docstring); nothing else is written. 400 naming `file` for a file that is not a statement."""
    require_role(actor, *STATEMENT_KEEPERS)
    filename = (getattr(upload, "name", "") or "")[-200:] or "statement"
    lines = statement_lines(upload)
    valid = [line for line in lines if not line["errors"]]
    imported = selectors.bank_lines_imported(
        keys={(line["date"], line["amount"], line["reference"]) for line in valid}
    )
    matches = selectors.payer_customers(payers={line["payer"] for line in valid})
    statement = BankStatement.objects.create(filename=filename, uploaded_by=actor)
    seen: set = set()
    rows = []
    for line in lines:
        key = (line["date"], line["amount"], line["reference"])
        customer_id = None
        if line["errors"]:
            status = Status.INVALID
        elif key in imported or key in seen:
            status = Status.DUPLICATE
        else:
            customer_id = matches.get(payer_key(line["payer"]))
            status = Status.MATCHED if customer_id else Status.UNMATCHED
        seen.add(key)
        rows.append(
            BankStatementLine(
                statement=statement,
                row=line["row"],
                date=line["date"],
                amount=line["amount"],
                payer=line["payer"],
                reference=line["reference"],
                customer_id=customer_id,
                status=status,
                errors=line["errors"],
            )
        )
    BankStatementLine.objects.bulk_create(rows)
    _finish_if_done(statement)
    return statement


def _finish_if_done(statement: BankStatement) -> None:
    if not statement.lines.filter(status__in=IMPORTABLE).exists():
        statement.finish()
        statement.save(update_fields=["status"])


# -- confirm -----------------------------------------------------------------------------------

CONFIRM_FIELDS = ("row", "customer", "allocations", "book_in_open_period")


def _parse_confirm(lines, by_row: dict[int, BankStatementLine]) -> list[tuple[int, dict]]:
    """[(index, {"line", "customer_id", "allocations"})] of the request; 400 naming
    `lines.N.field` for anything malformed, unknown or not importable; 409 for a line imported
    already (`invalid_transition`) or a duplicate (`duplicate_line`)."""
    if not isinstance(lines, Sequence) or isinstance(lines, str | bytes) or not lines:
        raise InvalidInput(errors={"lines": [_("Choose at least one line to import.")]})
    errors: dict = {}
    parsed, seen = [], set()
    state_refusal = None
    for index, item in enumerate(lines):
        prefix = f"lines.{index}"
        if not isinstance(item, Mapping):
            errors[prefix] = [_("Give the row and the customer.")]
            continue
        for name in sorted(set(item) - set(CONFIRM_FIELDS)):
            errors[f"{prefix}.{name}"] = [_("Unknown field.")]
        row = id_of(item.get("row"))
        line = by_row.get(row) if row is not None else None
        if line is None:
            errors[f"{prefix}.row"] = [_("This statement has no such row.")]
        elif row in seen:
            errors[f"{prefix}.row"] = [_("This row is listed twice.")]
        elif line.status == Status.INVALID:
            errors[f"{prefix}.row"] = [
                _("This row has errors and is not imported: correct the file and upload it again.")
            ]
        elif line.status == Status.IMPORTED and state_refusal is None:
            state_refusal = RuleViolation(
                "invalid_transition",
                detail=_("Row %(row)s is imported already.") % {"row": row},
                errors={f"{prefix}.row": [_("Imported already.")]},
            )
        elif line.status == Status.DUPLICATE and state_refusal is None:
            state_refusal = _duplicate(prefix, line)
        customer_id = id_of(item.get("customer"))
        if customer_id is None:
            errors[f"{prefix}.customer"] = [_("Choose a customer.")]
        allocations = item.get("allocations", [])
        if allocations is None:
            allocations = []
        if not isinstance(allocations, Sequence) or isinstance(allocations, str | bytes):
            errors[f"{prefix}.allocations"] = [_("Enter a list of allocations.")]
        late = item.get("book_in_open_period", False)
        if not isinstance(late, bool):
            errors[f"{prefix}.book_in_open_period"] = [_("Enter true or false.")]
        if row is not None:
            seen.add(row)
        if line is not None and customer_id is not None:
            parsed.append(
                (
                    index,
                    {
                        "line": line,
                        "customer_id": customer_id,
                        "allocations": allocations,
                        "late": late is True,
                    },
                )
            )
    if errors:
        raise InvalidInput(errors=errors)
    if state_refusal is not None:
        raise state_refusal
    known = set(
        Customer.objects.filter(pk__in={p["customer_id"] for _i, p in parsed}).values_list(
            "pk", flat=True
        )
    )
    unknown = {
        f"lines.{index}.customer": [_("Choose a customer.")]
        for index, p in parsed
        if p["customer_id"] not in known
    }
    if unknown:
        raise InvalidInput(errors=unknown)
    return parsed


def _duplicate(prefix: str, line: BankStatementLine) -> RuleViolation:
    return RuleViolation(
        "duplicate_line",
        detail=_(
            "Row %(row)s is already imported: a line of the same date, amount and reference "
            "became a receipt."
        )
        % {"row": line.row},
        errors={f"{prefix}.row": [_("Duplicate: imported already.")]},
    )


def _renamed(error: DomainError, prefix: str, row: int) -> DomainError:
    """The receipt service's refusal, naming the line it came from (`lines.N.field`)."""
    errors = {f"{prefix}.{field}": messages for field, messages in error.errors.items()}
    if not errors:
        errors = {f"{prefix}.row": [error.detail]}
    detail = _("Row %(row)s: %(reason)s") % {"row": row, "reason": error.detail}
    return type(error)(error.code, detail, errors)


def _remember_payer(*, actor: "User", payer: str, customer_id: int) -> None:
    key = payer_key(payer)
    if not key:
        return
    mapping = PayerMapping.objects.select_for_update().filter(payer=key).first()
    if mapping is None:
        try:
            with transaction.atomic():
                PayerMapping.objects.create(payer=key, customer_id=customer_id, updated_by=actor)
            return
        except IntegrityError:  # another confirm remembered it first: ours is the later word
            mapping = PayerMapping.objects.select_for_update().get(payer=key)
    if mapping.customer_id != customer_id:
        mapping.customer_id = customer_id
        mapping.updated_by = actor
        mapping.save(update_fields=["customer", "updated_by", "updated_at"])


@transaction.atomic(durable=True)
def bank_statement_confirm(*, actor: "User", statement_id, lines) -> tuple[BankStatement, list]:
    """Import the chosen lines `[{"row","customer","allocations"?:[{"contract","amount"}],
    "book_in_open_period"?}]` as receipts, all or nothing (the module's docstring). Returns the
    statement and the receipts created, in the request's order. A refusal of the receipt service
    (`over_collection`, `over_allocation`, `period_closed`, a bad allocation) refuses the whole
    confirm and names the line: `lines.N.allocations.M.amount`. A line dated in a closed month
    with `book_in_open_period` becomes a late receipt (`core.periods`)."""
    require_role(actor, *STATEMENT_KEEPERS)
    statement = BankStatement.objects.select_for_update().filter(pk=id_of(statement_id)).first()
    if statement is None:
        raise NotVisible()
    by_row = {
        line.row: line
        for line in BankStatementLine.objects.select_for_update()
        .filter(statement=statement)
        .order_by("pk")
    }
    parsed = _parse_confirm(lines, by_row)
    imported = selectors.bank_lines_imported(
        keys={(p["line"].date, p["line"].amount, p["line"].reference) for _i, p in parsed}
    )
    for index, p in parsed:
        if (p["line"].date, p["line"].amount, p["line"].reference) in imported:
            raise _duplicate(f"lines.{index}", p["line"])
    receipts: dict[int, object] = {}
    # Customers' locks in ascending id order, as every other service takes them.
    for index, p in sorted(parsed, key=lambda item: (item[1]["customer_id"], item[1]["line"].row)):
        line, prefix = p["line"], f"lines.{index}"
        note = _("Bank statement %(file)s, row %(row)s: %(payer)s") % {
            "file": statement.filename,
            "row": line.row,
            "payer": line.payer,
        }
        try:
            receipt = receipt_record(
                actor=actor,
                customer_id=p["customer_id"],
                amount=line.amount,
                method=PaymentMethod.BANK_TRANSFER,
                received_on=line.date,
                reference=line.reference,
                note=note[:200],
                allocations=list(p["allocations"]),
                book_in_open_period=p["late"],
            )
        except DomainError as error:
            raise _renamed(error, prefix, line.row) from error
        line.customer_id = p["customer_id"]
        line.receipt = receipt
        line.status = Status.IMPORTED
        try:
            with transaction.atomic():
                line.save(update_fields=["customer", "receipt", "status"])
        except IntegrityError as exc:  # imported meanwhile from another statement
            raise _duplicate(prefix, line) from exc
        _remember_payer(actor=actor, payer=line.payer, customer_id=p["customer_id"])
        receipts[index] = receipt
    _finish_if_done(statement)
    return statement, [receipts[index] for index, _p in parsed]
