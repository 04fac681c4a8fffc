"""Orders (合同申报单): entry, credit check and approval (R3, R4, R5, R7).

Exposure (R3) is a counter on the customer, changed under the customer's row lock in the same
transaction as the event: + gross at submit, − what was added when the order returns to draft.
The credit check therefore reads one locked row, whatever the customer's history (R4).
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.services import approval_request_open, approval_withdraw_document
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.money import document_amounts, line_amounts
from core.numbering import document_number
from core.permissions import require_role, sees_all_customers
from core.roles import Role
from core.validation import id_of, reject_unknown_fields, validate_instance
from sales.models import (
    CreditStatus,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    PriceList,
    Product,
)
from sales.selectors import customer_list, customer_overdue_amount, price_list_active

ORDER_AUTHORS = (Role.SALES_CLERK,)
LINE_FIELDS = ("product", "quantity", "unit_price", "tax_rate")


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    if value is None or value == "":
        errors.setdefault(field, []).append(_("This field is required."))
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return None


def _active_price_list() -> PriceList:
    price_list = price_list_active(on=timezone.localdate())
    if price_list is None:
        raise RuleViolation(
            "not_on_price_list",
            detail=_("No price list is active today; the general manager must approve one (R6)."),
        )
    return price_list


def order_lines_build(*, lines: Sequence[Mapping], price_list: PriceList) -> list[OrderLine]:
    """Lines with their amounts, checked against the price list (R5). Bad input is a 400
    naming `lines.N.field`; a product off the list or a price below its floor is a 409."""
    if not lines:
        raise InvalidInput(errors={"lines": [_("Add at least one line.")]})
    errors: dict[str, list[str]] = {}
    ids = [id_of(line.get("product")) for line in lines]
    products = {p.pk: p for p in Product.objects.filter(pk__in=[i for i in ids if i])}
    built = []
    for index, line in enumerate(lines):
        reject_unknown_fields(line, LINE_FIELDS)
        product = products.get(ids[index])
        if product is None:
            errors.setdefault(f"lines.{index}.product", []).append(_("Unknown product."))
        quantity = _decimal(line.get("quantity"), f"lines.{index}.quantity", errors)
        price = _decimal(line.get("unit_price"), f"lines.{index}.unit_price", errors)
        rate = line.get("tax_rate")
        if rate in (None, ""):
            rate = product.tax_rate if product else None
        else:
            rate = _decimal(rate, f"lines.{index}.tax_rate", errors)
        if None in (product, quantity, price, rate):
            continue
        net, tax, gross = line_amounts(quantity=quantity, unit_price=price, tax_rate=rate)
        order_line = OrderLine(
            product=product,
            quantity=quantity,
            unit_price=price,
            tax_rate=rate,
            net=net,
            tax=tax,
            gross=gross,
        )
        try:
            # The product was loaded above and gross = net + tax by construction: only the
            # field validators need to run (the database keeps the constraints).
            validate_instance(
                order_line,
                exclude=["order", "product"],
                prefix=f"lines.{index}",
                constraints=False,
            )
        except InvalidInput as error:
            errors.update(error.errors)
            continue
        built.append((index, order_line))
    if errors:
        raise InvalidInput(errors=errors)
    items = {item.product_id: item for item in price_list.items.all()}
    for index, order_line in built:
        item = items.get(order_line.product_id)
        if item is None:
            raise RuleViolation(
                "not_on_price_list",
                detail=_("%(product)s is not on the active price list %(list)s (R5).")
                % {"product": order_line.product, "list": price_list.number},
                errors={f"lines.{index}.product": [_("Not on the active price list.")]},
            )
        if order_line.unit_price < item.floor_price:
            raise RuleViolation(
                "below_floor_price",
                detail=_("The price of %(product)s is below its floor price %(floor)s (R5).")
                % {"product": order_line.product, "floor": item.floor_price},
                errors={
                    f"lines.{index}.unit_price": [
                        _("At least %(floor)s.") % {"floor": item.floor_price}
                    ]
                },
            )
    return [order_line for _index, order_line in built]


def _totals(order: Order, lines: Sequence[OrderLine]) -> None:
    order.net_amount, order.tax_amount, order.gross_amount = document_amounts(
        (line.net, line.tax, line.gross) for line in lines
    )


def _save_lines(order: Order, lines: Sequence[OrderLine], actor) -> None:
    for old in order.lines.all():
        old._history_user = actor
        old.delete()
    for line in lines:
        line.order = order
        line._history_user = actor
        line.save()


def _visible_customer(*, actor, customer_id) -> Customer:
    customer = customer_list(user=actor).filter(pk=customer_id, is_active=True).first()
    if customer is None:
        raise InvalidInput(errors={"customer": [_("Unknown customer.")]})
    return customer


@transaction.atomic
def order_create(
    *, actor, customer_id: int, lines: Sequence[Mapping], first_payment_ratio=None, note: str = ""
) -> Order:
    """A draft order for one of the clerk's customers (R23), priced from today's active list."""
    require_role(actor, *ORDER_AUTHORS)
    customer = _visible_customer(actor=actor, customer_id=customer_id)
    price_list = _active_price_list()
    order = Order(
        customer=customer,
        price_list=price_list,
        created_by=actor,
        number="pending",
        note=note or "",
    )
    if first_payment_ratio is not None:
        order.first_payment_ratio = first_payment_ratio
    validate_instance(order, exclude=["number"])
    built = order_lines_build(lines=lines, price_list=price_list)
    _totals(order, built)
    order.number = document_number(prefix="SO", series="order")
    order._history_user = actor
    order.save()
    _save_lines(order, built, actor)
    return order


def _draft_of_author(*, actor, order_id: int) -> Order:
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None or not (sees_all_customers(actor) or order.customer.owner_id == actor.pk):
        raise NotVisible()
    if order.created_by_id != actor.pk:
        raise PermissionRefused(detail=_("Only the salesperson who entered the order may do this."))
    return order


def _require_draft(order: Order) -> None:
    if order.status != OrderStatus.DRAFT:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only a draft order can be changed or submitted; this one is %(status)s.")
            % {"status": order.get_status_display()},
        )


@transaction.atomic
def order_update(
    *,
    actor,
    order_id: int,
    lines: Sequence[Mapping] | None = None,
    first_payment_ratio=None,
    note: str | None = None,
) -> Order:
    """Change a draft (R21: editing only in draft); lines are replaced as a whole."""
    order = _draft_of_author(actor=actor, order_id=order_id)
    _require_draft(order)
    order.price_list = _active_price_list()
    if first_payment_ratio is not None:
        order.first_payment_ratio = first_payment_ratio
    if note is not None:
        order.note = note
    validate_instance(order)
    if lines is not None:
        built = order_lines_build(lines=lines, price_list=order.price_list)
        _totals(order, built)
        _save_lines(order, built, actor)
    order._history_user = actor
    order.save()
    return order


def credit_check_passes(*, customer: Customer, amount: Decimal) -> bool:
    """R4, on a customer row the caller has locked: exposure + amount ≤ limit, nothing
    overdue, not blocked. A limit of 0 means no credit, never "unlimited"."""
    if customer.blocked:
        return False
    if customer_overdue_amount(customer=customer, as_of=timezone.localdate()) > 0:
        return False
    return customer.exposure + amount <= customer.credit_limit


@transaction.atomic
def order_submit(*, actor, order_id: int) -> Order:
    """Submit for approval (R7): re-check the lines against today's list (R5), then the credit
    check under the customer's row lock (R4); the order's gross joins the exposure (R3). On
    hold, the chain gets the one-time credit controller release step."""
    order = _draft_of_author(actor=actor, order_id=order_id)
    _require_draft(order)
    order.price_list = _active_price_list()
    order_lines_build(
        lines=[
            {
                "product": line.product,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_rate": line.tax_rate,
            }
            for line in order.lines.select_related("product")
        ],
        price_list=order.price_list,
    )
    customer = Customer.objects.select_for_update().get(pk=order.customer_id)
    hold = not credit_check_passes(customer=customer, amount=order.gross_amount)
    Customer.objects.filter(pk=customer.pk).update(exposure=F("exposure") + order.gross_amount)
    order.exposure_amount = order.gross_amount
    order.credit_status = CreditStatus.HOLD if hold else CreditStatus.PASSED
    order.submitted_at = timezone.now()
    order.submit()
    order._history_user = actor
    order.save()
    approval_request_open(document=order, actor=actor, on_hold=hold)
    return order


def order_release_exposure(*, order: Order) -> None:
    """Take back what the order added to its customer's exposure (R3), under the customer's
    row lock; called in the transaction that returns or ends the order."""
    if not order.exposure_amount:
        return
    Customer.objects.select_for_update().filter(pk=order.customer_id).update(
        exposure=F("exposure") - order.exposure_amount
    )
    order.exposure_amount = Decimal("0.00")


@transaction.atomic
def order_cancel(*, actor, order_id: int) -> Order:
    """Cancel a draft or submitted order; a submitted one is withdrawn from approval first."""
    order = _draft_of_author(actor=actor, order_id=order_id)
    if order.status == OrderStatus.SUBMITTED:
        approval_withdraw_document(actor=actor, document=order, comment=_("Cancelled"))
        order.refresh_from_db()
    if order.status != OrderStatus.DRAFT:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only a draft or submitted order can be cancelled; this one is %(status)s.")
            % {"status": order.get_status_display()},
        )
    order.cancel()
    order._history_user = actor
    order.save()
    return order
