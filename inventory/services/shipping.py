"""Shipping notices (R12), outbound and gate (R13), signed delivery (R14).

Lock order. Every service here takes its row locks in this order, skipping those it does not
need, so a create, an edit, a submit, an approval, a cancel, an issue, an exit, a delivery and
the expiry job never deadlock one another:

1. the notice (`_locked`; `_expire_one`; for an approval the engine locks it, then its
   approval request, before calling `shipping_notice_approved`);
2. its contract (`contract_for_document(lock=True)`: create, update, submit — the R12
   quantities of the contract's notices are read under it);
3. the notice's approval request (opened by `approval_request_open` on submit, locked by
   `approval_lapse_document` when a submitted notice expires);
4. the warehouse's stock rows of the notice's products, in product-id order, in one
   statement (`stock_levels_locked`): `_reserve` on approve, cancel and the expiry of an
   approved notice, `_require_stock` and `stock_moves_post` on issue;
5. the number counter (`document_number`): the notice's number on create, the gate pass
   number on issue;
6. the contract's ledger row (`ledger_add_shipped` on issue, `ledger_add_delivered` on the
   signed delivery: an UPDATE with F(), which locks it).

The customer is not locked: the overdue check (R12) reads the contract ledger's dues as of
today.
"""

import datetime
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.services import approval_lapse_document, approval_request_open
from contracts.services import ledger_add_delivered, ledger_add_shipped
from core.errors import InvalidInput, NotVisible, RuleViolation
from core.formats import format_amount, format_quantity
from core.money import MAX_AMOUNT, MAX_QUANTITY, document_amounts, money
from core.numbering import document_number
from core.periods import booking_date
from core.permissions import has_role, require_role
from core.prefetch import carries, set_prefetched
from core.roles import Role
from core.validation import (
    id_of,
    reject_unknown_fields,
    require_within_bounds,
    validate_instance,
)
from inventory.models import (
    DEFAULT_VALIDITY_DAYS,
    ShippingNotice,
    ShippingNoticeLine,
    ShippingNoticeStatus,
    StockMoveKind,
    Warehouse,
)
from inventory.selectors import (
    contract_lines_committed,
    gate_pass_number,
    shipping_notice_by_gate_pass,
)
from inventory.services.common import (
    check_within_contract,
    contract_for_document,
    parse_day,
    parse_lines,
    refuse_state,
    require_visible,
)
from inventory.services.stock import (
    stock_levels_locked,
    stock_moves_post,
    stock_reserved_add,
)
from inventory.signals import delivery_confirmed
from sales.models import Customer, Product
from sales.selectors import customer_overdue_amount

if TYPE_CHECKING:
    from django.contrib.auth.models import User


logger = logging.getLogger(__name__)

NOTICE_FIELDS = ("contract", "warehouse", "valid_until", "delivery_place", "note", "lines")
NOTICE_AUTHORS = (Role.SALES_CLERK,)
SCAN_TYPES = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


# --- quantities against the contract (R12) ------------------------------------------------------


def _check_and_price(*, notice: ShippingNotice | None, pairs) -> list[ShippingNoticeLine]:
    """R12 `over_shipment`, then each line's net, VAT and gross at the contract's price; the
    line that completes a contract line takes what is left of its net and tax, so the amounts
    of a fully shipped line add up to the contract line exactly."""
    counted = contract_lines_committed([line for line, _q in pairs], exclude_notice=notice)
    check_within_contract(
        code="over_shipment",
        pairs=pairs,
        counted={line_id: row["quantity"] for line_id, row in counted.items()},
        message=_(
            "%(product)s: %(quantity)s on this notice and %(already)s shipped or on open "
            "notices exceed the contract's %(contracted)s."
        ),
    )
    zero = {"quantity": Decimal("0"), "net": Decimal("0"), "tax": Decimal("0")}
    lines = []
    for index, (contract_line, quantity) in enumerate(pairs):
        already = counted.get(contract_line.pk, zero)
        if already["quantity"] + quantity == contract_line.quantity:
            net = money(contract_line.net - already["net"])
            tax = money(contract_line.tax - already["tax"])
        else:
            share = quantity / contract_line.quantity
            net, tax = money(contract_line.net * share), money(contract_line.tax * share)
        require_within_bounds(net + tax, maximum=MAX_AMOUNT, field=f"lines.{index}.quantity")
        lines.append(
            ShippingNoticeLine(
                contract_line=contract_line,
                product=contract_line.product,  # loaded with the contract's lines
                quantity=quantity,
                net=net,
                tax=tax,
                amount=net + tax,
            )
        )
    return lines


