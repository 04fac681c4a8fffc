"""Orders (合同申报单): entry, credit check and approval (R3, R4, R5, R7).

Exposure (R3) is a counter on the customer, changed under the customer's row lock in the same
transaction as the event: + gross at submit, − what was added when the order returns to draft.
The credit check therefore reads one locked row, whatever the customer's history (R4).
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import connections, router, transaction
from django.db.models import F, OuterRef
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from approvals.services import (
    approval_policy_steps,
    approval_request_open,
    approval_withdraw_document,
)
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.formats import format_amount
from core.money import MAX_AMOUNT, document_amounts, line_amounts, within_bounds
from core.numbering import document_number
from core.permissions import require_role, sees_customer
from core.prefetch import set_prefetched
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
from sales.models.orders import PricedLine
from sales.selectors import (
    customer_list,
    floor_price_on,
    order_credit_outlook,
    order_lines_priced,
    price_list_active,
    products_priced,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ORDER_AUTHORS = (Role.SALES_CLERK,)
LINE_FIELDS = ("product", "quantity", "unit_price", "tax_rate")
# 交货日期, 交货地点, 付款方式: optional on a draft; a delivery date, when given, is not in the
# past when it is entered nor when the order is submitted (a 400 naming `delivery_date`).
DELIVERY_FIELDS = ("delivery_date", "delivery_place", "payment_method")


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    if value is None or value == "":
        errors.setdefault(field, []).append(_("This field is required."))
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    return number


def _active_price_list(price_list: PriceList | None = None) -> PriceList:
    """Today's active list (R5), or refuses; `price_list`: the one read already."""
    if price_list is None:
        price_list = price_list_active(on=timezone.localdate(), with_items=False)
    if price_list is None:
        raise RuleViolation(
            "not_on_price_list",
            detail=_("No price list is active today; the general manager must approve one."),
        )
    return price_list


def order_lines_build(
    *,
    lines: Sequence[Mapping],
    price_list: PriceList,
    products: Mapping[int, Product] | None = None,
    line_class: type[PricedLine] = OrderLine,
    document: str = "order",
) -> list[PricedLine]:
    """Lines with their amounts, checked against the price list (R5): an order's, or with
    `line_class` another sales document's (a quotation's, R27). Bad input is a 400
    naming `lines.N.field`; a product off the list or a price below its floor is a 409.
    `products`: the products by id, each with its `list_floor_price` on `price_list`
    (`sales.selectors.products_priced`), when the caller has them already; else one query
    reads the products and their floor prices together."""
    if not lines:
        raise InvalidInput(errors={"lines": [_("Add at least one line.")]})
    errors: dict[str, list[str]] = {}
    ids = [id_of(line.get("product")) for line in lines]
    if products is None:
        products = products_priced(price_list=price_list, product_ids={i for i in ids if i})
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
        order_line = line_class(product=product, quantity=quantity, unit_price=price, tax_rate=rate)
        try:
            # The field validators first (R25), the bounds of quantity and price among them
            # (`core.fields`), so the amounts below are computed from numbers in range. The
            # product was loaded above: the database keeps the constraints.
            validate_instance(
                order_line,
                exclude=[document, "product", "net", "tax", "gross"],
                prefix=f"lines.{index}",
                constraints=False,
            )
        except InvalidInput as error:
            errors.update(error.errors)
            continue
        order_line.net, order_line.tax, order_line.gross = line_amounts(
            quantity=quantity, unit_price=price, tax_rate=rate
        )
        if not within_bounds(order_line.gross, maximum=MAX_AMOUNT):
            errors.setdefault(f"lines.{index}.quantity", []).append(
                _("Quantity × unit price is beyond the largest amount that can be recorded.")
            )
            continue
        built.append((index, order_line))
    if not errors and not within_bounds(
        document_amounts((line.net, line.tax, line.gross) for _i, line in built)[2],
        maximum=MAX_AMOUNT,
    ):
        errors["lines"] = [_("The total is beyond the largest amount that can be recorded.")]
    if errors:
        raise InvalidInput(errors=errors)
    for index, order_line in built:
        floor_price = order_line.product.list_floor_price
        if floor_price is None:
            raise RuleViolation(
                "not_on_price_list",
                detail=_("%(product)s is not on the active price list %(list)s.")
                % {"product": order_line.product, "list": price_list.number},
                errors={f"lines.{index}.product": [_("Not on the active price list.")]},
            )
        if order_line.unit_price < floor_price:
            raise RuleViolation(
                "below_floor_price",
                detail=_("The price of %(product)s is below its floor price %(floor)s.")
                % {"product": order_line.product, "floor": format_amount(floor_price)},
                errors={
                    f"lines.{index}.unit_price": [
                        _("At least %(floor)s.") % {"floor": format_amount(floor_price)}
                    ]
                },
            )
    return [order_line for _index, order_line in built]


