"""Quotations and bids 报价/投标 (R27): entry, submit for review, outcome, and the way a won
one becomes an order.

A quotation is for a customer or for a lead, by the salesperson who owns it (R23); its lines are
priced and checked like an order's (R5, `order_lines_build`). It is editable only in draft and
goes through the one approval engine (R21): the sales head, above 800,000.00 gross also the
marketing director (the chain in `sales.models.quotations`). Approved, it goes out; the
salesperson records the outcome, won or lost (with the reason). A won quotation becomes a draft
order with the same lines, priced on today's list (R5 again); a lead is converted into a
customer first (R26). Locks: the quotation row, then (to-order) the lead and the new customer.
"""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from approvals.services import approval_request_open, approval_withdraw_document
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.money import document_amounts
from core.numbering import document_number
from core.permissions import require_role, sees_customer
from core.prefetch import set_prefetched
from core.validation import id_of, reject_unknown_fields, validate_instance
from sales.models import (
    Customer,
    Lead,
    LeadStatus,
    Order,
    Quotation,
    QuotationKind,
    QuotationLine,
    QuotationStatus,
)
from sales.selectors import price_list_active
from sales.services.leads import lead_convert_within
from sales.services.orders import (
    ORDER_AUTHORS,
    order_create_within,
    order_lines_build,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The salesperson quotes (the same role that enters orders: a won quotation becomes their order).
QUOTATION_AUTHORS = ORDER_AUTHORS
QUOTATION_FIELDS = ("valid_until", "bid_deadline", "note")


def _day(value, field: str, *, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(errors={field: [_("This field is required.")]})
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        day = parse_date(str(value))
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput(errors={field: [_("Enter a date as YYYY-MM-DD.")]})
    return day


def _set_dates(quotation: Quotation, fields: Mapping, *, creating: bool) -> None:
    """`valid_until` (required) and `bid_deadline` (a bid's tender deadline, optional): neither
    in the past, and a bid valid at least until its deadline. A field left out is kept."""
    if creating or "valid_until" in fields:
        quotation.valid_until = _day(fields.get("valid_until"), "valid_until", required=True)
    if creating or "bid_deadline" in fields:
        quotation.bid_deadline = _day(fields.get("bid_deadline"), "bid_deadline", required=False)
    # A tender deadline makes it a bid 投标; without one it is a quotation 报价.
    quotation.kind = QuotationKind.BID if quotation.bid_deadline else QuotationKind.QUOTATION
    _require_dates_ahead(quotation)


def _require_dates_ahead(quotation: Quotation) -> None:
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if quotation.valid_until < today:
        errors["valid_until"] = [_("The validity date cannot be in the past.")]
    if quotation.bid_deadline is not None:
        if quotation.bid_deadline < today:
            errors["bid_deadline"] = [_("The bid deadline cannot be in the past.")]
        elif quotation.valid_until < quotation.bid_deadline:
            errors["valid_until"] = [_("A bid must stay valid at least until its deadline.")]
    if errors:
        raise InvalidInput(errors=errors)


def _active_price_list():
    price_list = price_list_active(on=timezone.localdate(), with_items=False)
    if price_list is None:
        raise RuleViolation(
            "not_on_price_list",
            detail=_("No price list is active today; the general manager must approve one."),
        )
    return price_list


def _lines_build(lines: Sequence[Mapping] | None, price_list) -> list[QuotationLine]:
    return order_lines_build(
        lines=lines or [], price_list=price_list, line_class=QuotationLine, document="quotation"
    )


def _party(*, actor: "User", customer_id, lead_id) -> tuple[Customer | None, Lead | None]:
    """The customer or the lead quoted (exactly one), active and the actor's (R23); a lead
    already converted is quoted as its customer (and keeps the lead)."""
    if (customer_id in (None, "")) == (lead_id in (None, "")):
        message = _("Quote either a customer or a lead.")
        raise InvalidInput(errors={"customer": [message], "lead": [message]})
    if customer_id not in (None, ""):
        customer = (
            Customer.objects.filter(pk=id_of(customer_id), is_active=True).first()
            if id_of(customer_id)
            else None
        )
        if customer is None or not sees_customer(actor, owner_id=customer.owner_id):
            raise InvalidInput(errors={"customer": [_("Unknown customer.")]})
        return customer, None
    lead = (
        Lead.objects.select_related("customer").filter(pk=id_of(lead_id)).first()
        if id_of(lead_id)
        else None
    )
    if lead is None or not sees_customer(actor, owner_id=lead.owner_id):
        raise InvalidInput(errors={"lead": [_("Unknown lead.")]})
    if lead.status == LeadStatus.CLOSED:
        raise RuleViolation(
            "lead_not_open",
            detail=_("The lead is closed; a closed lead cannot be quoted."),
            errors={"lead": [_("The lead is closed.")]},
        )
    return lead.customer, lead


def _save_lines(quotation: Quotation, lines: Sequence[QuotationLine], actor, *, replace: bool):
    if replace:
        for old in quotation.lines.all():
            old._history_user = actor
            old.delete()
    for line in lines:
        line.quotation = quotation
    bulk_create_with_history(list(lines), QuotationLine, default_user=actor)
    set_prefetched(quotation, "lines", lines)


def _totals(quotation: Quotation, lines: Sequence[QuotationLine]) -> None:
    quotation.net_amount, quotation.tax_amount, quotation.gross_amount = document_amounts(
        (line.net, line.tax, line.gross) for line in lines
    )


def _quotation_of_author(*, actor: "User", quotation_id) -> Quotation:
    """The quotation locked, its party read for R23; only its salesperson acts on it."""
    quotation = (
        Quotation.objects.select_for_update(of=("self",))
        .select_related("customer", "lead")
        .filter(pk=id_of(quotation_id) or 0)
        .first()
    )
    if quotation is None or not sees_customer(actor, owner_id=quotation.owner_id):
        raise NotVisible()
    if quotation.created_by_id != actor.pk:
        raise PermissionRefused(
            detail=_("Only the salesperson who entered the quotation may do this.")
        )
    return quotation


def _require_status(quotation: Quotation, *statuses: str, action: str) -> None:
    if quotation.status not in statuses:
        raise RuleViolation(
            "invalid_transition",
            detail=_("A quotation that is %(status)s cannot be %(action)s.")
            % {"status": quotation.get_status_display(), "action": action},
        )


@transaction.atomic(durable=True)
def quotation_create(
    *,
    actor: "User",
    lines: Sequence[Mapping],
    customer=None,
    lead=None,
    **fields,
) -> Quotation:
    """A draft quotation (or, with a `bid_deadline`, a bid) for one of the salesperson's
    customers or leads (R23), priced on today's active list (R5)."""
    require_role(actor, *QUOTATION_AUTHORS)
    reject_unknown_fields(fields, QUOTATION_FIELDS)
    party_customer, party_lead = _party(actor=actor, customer_id=customer, lead_id=lead)
    price_list = _active_price_list()
    quotation = Quotation(
        customer=party_customer,
        lead=party_lead,
        price_list=price_list,
        created_by=actor,
        number="pending",
        note=fields.get("note") or "",
    )
    _set_dates(quotation, fields, creating=True)
    validate_instance(
        quotation,
        exclude=["number", "customer", "lead", "price_list", "created_by"],
        constraints=False,
    )
    built = _lines_build(lines, price_list)
    _totals(quotation, built)
    quotation.number = document_number(prefix="QT", series="quotation")
    quotation._history_user = actor
    quotation.save()
    _save_lines(quotation, built, actor, replace=False)
    return quotation


@transaction.atomic(durable=True)
def quotation_update(
    *, actor: "User", quotation_id: int, lines: Sequence[Mapping] | None = None, **fields
) -> Quotation:
    """Change a draft (R21: only in draft); lines are replaced as a whole and repriced on
    today's list (R5); a field left out is kept."""
    reject_unknown_fields(fields, QUOTATION_FIELDS)
    quotation = _quotation_of_author(actor=actor, quotation_id=quotation_id)
    _require_status(quotation, QuotationStatus.DRAFT, action=_("changed"))
    _set_dates(quotation, fields, creating=False)
    if "note" in fields:
        quotation.note = fields["note"] or ""
    validate_instance(quotation, exclude=["customer", "lead"], constraints=False)
    if lines is not None:
        quotation.price_list = _active_price_list()
        built = _lines_build(lines, quotation.price_list)
        _totals(quotation, built)
        _save_lines(quotation, built, actor, replace=True)
    quotation._history_user = actor
    quotation.save()
    return quotation


@transaction.atomic(durable=True)
def quotation_submit(*, actor: "User", quotation_id: int) -> Quotation:
    """Draft → submitted for review (R27): its dates still ahead, its lines re-checked against
    today's list (R5); the chain opens — the sales head, and the marketing director when the
    gross is above 800,000.00."""
    quotation = _quotation_of_author(actor=actor, quotation_id=quotation_id)
    _require_status(quotation, QuotationStatus.DRAFT, action=_("submitted"))
    _require_dates_ahead(quotation)
    quotation.price_list = _active_price_list()
    stored = list(quotation.lines.select_related("product"))
    _lines_build(
        [
            {
                "product": line.product_id,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_rate": line.tax_rate,
            }
            for line in stored
        ],
        quotation.price_list,
    )
    set_prefetched(quotation, "lines", stored)
    quotation.submitted_at = timezone.now()
    quotation.submit()
    quotation._history_user = actor
    quotation.save(update_fields=["status", "price_list", "submitted_at"])
    approval_request_open(document=quotation, actor=actor)
    return quotation


@transaction.atomic(durable=True)
def quotation_cancel(*, actor: "User", quotation_id: int) -> Quotation:
    """Cancel a draft or submitted quotation; a submitted one is withdrawn from review first."""
    quotation = _quotation_of_author(actor=actor, quotation_id=quotation_id)
    if quotation.status == QuotationStatus.SUBMITTED:
        approval_withdraw_document(actor=actor, document=quotation, comment=_("Cancelled"))
        quotation.refresh_from_db()
    _require_status(quotation, QuotationStatus.DRAFT, action=_("cancelled"))
    quotation.cancel()
    quotation._history_user = actor
    quotation.save()
    return quotation


@transaction.atomic(durable=True)
def quotation_won(*, actor: "User", quotation_id: int, reason: str = "") -> Quotation:
    """An approved quotation the customer accepted, within its validity (R27)."""
    quotation = _quotation_of_author(actor=actor, quotation_id=quotation_id)
    _require_status(quotation, QuotationStatus.APPROVED, action=_("won"))
    if quotation.valid_until < timezone.localdate():
        raise RuleViolation(
            "quotation_expired",
            detail=_("The quotation was valid until %(day)s; quote again.")
            % {"day": quotation.valid_until.isoformat()},
        )
    quotation.win()
    quotation.outcome_reason = (reason or "").strip()[:300]
    quotation.decided_at = timezone.now()
    quotation._history_user = actor
    quotation.save()
    return quotation


@transaction.atomic(durable=True)
def quotation_lost(*, actor: "User", quotation_id: int, reason: str = "") -> Quotation:
    """An approved quotation that did not win; the reason is required (the funnel reads it)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(errors={"reason": [_("Say why the quotation was lost.")]})
    if len(reason) > 300:
        raise InvalidInput(errors={"reason": [_("At most 300 characters.")]})
    quotation = _quotation_of_author(actor=actor, quotation_id=quotation_id)
    _require_status(quotation, QuotationStatus.APPROVED, action=_("lost"))
    quotation.lose()
    quotation.outcome_reason = reason
    quotation.decided_at = timezone.now()
    quotation._history_user = actor
    quotation.save()
    return quotation


@transaction.atomic(durable=True)
def quotation_to_order(*, actor: "User", quotation_id: int, tax_id: str | None = None) -> Order:
    """A won quotation becomes a draft order with the same lines and prices (R27), checked on
    today's list (R5); a quotation for a lead converts the lead first (R26; `tax_id` for the new
    customer; 409 `duplicate_customer` and nothing written when it would duplicate one). Once:
    a second call is refused."""
    quotation = _quotation_of_author(actor=actor, quotation_id=quotation_id)
    _require_status(quotation, QuotationStatus.WON, action=_("turned into an order"))
    if quotation.order_id is not None:
        raise RuleViolation(
            "invalid_transition",
            detail=_("The quotation is already order %(number)s.")
            % {"number": Order.objects.get(pk=quotation.order_id).number},
        )
    customer = quotation.customer
    if customer is None:
        customer = lead_convert_within(actor=actor, lead_id=quotation.lead_id, tax_id=tax_id)
    lines = [
        {
            "product": line.product_id,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "tax_rate": line.tax_rate,
        }
        for line in quotation.lines.all()
    ]
    order = order_create_within(
        actor=actor,
        customer_id=customer.pk,
        lines=lines,
        note=_("From quotation %(number)s.") % {"number": quotation.number},
    )
    quotation.customer = customer
    quotation.order = order
    quotation._history_user = actor
    quotation.save(update_fields=["customer", "order"])
    return order