def _totals(notice: ShippingNotice, lines) -> None:
    """The notice's net, VAT and gross: the sums of its lines' (DESIGN §3), each within what
    every database keeps (a 400 naming `lines`)."""
    notice.net_amount, notice.tax_amount, notice.gross_amount = document_amounts(
        (line.net, line.tax, line.amount) for line in lines
    )
    require_within_bounds(notice.gross_amount, maximum=MAX_AMOUNT, field="lines")


def _save_lines(
    notice: ShippingNotice, lines: list[ShippingNoticeLine], *, new: bool = False
) -> None:
    """Replace a draft's lines (create — `new`, nothing to replace —, edit)."""
    if not new:
        notice.lines.all().delete()
    for line in lines:
        line.notice = notice
    ShippingNoticeLine.objects.bulk_create(lines)
    if all(line.pk is not None for line in lines):
        set_prefetched(notice, "lines", lines)  # what the API answers with (issue 14)
    _totals(notice, lines)


def _reprice_lines(notice: ShippingNotice) -> None:
    """At submit: the same lines (their ids stay), checked and priced again against what the
    contract's other notices hold now."""
    existing = list(notice.lines.select_related("contract_line__product"))
    for line in existing:  # the same product, loaded with the contract line
        if line.product_id == line.contract_line.product_id:
            line.product = line.contract_line.product
    set_prefetched(notice, "lines", existing)  # what the API answers with (issue 14)
    priced = _check_and_price(
        notice=notice, pairs=[(line.contract_line, line.quantity) for line in existing]
    )
    changed = []
    for line, fresh in zip(existing, priced, strict=True):
        if (line.net, line.tax, line.amount) != (fresh.net, fresh.tax, fresh.amount):
            line.net, line.tax, line.amount = fresh.net, fresh.tax, fresh.amount
            changed.append(line)
    if changed:
        ShippingNoticeLine.objects.bulk_update(changed, ["net", "tax", "amount"])
    _totals(notice, existing)


def _warehouse(value) -> Warehouse:
    warehouse = Warehouse.objects.filter(pk=id_of(value), is_active=True).first()
    if warehouse is None:
        raise InvalidInput(errors={"warehouse": [_("Unknown warehouse.")]})
    return warehouse


def _valid_until(value) -> datetime.date:
    today = timezone.localdate()
    day = parse_day(value, field="valid_until", required=False)
    if day is None:
        return today + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)
    if day < today:
        raise InvalidInput(errors={"valid_until": [_("The notice must be valid today or later.")]})
    return day


def _require_not_expired(notice: ShippingNotice) -> None:
    if notice.valid_until < timezone.localdate():
        raise RuleViolation(
            "notice_expired",
            detail=_("%(number)s was valid until %(day)s.")
            % {"number": notice.number, "day": notice.valid_until.isoformat()},
            errors={"valid_until": [_("The notice has expired.")]},
        )


def _require_no_overdue(notice: ShippingNotice) -> None:
    """R12: a customer with an amount overdue as of today gets no new notice approved. The
    sum needs only the customer's id: the row is read for the refusal's wording alone (the
    engine hands `shipping_notice_approved` a notice without it)."""
    cached = ShippingNotice.customer.is_cached(notice)
    customer = notice.customer if cached else Customer(pk=notice.customer_id)
    overdue = customer_overdue_amount(customer=customer, as_of=timezone.localdate())
    if overdue > 0:
        raise RuleViolation(
            "customer_overdue",
            detail=_("%(customer)s has %(amount)s overdue; collect it before shipping.")
            % {"customer": notice.customer.name, "amount": format_amount(overdue)},
            errors={"contract": [_("The customer has an overdue amount.")]},
        )