def _totals(order: Order, lines: Sequence[OrderLine]) -> None:
    order.net_amount, order.tax_amount, order.gross_amount = document_amounts(
        (line.net, line.tax, line.gross) for line in lines
    )


def _save_lines(
    order: Order, lines: Sequence[OrderLine], actor: "User", *, replace: bool = True
) -> None:
    """The order's lines become `lines` (`replace=False`: a new order, with none to delete):
    one INSERT for the lines and one for their history rows (R24), whatever their number."""
    if replace:
        for old in order.lines.all():
            old._history_user = actor
            old.delete()
    for line in lines:
        line.order = order
    bulk_create_with_history(list(lines), OrderLine, default_user=actor)
    set_prefetched(order, "lines", lines)  # what the API answers with (issue 14)


def _set_delivery(order: Order, delivery: Mapping) -> None:
    """The delivery terms given; a field left out is kept, None or "" clears it."""
    reject_unknown_fields(delivery, DELIVERY_FIELDS)
    for field in DELIVERY_FIELDS:
        if field not in delivery:
            continue
        value = delivery[field]
        if field == "delivery_date":
            value = value or None
            if value is not None:
                value = _day(value)
                _require_delivery_date_ahead(value)
        else:
            value = str(value or "").strip()
        setattr(order, field, value)


def _day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        day = parse_date(str(value))
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput(errors={"delivery_date": [_("Enter a date as YYYY-MM-DD.")]})
    return day


def _require_delivery_date_ahead(day) -> None:
    if day is not None and day < timezone.localdate():
        raise InvalidInput(
            errors={"delivery_date": [_("The delivery date cannot be in the past.")]}
        )


def _visible_customer(*, actor: "User", customer_id, customer: Customer | None = None) -> Customer:
    """The active customer `customer_id` that `actor` sees (R23), else a 400 naming the field.
    `customer`: that customer's row as the caller read it in this request (the API's
    serializer, through `customer_list`): checked here by the same predicate, not read again
    (issue 14)."""
    if customer is not None and customer.pk == id_of(customer_id):
        if customer.is_active and sees_customer(actor, owner_id=customer.owner_id):
            return customer
        raise InvalidInput(errors={"customer": [_("Unknown customer.")]})
    # `get`, not `first`: no ORDER BY for a lookup by primary key (issue 14).
    try:
        return customer_list(user=actor).get(pk=customer_id, is_active=True)
    except (Customer.DoesNotExist, TypeError, ValueError):
        raise InvalidInput(errors={"customer": [_("Unknown customer.")]}) from None


# Entry points are `durable=True` (one service = one transaction) except `order_create` and
# `order_submit`: `order_save_and_submit` runs them in its own transaction, and so does the
# inventory app's demo seed (`seed_demo_fulfilment`), until the seed no longer wraps its calls in
# a transaction. The steps below do the work; the services add the transaction.


def _create(
    *,
    actor: "User",
    customer_id: int,
    lines: Sequence[Mapping],
    first_payment_ratio=None,
    note: str = "",
    customer: Customer | None = None,
    **delivery,
) -> Order:
    require_role(actor, *ORDER_AUTHORS)
    customer = _visible_customer(actor=actor, customer_id=customer_id, customer=customer)
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
    _set_delivery(order, delivery)
    # The customer, the list and the author were just read: no query to check they exist.
    # The table constraints repeat the field validators (ratio) or hold by construction
    # (amounts computed from validated lines); the database keeps them (core.validation).
    validate_instance(
        order, exclude=["number", "customer", "price_list", "created_by"], constraints=False
    )
    built = order_lines_build(lines=lines, price_list=price_list)
    _totals(order, built)
    order.number = document_number(prefix="SO", series="order")
    order._history_user = actor
    order.save()
    _save_lines(order, built, actor, replace=False)
    return order


