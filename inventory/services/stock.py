"""Writes for warehouses and stock (R11, R13): the one place a stock row changes."""

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotVisible, RuleViolation
from core.formats import format_quantity
from core.money import MAX_QUANTITY, within_bounds
from core.permissions import require_role
from core.roles import Role
from core.validation import reject_unknown_fields, save_unique, validate_instance
from inventory.models import StockLevel, StockMove, StockMoveKind, Warehouse
from sales.models import Product

if TYPE_CHECKING:
    from django.contrib.auth.models import User

WAREHOUSE_FIELDS = ("code", "name", "address", "is_active")


@transaction.atomic(durable=True)
def warehouse_create(*, actor: "User", **fields) -> Warehouse:
    require_role(actor, Role.GENERAL_MANAGER)
    reject_unknown_fields(fields, WAREHOUSE_FIELDS)
    warehouse = Warehouse(**{k: v for k, v in fields.items() if v is not None})
    validate_instance(warehouse)
    save_unique(
        warehouse, actor=actor, field="code", message=_("A warehouse with this code exists.")
    )
    return warehouse


@transaction.atomic(durable=True)
def warehouse_update(*, actor: "User", warehouse_id: int, **fields) -> Warehouse:
    require_role(actor, Role.GENERAL_MANAGER)
    reject_unknown_fields(fields, WAREHOUSE_FIELDS)
    warehouse = Warehouse.objects.select_for_update().filter(pk=warehouse_id).first()
    if warehouse is None:
        raise NotVisible()
    for name, value in fields.items():
        setattr(warehouse, name, value)
    validate_instance(warehouse)
    save_unique(
        warehouse, actor=actor, field="code", message=_("A warehouse with this code exists.")
    )
    return warehouse


# --- stock (R11, R13) ---------------------------------------------------------------------------


def stock_move_post(
    *,
    actor: "User",
    product_id: int,
    warehouse_id: int,
    kind: str,
    quantity,
    reason: str = "",
    reference: str = "",
) -> StockMove:
    """Post one movement in the caller's transaction: the stock row is locked, moved by F(),
    and refused below zero (`insufficient_stock`) — by the check here and, whatever the
    timing, by the database's constraint."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock moves are posted inside the event's transaction")
    quantity = Decimal(quantity)
    StockLevel.objects.get_or_create(product_id=product_id, warehouse_id=warehouse_id)
    level = StockLevel.objects.select_for_update().get(
        product_id=product_id, warehouse_id=warehouse_id
    )
    # What every supported database keeps (core.money): beyond it, a 400 naming the quantity.
    if not within_bounds(level.on_hand + quantity, maximum=MAX_QUANTITY):
        raise InvalidInput(errors={"quantity": [_("The stock would exceed what can be recorded.")]})
    if level.on_hand + quantity < 0:
        raise RuleViolation(
            "insufficient_stock",
            detail=_("Only %(on_hand)s on hand; %(wanted)s cannot be taken out.")
            % {"on_hand": format_quantity(level.on_hand), "wanted": format_quantity(-quantity)},
            errors={"quantity": [_("More than the stock on hand.")]},
        )
    move = StockMove(
        product_id=product_id,
        warehouse_id=warehouse_id,
        kind=kind,
        quantity=quantity,
        reason=(reason or "").strip(),
        reference=reference,
        created_by=actor,
    )
    validate_instance(move, exclude=["product", "warehouse", "created_by"], constraints=False)
    try:
        with transaction.atomic():
            StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
    except IntegrityError as exc:  # the database's last word on a negative stock
        raise RuleViolation("insufficient_stock", detail=_("Not enough stock.")) from exc
    move.save()
    return move


@transaction.atomic(durable=True)
def stock_adjust(
    *, actor: "User", product_id: int, warehouse_id: int, quantity, reason: str
) -> StockMove:
    """A counted correction (盘点调整) by the warehouse: ± quantity with a reason."""
    require_role(actor, Role.WAREHOUSE)
    errors = {}
    if not Product.objects.filter(pk=product_id).exists():
        errors["product"] = [_("Unknown product.")]
    if not Warehouse.objects.filter(pk=warehouse_id, is_active=True).exists():
        errors["warehouse"] = [_("Unknown warehouse.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the stock is adjusted.")]
    try:
        if Decimal(quantity) == 0:
            errors["quantity"] = [_("Enter a quantity other than zero.")]
        elif not within_bounds(quantity, maximum=MAX_QUANTITY):
            errors["quantity"] = [_("The stock would exceed what can be recorded.")]
    except (InvalidOperation, TypeError, ValueError):
        errors["quantity"] = [_("Enter a number.")]
    if errors:
        raise InvalidInput(errors=errors)
    return stock_move_post(
        actor=actor,
        product_id=product_id,
        warehouse_id=warehouse_id,
        kind=StockMoveKind.ADJUSTMENT,
        quantity=quantity,
        reason=reason,
    )
