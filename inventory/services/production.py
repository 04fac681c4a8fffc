"""Production notices (R10) and goods receipts (R11).

A production notice is prepared by the planner from an active contract; its lines, with the
other live notices of the contract, stay within the contract's quantities (`over_production`,
checked under the contract's row lock); the sales VP signs it through the approval engine.
A goods receipt is recorded by production with the QC certificate number; QC — another person —
confirms it, and only then does stock go up (one receipt move in the same transaction).
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.services import approval_request_open
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.formats import format_quantity
from core.numbering import document_number
from core.permissions import require_role
from core.roles import Role
from core.validation import id_of, reject_unknown_fields, validate_instance
from inventory.models import (
    GoodsReceipt,
    GoodsReceiptStatus,
    ProductionNotice,
    ProductionNoticeLine,
    ProductionNoticeStatus,
    StockMoveKind,
    Warehouse,
)
from inventory.selectors import contract_lines_in_production
from inventory.services.common import (
    check_within_contract,
    contract_for_document,
    parse_day,
    parse_lines,
    refuse_state,
)
from inventory.services.stock import stock_move_post
from sales.models import Product

if TYPE_CHECKING:
    from django.contrib.auth.models import User


NOTICE_FIELDS = ("contract", "due_date", "note", "lines")


def _check_within_contract(*, notice: ProductionNotice | None, pairs) -> None:
    """R10: Σ quantities of the contract line's counted notices + these ≤ the line's."""
    check_within_contract(
        code="over_production",
        pairs=pairs,
        counted=contract_lines_in_production([line for line, _q in pairs], exclude_notice=notice),
        message=_(
            "%(product)s: %(quantity)s on this notice and %(already)s on others exceed "
            "the contract's %(contracted)s."
        ),
    )


def _save_lines(notice: ProductionNotice, pairs) -> None:
    notice.lines.all().delete()
    ProductionNoticeLine.objects.bulk_create(
        ProductionNoticeLine(
            notice=notice, contract_line=line, product_id=line.product_id, quantity=quantity
        )
        for line, quantity in pairs
    )


@transaction.atomic(durable=True)
def production_notice_create(*, actor: "User", data: Mapping) -> ProductionNotice:
    """Draft a production notice (R10): planner, active contract, lines ≤ contract lines."""
    require_role(actor, Role.PLANNER)
    reject_unknown_fields(data, NOTICE_FIELDS)
    errors: dict[str, list[str]] = {}
    contract = due_date = None
    pairs = []
    try:
        contract = contract_for_document(actor=actor, contract_id=data.get("contract"), lock=True)
        pairs = parse_lines(contract=contract, lines=data.get("lines"))
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        due_date = parse_day(data.get("due_date"), field="due_date")
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors=errors)
    notice = ProductionNotice(
        contract=contract,
        customer_id=contract.customer_id,
        due_date=due_date,
        note=(data.get("note") or "").strip(),
        created_by=actor,
    )
    validate_instance(notice, exclude=["number", "contract", "customer", "created_by"])
    _check_within_contract(notice=None, pairs=pairs)
    notice.number = document_number(prefix="SC", series="production_notice")
    notice._history_user = actor
    notice.save()
    _save_lines(notice, pairs)
    return notice


def _locked_notice(*, notice_id: int) -> ProductionNotice:
    notice = (
        ProductionNotice.objects.select_for_update(of=("self",))
        .select_related("contract")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotVisible()
    return notice


@transaction.atomic(durable=True)
def production_notice_update(*, actor: "User", notice_id: int, data: Mapping) -> ProductionNotice:
    require_role(actor, Role.PLANNER)
    reject_unknown_fields(data, ("due_date", "note", "lines"))
    notice = _locked_notice(notice_id=notice_id)
    if notice.status != ProductionNoticeStatus.DRAFT:
        refuse_state(notice, _("changed"))
    contract = contract_for_document(actor=actor, contract_id=notice.contract_id, lock=True)
    if "due_date" in data:
        notice.due_date = parse_day(data.get("due_date"), field="due_date")
    if "note" in data:
        notice.note = (data.get("note") or "").strip()
    validate_instance(notice, exclude=["number", "contract", "customer", "created_by"])
    if "lines" in data:
        pairs = parse_lines(contract=contract, lines=data.get("lines"))
        _check_within_contract(notice=notice, pairs=pairs)
        _save_lines(notice, pairs)
    notice._history_user = actor
    notice.save()
    return notice


@transaction.atomic(durable=True)
def production_notice_submit(*, actor: "User", notice_id: int) -> ProductionNotice:
    """Draft → submitted, for the sales VP's signature (R10). The quantities are checked
    again under the contract's lock: a notice submitted meanwhile counts."""
    require_role(actor, Role.PLANNER)
    notice = _locked_notice(notice_id=notice_id)
    if notice.status != ProductionNoticeStatus.DRAFT:
        refuse_state(notice, _("submitted"))
    # The contract's lock serialises the quantity check with every other notice's submit.
    contract_for_document(actor=actor, contract_id=notice.contract_id, lock=True)
    pairs = [
        (line.contract_line, line.quantity)
        for line in notice.lines.select_related("contract_line__product")
    ]
    _check_within_contract(notice=notice, pairs=pairs)
    notice.submit()
    notice.submitted_at = timezone.now()
    notice._history_user = actor
    notice.save()
    approval_request_open(document=notice, actor=actor)
    return notice


