"""Writes for warehouses and stock (R11, R13): the one place a stock row changes."""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
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


def stock_levels_locked(
    *, warehouse_id: int, product_ids: Iterable[int], create: bool = False
) -> dict[int, StockLevel]:
    """The warehouse's stock rows of `product_ids`, locked (FOR UPDATE) in one statement in
    product-id order — the lock order of every stock write —, by product. With `create`, a
    product without a row gets an empty one first (absent otherwise: it holds nothing).
    Runs in the caller's transaction."""
    ids = sorted(set(product_ids))
    locked = StockLevel.objects.select_for_update().filter(
        warehouse_id=warehouse_id, product_id__in=ids
    )
    # An explicit order: the model's (warehouse, product) would join and lock their rows too.
    levels = {level.product_id: level for level in locked.order_by("product_id")}
    if create and len(levels) < len(ids):
        StockLevel.objects.bulk_create(
            [StockLevel(product_id=p, warehouse_id=warehouse_id) for p in ids if p not in levels],
            ignore_conflicts=True,
        )
        levels = {level.product_id: level for level in locked.order_by("product_id")}
    return levels


def _per_row(levels: Mapping[int, StockLevel], amounts: Mapping[int, Decimal]) -> Case:
    """A CASE giving each locked row (by product) its amount, for one set-based UPDATE."""
    field = StockLevel._meta.get_field("on_hand")
    return Case(
        *(
            When(pk=levels[product_id].pk, then=Value(amount, output_field=field))
            for product_id, amount in amounts.items()
        ),
        default=Value(Decimal("0"), output_field=field),
        output_field=field,
    )


def stock_reserved_add(*, levels: Mapping[int, StockLevel], changes: Mapping[int, Decimal]) -> None:
    """Add `changes` (by product, + reserve, − release) to the `reserved` of rows locked by
    `stock_levels_locked`, in one UPDATE; the caller keeps each within 0 … MAX_QUANTITY."""
    changes = {product_id: amount for product_id, amount in changes.items() if amount}
    if not changes:
        return
    StockLevel.objects.filter(pk__in=[levels[p].pk for p in changes]).update(
        reserved=F("reserved") + _per_row(levels, changes)
    )
    for product_id, amount in changes.items():
        levels[product_id].reserved += amount


def stock_moves_post(
    *,
    actor: "User",
    warehouse_id: int,
    kind: str,
    levels: Mapping[int, StockLevel],
    quantities: Mapping[int, Decimal],
    release: Mapping[int, Decimal] | None = None,
    reference: str = "",
) -> list[StockMove]:
    """Post one movement per product (`quantities`, signed) of one warehouse in the caller's
    transaction, on rows locked by `stock_levels_locked`: on hand moves by F() and reserved
    down by `release` (by product) in one UPDATE, the moves in one INSERT. Below zero is
    refused (`insufficient_stock`) by the check here and by the database's constraint."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock moves are posted inside the event's transaction")
    release = {p: amount for p, amount in (release or {}).items() if amount}
    for product_id, quantity in quantities.items():
        level = levels.get(product_id)
        on_hand = level.on_hand if level is not None else Decimal("0")
        if not within_bounds(on_hand + quantity, maximum=MAX_QUANTITY):
            raise InvalidInput(
                errors={"quantity": [_("The stock would exceed what can be recorded.")]}
            )
        if level is None or on_hand + quantity < 0:
            raise RuleViolation(
                "insufficient_stock",
                detail=_("Only %(on_hand)s on hand; %(wanted)s cannot be taken out.")
                % {"on_hand": format_quantity(on_hand), "wanted": format_quantity(-quantity)},
                errors={"quantity": [_("More than the stock on hand.")]},
            )
    changes = {"on_hand": F("on_hand") + _per_row(levels, quantities)}
    if release:
        changes["reserved"] = F("reserved") - _per_row(levels, release)
    rows = [levels[p].pk for p in {*quantities, *release}]
    try:
        # No savepoint: the rows are locked and checked above, so the constraint firing means
        # the caller's transaction is rolled back with the refusal anyway.
        StockLevel.objects.filter(pk__in=rows).update(**changes)
    except IntegrityError as exc:  # the database's last word on a negative stock
        raise RuleViolation("insufficient_stock", detail=_("Not enough stock.")) from exc
    for product_id, quantity in quantities.items():
        levels[product_id].on_hand += quantity
    for product_id, amount in release.items():
        levels[product_id].reserved -= amount
    return StockMove.objects.bulk_create(
        StockMove(
            product_id=product_id,
            warehouse_id=warehouse_id,
            kind=kind,
            quantity=quantity,
            reference=reference,
            created_by=actor,
        )
        for product_id, quantity in quantities.items()
    )


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