def _draft_of_author(*, actor: "User", order_id: int) -> Order:
    """The order locked (not its customer: a submit locks that after the R5 checks), with its
    customer read for R23."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=order_id)
        .first()
    )
    if order is None or not sees_customer(actor, owner_id=order.customer.owner_id):
        raise NotVisible()
    if order.created_by_id != actor.pk:
        raise PermissionRefused(detail=_("Only the salesperson who entered the order may do this."))
    return order


def _draft_of_author_priced(
    *, actor: "User", order_id: int, price_list: PriceList | None
) -> tuple[Order, list[OrderLine]]:
    """`_draft_of_author` and the order's lines with their products, each product with its
    `list_floor_price` on `price_list` (`sales.selectors.order_lines_priced`): one query
    (issue 14), the lines joined to their order, locked (FOR UPDATE OF the order only, not its
    customer). An order has at least one line; one without is read on its own."""
    lines = OrderLine.objects.filter(order_id=order_id).select_related("order__customer", "product")
    if price_list is not None:
        lines = lines.annotate(list_floor_price=floor_price_on(price_list, OuterRef("product_id")))
    lines = list(lines.select_for_update(of=("order",)).order_by("pk"))
    if not lines:
        return _draft_of_author(actor=actor, order_id=order_id), []
    order = lines[0].order
    for line in lines:
        line.order = order  # one object, not a copy per row
        line.product.list_floor_price = getattr(line, "list_floor_price", None)
    if not sees_customer(actor, owner_id=order.customer.owner_id):
        raise NotVisible()
    if order.created_by_id != actor.pk:
        raise PermissionRefused(detail=_("Only the salesperson who entered the order may do this."))
    return order, lines


def _require_draft(order: Order) -> None:
    if order.status != OrderStatus.DRAFT:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only a draft order can be changed or submitted; this one is %(status)s.")
            % {"status": order.get_status_display()},
        )


def _update(
    *,
    actor: "User",
    order_id: int,
    lines: Sequence[Mapping] | None = None,
    first_payment_ratio=None,
    note: str | None = None,
    **delivery,
) -> Order:
    order = _draft_of_author(actor=actor, order_id=order_id)
    _require_draft(order)
    order.price_list = _active_price_list()
    if first_payment_ratio is not None:
        order.first_payment_ratio = first_payment_ratio
    if note is not None:
        order.note = note
    _set_delivery(order, delivery)
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
    overdue, not blocked. The check is `sales.selectors.order_credit_outlook`, the same read
    the order form's credit panel warns with, so the warning and the decision cannot differ."""
    return order_credit_outlook(customer=customer, amount=amount).passes


def _submit(*, actor: "User", order_id: int) -> Order:
    # Today's list first, refused only after the order's own checks (as when it was read
    # after them), so that the order and its lines priced on it are one query.
    price_list = price_list_active(on=timezone.localdate(), with_items=False)
    order, stored = _draft_of_author_priced(actor=actor, order_id=order_id, price_list=price_list)
    _require_draft(order)
    _require_delivery_date_ahead(order.delivery_date)
    order.price_list = _active_price_list(price_list)
    if not stored:  # no line (the draft was read on its own): none to price, R5 refuses below
        stored = order_lines_priced(order=order, price_list=order.price_list)
    order_lines_build(
        lines=[
            {
                "product": line.product,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_rate": line.tax_rate,
            }
            for line in stored
        ],
        price_list=order.price_list,
        products={line.product_id: line.product for line in stored},
    )
    set_prefetched(order, "lines", stored)  # what the API answers with (issue 14)
    # Read before the customer's lock, so the hot customer's row is held one query shorter.
    policy_steps = approval_policy_steps(Order.approval_document_type)
    # The customer's lock as late as possible (R4: everything above checks the order alone):
    # the order's gross joins the exposure (R3) by the statement that takes the lock and
    # returns the row, and only while the exposure has room for it (else nothing is written).
    customer = _customer_exposure_add(customer_id=order.customer_id, amount=order.gross_amount)
    if customer is None:
        raise InvalidInput(
            errors={
                "lines": [
                    _(
                        "With this order the customer's exposure would be beyond the largest "
                        "amount that can be recorded."
                    )
                ]
            }
        )
    order.customer = customer
    exposure_after = customer.exposure
    customer.exposure = exposure_after - order.gross_amount  # what the order found (R4)
    hold = not credit_check_passes(customer=customer, amount=order.gross_amount)
    customer.exposure = exposure_after
    order.exposure_amount = order.gross_amount
    order.credit_status = CreditStatus.HOLD if hold else CreditStatus.PASSED
    order.submitted_at = timezone.now()
    order.submit()
    order._history_user = actor
    order.save(
        update_fields=[
            "status",
            "price_list",
            "exposure_amount",
            "credit_status",
            "submitted_at",
        ]
    )
    approval_request_open(document=order, actor=actor, on_hold=hold, policy_steps=policy_steps)
    return order


def _customer_exposure_add(*, customer_id: int, amount: Decimal) -> Customer | None:
    """Add `amount` to the customer's exposure (R3) and return the customer's row as the
    update left it: one statement (UPDATE … RETURNING; PostgreSQL, SQLite ≥ 3.35) that takes
    the customer's row lock (R4), held until the commit — where a SELECT … FOR UPDATE and an
    UPDATE took two (issue 14). None, and nothing written, when the exposure would go beyond
    MAX_AMOUNT (R25)."""
    db = router.db_for_write(Customer)
    room = Customer.objects.using(db).filter(pk=customer_id, exposure__lte=MAX_AMOUNT - amount)
    update = room.query.chain(UpdateQuery)
    update.add_update_values({"exposure": F("exposure") + amount})
    sql, params = update.get_compiler(db).as_sql()
    quote = connections[db].ops.quote_name
    columns = ", ".join(quote(field.column) for field in Customer._meta.concrete_fields)
    return next(iter(Customer.objects.raw(f"{sql} RETURNING {columns}", params, using=db)), None)