def production_notice_released(*, notice: ProductionNotice, actor: "User") -> None:
    """The sales VP's signature (called by the approval engine, the notice locked): submitted
    → released to production (R10)."""
    notice.release()
    notice.released_at = timezone.now()
    notice._history_user = actor
    notice.save()


@transaction.atomic(durable=True)
def production_notice_complete(*, actor: "User", notice_id: int) -> ProductionNotice:
    """Released → completed: the planner closes the notice (production is done)."""
    require_role(actor, Role.PLANNER)
    notice = _locked_notice(notice_id=notice_id)
    if notice.status != ProductionNoticeStatus.RELEASED:
        refuse_state(notice, _("completed"))
    notice.complete()
    notice.completed_at = timezone.now()
    notice._history_user = actor
    notice.save()
    return notice


@transaction.atomic(durable=True)
def production_notice_cancel(*, actor: "User", notice_id: int) -> ProductionNotice:
    require_role(actor, Role.PLANNER)
    notice = _locked_notice(notice_id=notice_id)
    if notice.status != ProductionNoticeStatus.DRAFT:
        refuse_state(notice, _("cancelled"))
    notice.cancel()
    notice._history_user = actor
    notice.save()
    return notice


# --- goods receipts (R11) -------------------------------------------------------------------------

# Who reads goods receipts (the QC queue and its API): stock documents, not a customer's, so
# R23's clerk filter does not fit; the roles that make, check, plan and store the goods do.
RECEIPT_READERS = (Role.PRODUCTION, Role.QC, Role.PLANNER, Role.WAREHOUSE, Role.GENERAL_MANAGER)

RECEIPT_FIELDS = ("product", "warehouse", "quantity", "qc_certificate_no", "production_notice")


@transaction.atomic(durable=True)
def goods_receipt_record(*, actor: "User", data: Mapping) -> GoodsReceipt:
    """Production records what it hands to the warehouse, with the QC certificate number
    (R11). Nothing moves in stock yet."""
    require_role(actor, Role.PRODUCTION)
    reject_unknown_fields(data, RECEIPT_FIELDS)
    errors: dict[str, list[str]] = {}
    product = Product.objects.filter(pk=id_of(data.get("product"))).first()
    if product is None:
        errors["product"] = [_("Unknown product.")]
    warehouse = Warehouse.objects.filter(pk=id_of(data.get("warehouse")), is_active=True).first()
    if warehouse is None:
        errors["warehouse"] = [_("Unknown warehouse.")]
    notice = None
    if data.get("production_notice") not in (None, ""):
        notice = ProductionNotice.objects.filter(pk=id_of(data.get("production_notice"))).first()
        if notice is None:
            errors["production_notice"] = [_("Unknown production notice.")]
        elif notice.status != ProductionNoticeStatus.RELEASED:
            errors["production_notice"] = [_("The production notice is not released.")]
        elif product is not None and not notice.lines.filter(product=product).exists():
            errors["product"] = [_("This product is not on the production notice.")]
    receipt = GoodsReceipt(
        product=product,
        warehouse=warehouse,
        quantity=data.get("quantity"),
        qc_certificate_no=(data.get("qc_certificate_no") or "").strip(),
        production_notice=notice,
        created_by=actor,
    )
    try:
        validate_instance(
            receipt,
            exclude=["number", "product", "warehouse", "production_notice", "created_by"],
            constraints=False,
        )
    except InvalidInput as error:
        errors.update(error.errors)
    if "quantity" not in errors and receipt.quantity <= 0:
        errors["quantity"] = [_("Enter a quantity greater than zero.")]
    if errors:
        raise InvalidInput(errors=errors)
    if notice is not None:
        _check_within_notice(notice=notice, product=product, quantity=receipt.quantity)
    receipt.number = document_number(prefix="RK", series="goods_receipt")
    receipt._history_user = actor
    receipt.save()
    return receipt


