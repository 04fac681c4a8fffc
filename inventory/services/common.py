"""What the fulfilment documents share: the active contract they are prepared from (R10,
R12, R15) and their lines against the contract's lines."""

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractLine, ContractStatus
from core.errors import InvalidInput, NotVisible, RuleViolation
from core.formats import format_quantity
from core.money import MAX_QUANTITY, within_bounds
from core.money import quantity as as_quantity
from core.permissions import sees_customer
from core.validation import id_of, reject_unknown_fields

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LINE_FIELDS = ("contract_line", "quantity")


def contract_for_document(*, actor: "User", contract_id, lock: bool = False) -> Contract:
    """The active contract a document is prepared from. An unknown or invisible id names the
    field (400); a contract that is not active is a 409 `invalid_transition`."""
    contract_id = id_of(contract_id)
    if contract_id is None:
        raise InvalidInput(errors={"contract": [_("Unknown contract.")]})
    qs = Contract.objects.select_related("customer")
    if lock:
        qs = qs.select_for_update(of=("self",))
    contract = qs.filter(pk=contract_id).first()
    if contract is None or not sees_customer(actor, owner_id=contract.customer.owner_id):
        raise InvalidInput(errors={"contract": [_("Unknown contract.")]})
    if contract.status != ContractStatus.ACTIVE:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only an active contract can be fulfilled; %(number)s is %(status)s.")
            % {"number": contract.display_number, "status": contract.get_status_display()},
            errors={"contract": [_("The contract is not active.")]},
        )
    return contract


def parse_lines(*, contract: Contract, lines) -> list[tuple[ContractLine, Decimal]]:
    """`[{"contract_line", "quantity"}]` → (contract line, quantity) pairs; every bad entry is
    named `lines.N.field` (R25). A contract line appears at most once."""
    if not isinstance(lines, Sequence) or isinstance(lines, str) or not lines:
        raise InvalidInput(errors={"lines": [_("Add at least one line.")]})
    contract_lines = {line.pk: line for line in contract.lines.select_related("product")}
    errors: dict[str, list[str]] = {}
    parsed = []
    seen = set()
    for index, line in enumerate(lines):
        if not isinstance(line, Mapping):
            errors[f"lines.{index}"] = [_("Enter an object with contract_line and quantity.")]
            continue
        reject_unknown_fields(line, LINE_FIELDS)
        raw = line.get("contract_line")
        contract_line = contract_lines.get(id_of(raw))
        if contract_line is None:
            errors[f"lines.{index}.contract_line"] = [_("Not a line of this contract.")]
        elif contract_line.pk in seen:
            errors[f"lines.{index}.contract_line"] = [_("This contract line is already listed.")]
        quantity = line.get("quantity")
        try:
            quantity = Decimal(str(quantity))
            if not quantity.is_finite() or quantity <= 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            errors[f"lines.{index}.quantity"] = [_("Enter a quantity greater than zero.")]
            continue
        if not within_bounds(quantity, maximum=MAX_QUANTITY):  # what every database keeps
            errors[f"lines.{index}.quantity"] = [_("At most %(left)s.") % {"left": MAX_QUANTITY}]
            continue
        quantity = as_quantity(quantity)
        if quantity <= 0:  # less than a thousandth
            errors[f"lines.{index}.quantity"] = [_("Enter a quantity greater than zero.")]
            continue
        if f"lines.{index}.contract_line" in errors:
            continue
        seen.add(contract_line.pk)
        parsed.append((contract_line, quantity))
    if errors:
        raise InvalidInput(errors=errors)
    return parsed


def parse_day(value, *, field: str, required: bool = True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(errors={field: [_("This field is required.")]})
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        day = parse_date(str(value))
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput(errors={field: [_("Enter a date as YYYY-MM-DD.")]})
    return day


def require_visible(document, actor: "User") -> None:
    """R23 for one document: a 404 for whom may not see its customer."""
    if not sees_customer(actor, owner_id=document.customer.owner_id):
        raise NotVisible()


def refuse_state(document, action: str) -> None:
    """409 `invalid_transition`: the document's status does not allow `action`."""
    raise RuleViolation(
        "invalid_transition",
        detail=_("%(number)s is %(status)s; it cannot be %(action)s.")
        % {"number": document.number, "status": document.get_status_display(), "action": action},
    )


def check_within_contract(*, code: str, pairs, counted, message: str) -> None:
    """R10/R12: per contract line, the quantity counted elsewhere (`counted[line id]`) plus
    this document's may not exceed the contract's; the refusal names `lines.N.quantity`."""
    for index, (contract_line, quantity) in enumerate(pairs):
        already = counted.get(contract_line.pk, Decimal("0"))
        if already + quantity > contract_line.quantity:
            raise RuleViolation(
                code,
                detail=message
                % {
                    "product": contract_line.product,
                    "quantity": quantity,
                    "already": already,
                    "contracted": contract_line.quantity,
                },
                errors={
                    f"lines.{index}.quantity": [
                        _("At most %(left)s.")
                        % {"left": format_quantity(contract_line.quantity - already)}
                    ]
                },
            )