@transaction.atomic(durable=True)
def order_create(
    *,
    actor: "User",
    customer_id: int,
    lines: Sequence[Mapping],
    first_payment_ratio=None,
    note: str = "",
    customer: Customer | None = None,
    **delivery,
) -> Order:
    """A draft order for one of the clerk's customers (R23), priced from today's active list;
    `delivery`: any of `delivery_date`, `delivery_place`, `payment_method`. `customer`: the
    row of `customer_id` when the caller has read it already (R23 is checked on it)."""
    return _create(
        actor=actor,
        customer_id=customer_id,
        lines=lines,
        first_payment_ratio=first_payment_ratio,
        note=note,
        customer=customer,
        **delivery,
    )


def order_create_within(
    *, actor: "User", customer_id: int, lines: Sequence[Mapping], note: str = "", **delivery
) -> Order:
    """`order_create` inside the caller's transaction: a won quotation becoming a draft order
    (R27, `sales.services.quotations.quotation_to_order`); the same checks (R5, R23)."""
    return _create(actor=actor, customer_id=customer_id, lines=lines, note=note, **delivery)


@transaction.atomic(durable=True)
def order_update(
    *,
    actor: "User",
    order_id: int,
    lines: Sequence[Mapping] | None = None,
    first_payment_ratio=None,
    note: str | None = None,
    **delivery,
) -> Order:
    """Change a draft (R21: editing only in draft); lines are replaced as a whole; a delivery
    field left out is kept."""
    return _update(
        actor=actor,
        order_id=order_id,
        lines=lines,
        first_payment_ratio=first_payment_ratio,
        note=note,
        **delivery,
    )


@transaction.atomic(durable=True)
def order_submit(*, actor: "User", order_id: int) -> Order:
    """Submit for approval (R7): re-check the lines against today's list (R5), then the credit
    check under the customer's row lock (R4); the order's gross joins the exposure (R3). On
    hold, the chain gets the one-time credit controller release step."""
    return _submit(actor=actor, order_id=order_id)


@transaction.atomic(durable=True)
def order_save_and_submit(
    *,
    actor: "User",
    order_id: int | None = None,
    customer_id: int | None = None,
    lines: Sequence[Mapping],
    first_payment_ratio=None,
    note: str | None = None,
    **delivery,
) -> Order:
    """Create a draft (no `order_id`, for `customer_id`) or change one, then submit it (R4,
    R7), in one transaction: a refusal of either leaves nothing written (R25)."""
    if order_id is None:
        order = _create(
            actor=actor,
            customer_id=customer_id,
            lines=lines,
            first_payment_ratio=first_payment_ratio,
            note=note or "",
            **delivery,
        )
    else:
        order = _update(
            actor=actor,
            order_id=order_id,
            lines=lines,
            first_payment_ratio=first_payment_ratio,
            note=note,
            **delivery,
        )
    return _submit(actor=actor, order_id=order.pk)


def order_release_exposure(*, order: Order) -> None:
    """Take back what the order added to its customer's exposure (R3), under the customer's
    row lock; called in the transaction that returns or ends the order."""
    if not order.exposure_amount:
        return
    Customer.objects.select_for_update().filter(pk=order.customer_id).update(
        exposure=F("exposure") - order.exposure_amount
    )
    order.exposure_amount = Decimal("0.00")


def order_exposure_collected(*, order: Order, amount: Decimal) -> Decimal:
    """R3: money allocated to the order's contract (`amount` > 0) takes as much off what the
    order adds to its customer's exposure; an allocation undone (`amount` < 0) puts it back.
    Finance calls it in the allocation's transaction, holding the customer's row lock, with
    the order as read under that lock: what an order adds (`exposure_amount`) is only written
    under its customer's lock (`_submit`, `order_release_exposure`), so the figure read is
    current. What the order adds never goes below 0 nor above its gross; returns the change
    made (two statements, none when nothing changes)."""
    change = max(
        -order.exposure_amount, min(-Decimal(amount), order.gross_amount - order.exposure_amount)
    )
    if change:
        Order.objects.filter(pk=order.pk).update(exposure_amount=F("exposure_amount") + change)
        Customer.objects.filter(pk=order.customer_id).update(exposure=F("exposure") + change)
        order.exposure_amount += change
    return change


@transaction.atomic(durable=True)
def order_cancel(*, actor: "User", order_id: int) -> Order:
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