# --- the clerk's notice -------------------------------------------------------------------------


@transaction.atomic(durable=True)
def shipping_notice_create(*, actor: "User", data: Mapping) -> ShippingNotice:
    """Draft a notice for an active contract of one of the clerk's customers (R12, R23)."""
    return _create(actor=actor, data=data)


def _create(*, actor: "User", data: Mapping) -> ShippingNotice:
    require_role(actor, *NOTICE_AUTHORS)
    reject_unknown_fields(data, NOTICE_FIELDS)
    errors: dict[str, list[str]] = {}
    contract = warehouse = valid_until = None
    pairs = []
    for step in ("contract", "warehouse", "valid_until", "lines"):
        try:
            if step == "contract":
                contract = contract_for_document(
                    actor=actor, contract_id=data.get("contract"), lock=True
                )
            elif step == "warehouse":
                warehouse = _warehouse(data.get("warehouse"))
            elif step == "valid_until":
                valid_until = _valid_until(data.get("valid_until"))
            elif contract is not None:
                pairs = parse_lines(contract=contract, lines=data.get("lines"))
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput(errors=errors)
    notice = ShippingNotice(
        contract=contract,
        customer=contract.customer,  # loaded with the contract
        warehouse=warehouse,
        valid_until=valid_until,
        delivery_place=_delivery_place(data.get("delivery_place"), contract),
        note=(data.get("note") or "").strip(),
        created_by=actor,
    )
    validate_instance(notice, exclude=["number", "contract", "customer", "warehouse", "created_by"])
    lines = _check_and_price(notice=None, pairs=pairs)
    _totals(notice, lines)
    notice.number = document_number(prefix="FH", series="shipping_notice")
    notice._history_user = actor
    notice.save()
    _save_lines(notice, lines, new=True)
    return notice


def _delivery_place(value, contract) -> str:
    """交货地点: as the clerk gives it, else (empty) the contract's."""
    return str(value or "").strip() or contract.delivery_place