def _check_within_notice(*, notice: ProductionNotice, product, quantity) -> None:
    """R10: goods received against a notice stay within what it orders. Under the notice's
    lock, receipts not rejected (recorded or posted) + this one ≤ the notice's quantity of the
    product; more than that is made without a notice — record it without one."""
    ProductionNotice.objects.select_for_update().filter(pk=notice.pk).first()
    ordered = notice.lines.filter(product=product).aggregate(total=Sum("quantity"))["total"]
    received = GoodsReceipt.objects.filter(production_notice=notice, product=product).exclude(
        status=GoodsReceiptStatus.REJECTED
    ).aggregate(total=Sum("quantity"))["total"] or Decimal("0")
    if received + quantity > ordered:
        raise RuleViolation(
            "over_production",
            detail=_(
                "%(number)s orders %(ordered)s of %(product)s and %(received)s are already "
                "received against it; %(quantity)s more exceed it."
            )
            % {
                "number": notice.number,
                "ordered": ordered,
                "product": product,
                "received": received,
                "quantity": quantity,
            },
            errors={
                "quantity": [_("At most %(left)s.") % {"left": format_quantity(ordered - received)}]
            },
        )


def _locked_receipt(receipt_id: int) -> GoodsReceipt:
    receipt = GoodsReceipt.objects.select_for_update().filter(pk=receipt_id).first()
    if receipt is None:
        raise NotVisible()
    return receipt


def _require_other_person(receipt: GoodsReceipt, actor: "User") -> None:
    if receipt.created_by_id == actor.pk:
        raise PermissionRefused(
            "self_approval_forbidden",
            detail=_("QC confirmation is by another person than the one who recorded it."),
        )


@transaction.atomic(durable=True)
def goods_receipt_confirm(*, actor: "User", receipt_id: int) -> GoodsReceipt:
    """QC confirms (R11): recorded → posted, and the stock goes up in this transaction."""
    require_role(actor, Role.QC)
    receipt = _locked_receipt(receipt_id)
    _require_other_person(receipt, actor)
    if receipt.status != GoodsReceiptStatus.RECORDED:
        refuse_state(receipt, _("confirmed"))
    receipt.stock_move = stock_move_post(
        actor=actor,
        product_id=receipt.product_id,
        warehouse_id=receipt.warehouse_id,
        kind=StockMoveKind.RECEIPT,
        quantity=receipt.quantity,
        reference=receipt.number,
    )
    receipt.post()
    receipt.confirmed_by = actor
    receipt.confirmed_at = timezone.now()
    receipt._history_user = actor
    receipt.save()
    return receipt


@transaction.atomic(durable=True)
def goods_receipt_reject(*, actor: "User", receipt_id: int, reason: str) -> GoodsReceipt:
    """QC refuses a receipt (wrong count, certificate missing): nothing enters stock."""
    require_role(actor, Role.QC)
    receipt = _locked_receipt(receipt_id)
    _require_other_person(receipt, actor)
    if not (reason or "").strip():
        raise InvalidInput(errors={"reason": [_("Say why the receipt is rejected.")]})
    if receipt.status != GoodsReceiptStatus.RECORDED:
        refuse_state(receipt, _("rejected"))
    receipt.reject()
    receipt.rejection_reason = reason.strip()[:300]
    receipt.confirmed_by = actor
    receipt.confirmed_at = timezone.now()
    receipt._history_user = actor
    receipt.save()
    return receipt
