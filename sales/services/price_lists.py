"""Price lists (R5, R6): drafted with their items, activated only by the general manager's
approval, never overlapping another active list."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.services import approval_request_open, approval_withdraw_document
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.numbering import document_number
from core.permissions import require_role
from core.roles import Role
from core.validation import reject_unknown_fields, validate_instance
from sales.models import PriceList, PriceListItem, PriceListStatus, Product

if TYPE_CHECKING:
    from django.contrib.auth.models import User

AUTHORS = (Role.GENERAL_MANAGER, Role.SALES_MANAGER, Role.SALES_HEAD)
HEADER_FIELDS = ("name", "valid_from", "valid_to", "commission_rate")
ITEM_FIELDS = ("product", "list_price", "floor_price")
# Django reports a violated CheckConstraint under "__all__"; R25 wants the field it is about.
CONSTRAINT_FIELDS = {
    "pricelist_range_in_order": "valid_to",
    "pricelist_commission_rate_range": "commission_rate",
    "pricelistitem_floor_positive": "floor_price",
    "pricelistitem_floor_not_above_list": "floor_price",
}


def _validate(instance, *, exclude=(), prefix: str = "") -> None:
    """`validate_instance`, with each constraint's message moved onto its field."""
    try:
        validate_instance(instance, exclude=exclude, prefix=prefix)
    except InvalidInput as error:
        everywhere = f"{prefix}.__all__" if prefix else "__all__"
        on_field = {
            str(c.get_violation_error_message()): CONSTRAINT_FIELDS[c.name]
            for c in instance._meta.constraints
            if c.name in CONSTRAINT_FIELDS
        }
        for message in error.errors.pop(everywhere, []):
            field = on_field.get(message)
            name = (f"{prefix}.{field}" if prefix else field) if field else everywhere
            error.errors.setdefault(name, []).append(message)
        raise


def _items_replace(*, price_list: PriceList, items: Sequence[Mapping]) -> None:
    if not items:
        raise InvalidInput(errors={"items": [_("Add at least one product.")]})
    errors: dict[str, list[str]] = {}
    rows, seen = [], set()
    for index, data in enumerate(items):
        reject_unknown_fields(data, ITEM_FIELDS)
        product = data.get("product")
        if product is not None and not isinstance(product, Product):
            product = Product.objects.filter(pk=product, is_active=True).first()
            if product is None:
                errors[f"items.{index}.product"] = [_("Unknown or inactive product.")]
                continue
        if product is not None and product.pk in seen:
            errors[f"items.{index}.product"] = [_("The product is on the list twice.")]
            continue
        item = PriceListItem(
            price_list=price_list,
            product=product,
            list_price=data.get("list_price"),
            floor_price=data.get("floor_price"),
        )
        try:
            _validate(item, exclude=["price_list"], prefix=f"items.{index}")
        except InvalidInput as error:
            errors.update(error.errors)
            continue
        seen.add(product.pk)
        rows.append(item)
    if errors:
        raise InvalidInput(errors=errors)
    PriceListItem.objects.filter(price_list=price_list).delete()
    for row in rows:
        row.save()  # one by one, so each keeps its history (R24)


# price_list_create and price_list_submit are not durable while the sales demo seed
# (`seed_demo`) runs them inside its own transaction; the other entry points are.


@transaction.atomic(durable=True)
def price_list_create(*, actor: "User", items: Sequence[Mapping], **fields) -> PriceList:
    require_role(actor, *AUTHORS)
    reject_unknown_fields(fields, HEADER_FIELDS)
    price_list = PriceList(
        created_by=actor, number="pending", **{k: v for k, v in fields.items() if v is not None}
    )
    _validate(price_list, exclude=["number"])
    price_list.number = document_number(prefix="JG", series="price_list", width=4)
    price_list._history_user = actor
    price_list.save()
    _items_replace(price_list=price_list, items=items)
    return price_list