def _locked(notice_id: int, *, actor: "User") -> ShippingNotice:
    notice = (
        ShippingNotice.objects.select_for_update(of=("self",))
        .select_related("customer", "contract")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotVisible()
    require_visible(notice, actor)
    return notice


@transaction.atomic(durable=True)
def shipping_notice_update(*, actor: "User", notice_id: int, data: Mapping) -> ShippingNotice:
    """A draft's warehouse, validity, delivery place, note or lines (the lines, when given,
    replace them; an empty delivery place is the contract's)."""
    return _update(actor=actor, notice_id=notice_id, data=data)


def _update(*, actor: "User", notice_id: int, data: Mapping) -> ShippingNotice:
    require_role(actor, *NOTICE_AUTHORS)
    reject_unknown_fields(data, ("warehouse", "valid_until", "delivery_place", "note", "lines"))
    notice = _locked(notice_id, actor=actor)
    if notice.status != ShippingNoticeStatus.DRAFT:
        refuse_state(notice, _("changed"))
    contract = contract_for_document(actor=actor, contract_id=notice.contract_id, lock=True)
    if "warehouse" in data:
        notice.warehouse = _warehouse(data.get("warehouse"))
    if "valid_until" in data:
        notice.valid_until = _valid_until(data.get("valid_until"))
    if "delivery_place" in data:
        notice.delivery_place = _delivery_place(data.get("delivery_place"), contract)
    if "note" in data:
        notice.note = (data.get("note") or "").strip()
    if "lines" in data:
        pairs = parse_lines(contract=contract, lines=data.get("lines"))
        _save_lines(notice, _check_and_price(notice=notice, pairs=pairs))
    notice._history_user = actor
    notice.save()
    return notice


@transaction.atomic(durable=True)
def shipping_notice_submit(*, actor: "User", notice_id: int) -> ShippingNotice:
    """Draft → submitted for the sales manager (R12). Under the contract's lock the quantities
    are checked again — two notices racing for the last contract quantity: the second one
    waits for the first and is refused `over_shipment` — and the customer's overdue amount."""
    return _submit(actor=actor, notice_id=notice_id)


@transaction.atomic(durable=True)
def shipping_notice_save_and_submit(
    *, actor: "User", notice_id: int | None = None, data: Mapping
) -> ShippingNotice:
    """The clerk's "submit" on the notice's form: create the draft (`notice_id` None) or
    update it, then submit it — one transaction, so a refusal of either (`over_shipment`,
    `customer_overdue`, a field) leaves nothing written (R25)."""
    if notice_id is None:
        notice = _create(actor=actor, data=data)
    else:
        notice = _update(actor=actor, notice_id=notice_id, data=data)
    return _submit(actor=actor, notice_id=notice.pk)


def _submit(*, actor: "User", notice_id: int) -> ShippingNotice:
    require_role(actor, *NOTICE_AUTHORS)
    notice = _locked(notice_id, actor=actor)
    if notice.status != ShippingNoticeStatus.DRAFT:
        refuse_state(notice, _("submitted"))
    _require_not_expired(notice)
    contract_for_document(actor=actor, contract_id=notice.contract_id, lock=True)
    _reprice_lines(notice)
    _require_no_overdue(notice)
    notice.submit()
    notice.submitted_at = timezone.now()
    notice._history_user = actor
    notice.save(
        update_fields=["status", "submitted_at", "net_amount", "tax_amount", "gross_amount"]
    )
    approval_request_open(document=notice, actor=actor)
    return notice


def _load_lines(notice: ShippingNotice) -> None:
    """The notice's lines with their products, one query, kept on the notice for the rest of
    the service and for the API's answer (issue 14)."""
    if not carries(notice, "lines"):
        set_prefetched(notice, "lines", notice.lines.select_related("product"))


def _stock_rows(notice: ShippingNotice) -> list[tuple[int, Decimal]]:
    """(product, quantity) of the notice, summed per product, in product order (lock order)."""
    totals: dict[int, Decimal] = {}
    for line in notice.lines.all():
        totals[line.product_id] = totals.get(line.product_id, Decimal("0")) + line.quantity
    return sorted(totals.items())


def _reserve(notice: ShippingNotice, sign: int, rows=None) -> None:
    """Reserve (+1) or release (−1) the notice's quantities on its warehouse's stock rows,
    locked in one statement in product order, moved in one UPDATE."""
    rows = rows if rows is not None else _stock_rows(notice)
    if not rows:
        return
    levels = stock_levels_locked(
        warehouse_id=notice.warehouse_id,
        product_ids=[product_id for product_id, _q in rows],
        create=sign > 0,
    )
    stock_reserved_add(levels=levels, changes=_reservation_changes(levels, rows, sign))


def _reservation_changes(levels, rows, sign: int) -> dict[int, Decimal]:
    """By product, what reserving (+1) or releasing (−1) `rows` adds to the locked rows'
    `reserved`: never below zero, whatever happened in between (the database also refuses
    it); a product without a row has nothing reserved to release."""
    changes = {}
    for product_id, quantity in rows:
        level = levels.get(product_id)
        if level is None:
            continue
        change = quantity if sign > 0 else -min(quantity, level.reserved)
        require_within_bounds(level.reserved + change, maximum=MAX_QUANTITY, field="lines")
        changes[product_id] = change
    return changes


def _require_stock(notice: ShippingNotice, rows, levels) -> None:
    """R13 with reservations honoured in approval order: for each product (in product order),
    the stock on hand, less what the warehouse's notices approved before this one still hold,
    must cover the quantity. `levels` are the stock rows locked by the caller, which every
    issue, approval and expiry of the product takes; what the earlier notices hold is read
    after that lock, for every product in one query."""
    earlier = Q(notice__approved_at__lt=notice.approved_at) | Q(
        notice__approved_at=notice.approved_at, notice_id__lt=notice.pk
    )
    ahead = dict(
        ShippingNoticeLine.objects.filter(
            earlier,
            product_id__in=[product_id for product_id, _q in rows],
            notice__warehouse_id=notice.warehouse_id,
            notice__status=ShippingNoticeStatus.APPROVED,
        )
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .order_by()
        .values_list("product_id", "total")
    )
    for product_id, quantity in rows:
        level = levels.get(product_id)
        on_hand = level.on_hand if level else Decimal("0")
        held = ahead.get(product_id) or Decimal("0")
        if on_hand - held < quantity:
            product = Product.objects.get(pk=product_id)
            raise RuleViolation(
                "insufficient_stock",
                detail=_(
                    "%(product)s: %(on_hand)s on hand, %(ahead)s of it held by notices approved "
                    "earlier; %(wanted)s cannot be issued."
                )
                % {
                    "product": product,
                    "on_hand": format_quantity(on_hand),
                    "ahead": format_quantity(held),
                    "wanted": format_quantity(quantity),
                },
                errors={"lines": [_("Not enough stock for %(product)s.") % {"product": product}]},
            )


def shipping_notice_approved(*, notice: ShippingNotice, actor: "User") -> None:
    """The sales manager's approval (called by the engine, the notice locked): the overdue and
    validity are checked again as of today, the notice is approved and its quantities are
    reserved in its warehouse (shown as `reserved`; available = on hand − reserved)."""
    _require_not_expired(notice)
    _require_no_overdue(notice)
    notice.approve()
    notice.approved_at = timezone.now()
    notice._history_user = actor
    notice.save(update_fields=["status", "approved_at"])
    _reserve(notice, +1)


@transaction.atomic(durable=True)
def shipping_notice_cancel(*, actor: "User", notice_id: int) -> ShippingNotice:
    """A draft notice (its author) or an approved, not yet issued one (its author or a sales
    manager) is cancelled; an approved one gives its reservation back."""
    notice = _locked(notice_id, actor=actor)
    if notice.created_by_id != actor.pk and not has_role(actor, Role.SALES_MANAGER):
        require_role(actor, Role.SALES_MANAGER)
    if notice.status not in (ShippingNoticeStatus.DRAFT, ShippingNoticeStatus.APPROVED):
        refuse_state(notice, _("cancelled"))
    if notice.status == ShippingNoticeStatus.APPROVED:
        _reserve(notice, -1)
    notice.cancel()
    notice._history_user = actor
    notice.save()
    return notice


# --- outbound and gate (R13) ---------------------------------------------------------------------


@transaction.atomic(durable=True)
def shipping_notice_issue(*, actor: "User", notice_id: int) -> ShippingNotice:
    """The warehouse issues an approved notice that has not expired (`notice_expired`): every
    line leaves stock in this transaction (`insufficient_stock`, the stock row locked), the
    reservation is released, the gate pass number (出门证 CM-YYYY-NNNNN) is issued and the
    contract ledger's `shipped` grows by the notice's gross."""
    require_role(actor, Role.WAREHOUSE)
    notice = _locked(notice_id, actor=actor)
    if notice.status != ShippingNoticeStatus.APPROVED:
        refuse_state(notice, _("issued"))
    _require_not_expired(notice)
    _load_lines(notice)
    rows = _stock_rows(notice)
    levels = stock_levels_locked(
        warehouse_id=notice.warehouse_id, product_ids=[product_id for product_id, _q in rows]
    )
    _require_stock(notice, rows, levels)
    stock_moves_post(
        actor=actor,
        warehouse_id=notice.warehouse_id,
        kind=StockMoveKind.ISSUE,
        levels=levels,
        quantities={product_id: -quantity for product_id, quantity in rows},
        release={
            product_id: -change
            for product_id, change in _reservation_changes(levels, rows, -1).items()
        },
        reference=notice.number,
    )
    notice.issue()
    notice.gate_pass_no = document_number(prefix="CM", series="gate_pass")
    notice.issued_by = actor
    notice.issued_at = timezone.now()
    notice._history_user = actor
    notice.save(update_fields=["status", "gate_pass_no", "issued_by", "issued_at"])
    ledger_add_shipped(contract_id=notice.contract_id, amount=notice.gross_amount)
    return notice


@transaction.atomic(durable=True)
def shipping_notice_exit(*, actor: "User", notice_id: int, gate_pass_no=None) -> ShippingNotice:
    """Security records that the goods left (R13). A gate pass number, when given (typed or
    scanned from the pass), must be the notice's."""
    return _exit(actor=actor, notice_id=notice_id, gate_pass_no=gate_pass_no)


def _exit(*, actor: "User", notice_id: int, gate_pass_no=None) -> ShippingNotice:
    require_role(actor, Role.SECURITY)
    notice = _locked(notice_id, actor=actor)
    if notice.status != ShippingNoticeStatus.ISSUED:
        refuse_state(notice, _("let out"))
    if gate_pass_no not in (None, "") and gate_pass_number(gate_pass_no) != (
        notice.gate_pass_no or ""
    ):
        raise InvalidInput(
            errors={"gate_pass_no": [_("This is not the gate pass of %s.") % notice.number]}
        )
    notice.exit()
    notice.exited_by = actor
    notice.exited_at = timezone.now()
    notice._history_user = actor
    notice.save(update_fields=["status", "exited_by", "exited_at"])
    return notice


@transaction.atomic(durable=True)
def gate_exit(*, actor: "User", gate_pass_no) -> ShippingNotice:
    """Security's gate check: the exit recorded by the pass number alone."""
    require_role(actor, Role.SECURITY)
    notice = shipping_notice_by_gate_pass(gate_pass_no)
    return _exit(actor=actor, notice_id=notice.pk, gate_pass_no=gate_pass_no)


# --- signed delivery (R14) ----------------------------------------------------------------------


def _check_scan(scan) -> list[str]:
    """A scan of the signed copy: PDF, JPEG or PNG (by name and by content), within the size
    limit (settings.DELIVERY_SCAN_MAX_BYTES)."""
    import os

    limit = settings.DELIVERY_SCAN_MAX_BYTES
    extension = os.path.splitext(getattr(scan, "name", "") or "")[1].lower()
    if extension not in SCAN_TYPES:
        return [_("Upload a PDF, JPEG or PNG file.")]
    if scan.size > limit:
        return [_("The file is larger than %(size)s.") % {"size": filesizeformat(limit)}]
    if scan.size == 0:
        return [_("The file is empty.")]
    scan.seek(0)
    head = scan.read(16)
    scan.seek(0)
    if not any(head.startswith(magic) for magic in SCAN_TYPES[extension]):
        return [_("The file's content is not a %(type)s.") % {"type": extension[1:].upper()}]
    return []


def _delivery_post(*, notice: ShippingNotice, day, booked_on, actor: "User") -> None:
    """Revenue (R14): the ledger's `delivered` and the amount due (from the signing day, R18),
    then the event finance posts to the journal on `booked_on` — all in the recording
    transaction."""
    ledger = ledger_add_delivered(
        contract_id=notice.contract_id,
        amount=notice.gross_amount,
        delivered_on=day,
        reference=notice.number,
        credit_days=notice.contract.credit_days,
    )
    delivery_confirmed.send(
        sender=ShippingNotice,
        notice=notice,
        contract_id=notice.contract_id,
        delivered_on=day,
        booked_on=booked_on,
        net=notice.net_amount,
        tax=notice.tax_amount,
        amount=notice.gross_amount,
        lines=[
            {
                "contract_line": line.contract_line_id,
                "product": line.product_id,
                "quantity": line.quantity,
                "net": line.net,
                "tax": line.tax,
                "gross": line.amount,
            }
            for line in notice.lines.all()
        ],
        ledger=ledger,
        actor=actor,
    )


@transaction.atomic(durable=True)
def shipping_notice_confirm_delivery(
    *,
    actor: "User",
    notice_id: int,
    signed_by,
    signed_at,
    scan=None,
    book_in_open_period: bool = False,
) -> ShippingNotice:
    """Record the customer-signed delivery copy (R14): signer, signing date (any past date —
    late paperwork — but not a future one nor, unless `book_in_open_period`, one in a closed
    period), optional scan. Only now is the shipment revenue and due: the contract ledger's
    `delivered` grows, the amount falls due on the signing date + credit days, and
    `delivery_confirmed` is sent for finance. A late document (`core.periods`): signed in a
    closed month and `book_in_open_period`, it keeps its signing date and posts on the first
    day of the first open month after it, recorded as `booked_on`."""
    require_role(actor, Role.SALES_CLERK)
    notice = _locked(notice_id, actor=actor)
    errors: dict[str, list[str]] = {}
    signed_by = str(signed_by or "").strip()
    if not signed_by:
        errors["signed_by"] = [_("Enter who signed for the customer.")]
    elif len(signed_by) > 100:
        errors["signed_by"] = [_("At most 100 characters.")]
    try:
        day = parse_day(signed_at, field="signed_at")
        if day > timezone.localdate():
            errors["signed_at"] = [_("The signing date cannot be in the future.")]
    except InvalidInput as error:
        errors.update(error.errors)
        day = None
    if scan is not None:
        scan_errors = _check_scan(scan)
        if scan_errors:
            errors["scan"] = scan_errors
    if errors:
        raise InvalidInput(errors=errors)
    if notice.status != ShippingNoticeStatus.SHIPPED:
        refuse_state(notice, _("confirmed as delivered"))
    booked = booking_date(day, late_ok=bool(book_in_open_period), field="signed_at")
    notice.deliver()
    notice.signed_by = signed_by
    notice.signed_at = day
    notice.booked_on = booked if booked != day else None
    notice.delivery_recorded_by = actor
    notice.delivery_recorded_at = timezone.now()
    if scan is not None:
        notice.signed_scan.save(scan.name, scan, save=False)
    try:
        notice._history_user = actor
        notice.save(
            update_fields=[
                "status",
                "signed_by",
                "signed_at",
                "booked_on",
                "delivery_recorded_by",
                "delivery_recorded_at",
                "signed_scan",
            ]
        )
        _load_lines(notice)
        _delivery_post(notice=notice, day=day, booked_on=booked, actor=actor)
    except BaseException:
        # The transaction rolls back: the stored scan must not stay behind without its row.
        if scan is not None:
            notice.signed_scan.delete(save=False)
        raise
    return notice


# --- expiry (R12, daily) -------------------------------------------------------------------------


def shipping_notices_expire(*, as_of: datetime.date | None = None) -> dict[str, int]:
    """The daily job (R12): a notice past its validity that is still submitted or approved
    expires — an approved one gives back its reservation, a submitted one's approval request
    is closed without anyone's decision (it leaves the sales manager's inbox); no longer open,
    its quantities no longer count against the contract. Each notice in its own transaction;
    one that fails is logged and left for the next run; running it twice changes nothing."""
    as_of = as_of or timezone.localdate()
    counts = {"expired": 0, "failed": 0}
    stale = ShippingNotice.objects.filter(
        status__in=[ShippingNoticeStatus.APPROVED, ShippingNoticeStatus.SUBMITTED],
        valid_until__lt=as_of,
    ).values_list("pk", flat=True)
    for notice_id in list(stale):
        try:
            with transaction.atomic(durable=True):
                if _expire_one(notice_id=notice_id, as_of=as_of):
                    counts["expired"] += 1
        except Exception:
            logger.exception("shipping notice %s could not be expired", notice_id)
            counts["failed"] += 1
    return counts


def _expire_one(*, notice_id: int, as_of: datetime.date) -> bool:
    notice = ShippingNotice.objects.select_for_update(of=("self",)).get(pk=notice_id)
    if notice.valid_until >= as_of or notice.status not in (
        ShippingNoticeStatus.APPROVED,
        ShippingNoticeStatus.SUBMITTED,
    ):
        return False  # changed since the list was read
    if notice.status == ShippingNoticeStatus.APPROVED:
        _reserve(notice, -1)
    else:
        approval_lapse_document(document=notice)
    notice.expire()
    notice.expired_at = timezone.now()
    notice._change_reason = _("expired on %(day)s") % {"day": notice.valid_until.isoformat()}
    notice.save()
    return True