def _draft(*, actor: "User", price_list_id: int) -> PriceList:
    price_list = PriceList.objects.select_for_update().filter(pk=price_list_id).first()
    if price_list is None:
        raise NotVisible()
    require_role(actor, *AUTHORS)
    # The author alone: otherwise a GM's draft submitted by someone else would be the GM's to
    # approve, since the engine refuses only the requester (R21).
    if price_list.created_by_id != actor.pk:
        raise PermissionRefused(detail=_("Only the author may change or submit this price list."))
    if price_list.status != PriceListStatus.DRAFT:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only a draft price list can be changed or submitted; this one is %(status)s.")
            % {"status": price_list.get_status_display()},
        )
    return price_list


@transaction.atomic(durable=True)
def price_list_update(
    *, actor: "User", price_list_id: int, items: Sequence[Mapping] | None = None, **fields
) -> PriceList:
    reject_unknown_fields(fields, HEADER_FIELDS)
    price_list = _draft(actor=actor, price_list_id=price_list_id)
    for name, value in fields.items():
        setattr(price_list, name, value)
    _validate(price_list)
    price_list._history_user = actor
    price_list.save()
    if items is not None:
        _items_replace(price_list=price_list, items=items)
    return price_list


def _overlapping_active(price_list: PriceList, *, lock: bool):
    end = price_list.valid_to or date.max
    qs = PriceList.objects.filter(status=PriceListStatus.ACTIVE).exclude(pk=price_list.pk)
    if lock:
        qs = qs.select_for_update()
    return [
        other
        for other in qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=price_list.valid_from))
        if other.valid_from <= end
    ]


def _refuse_overlap(price_list: PriceList, *, lock: bool) -> None:
    overlapping = _overlapping_active(price_list, lock=lock)
    if overlapping:
        raise RuleViolation(
            "price_list_overlap",
            detail=_("The validity overlaps the active price list %(number)s.")
            % {"number": overlapping[0].number},
            errors={"valid_from": [_("Overlaps an active price list.")]},
        )


@transaction.atomic(durable=True)
def price_list_submit(*, actor: "User", price_list_id: int) -> PriceList:
    """Submit to the general manager (R6). An overlap with an active list is refused here and
    again at approval."""
    price_list = _draft(actor=actor, price_list_id=price_list_id)
    if not price_list.items.exists():
        raise InvalidInput(errors={"items": [_("Add at least one product.")]})
    _refuse_overlap(price_list, lock=False)
    price_list.submit()
    price_list._history_user = actor
    price_list.save()
    approval_request_open(document=price_list, actor=actor)
    return price_list


def price_list_activate(*, price_list: PriceList, actor: "User | None" = None) -> None:
    """Called by the approval engine in its transaction. Active lists are locked while the
    overlap is checked, so two approvals at once cannot both activate overlapping lists."""
    from core.numbering import number_next

    # Serialise activations: one counter row all activations lock (no table lock needed).
    number_next(series="pricelist_lock", year=0)
    _refuse_overlap(price_list, lock=True)
    price_list.activate()
    price_list.activated_at = timezone.now()
    price_list._history_user = actor
    price_list.save()


@transaction.atomic(durable=True)
def price_list_withdraw(*, actor: "User", price_list_id: int) -> PriceList:
    """Submitted → draft: the author takes the list back before the general manager decides
    (R21; the engine checks that `actor` is the author and records the withdrawal)."""
    price_list = PriceList.objects.select_for_update().filter(pk=price_list_id).first()
    if price_list is None:
        raise NotVisible()
    approval_withdraw_document(actor=actor, document=price_list)
    price_list.refresh_from_db()
    return price_list


@transaction.atomic(durable=True)
def price_list_close(*, actor: "User", price_list_id: int) -> PriceList:
    """Take an active list out of use (a superseded policy)."""
    require_role(actor, Role.GENERAL_MANAGER)
    price_list = PriceList.objects.select_for_update().filter(pk=price_list_id).first()
    if price_list is None:
        raise NotVisible()
    if price_list.status != PriceListStatus.ACTIVE:
        raise RuleViolation("invalid_transition", detail=_("Only an active list can be closed."))
    price_list.close()
    price_list._history_user = actor
    price_list.save()
    return price_list
