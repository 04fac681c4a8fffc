"""Credit change requests (R2): the only way credit limit, credit days and risk level change."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.services import approval_request_open, approval_withdraw_document
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.numbering import document_number
from core.permissions import require_role
from core.roles import Role
from core.validation import validate_instance
from sales.models import CreditChangeRequest, CreditChangeStatus, Customer
from sales.selectors import customer_list

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PROPOSERS = (Role.SALES_MANAGER, Role.FINANCE)


def _draft_for_author(*, actor: "User", change_id: int) -> CreditChangeRequest:
    change = CreditChangeRequest.objects.select_for_update().filter(pk=change_id).first()
    if change is None:
        raise NotVisible()
    if change.created_by_id != actor.pk:
        raise PermissionRefused(detail=_("Only the author may change or submit this request."))
    if change.status != CreditChangeStatus.DRAFT:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only a draft can be changed or submitted; this one is %(status)s.")
            % {"status": change.get_status_display()},
        )
    return change


def _validate(change: CreditChangeRequest, *, exclude: tuple[str, ...] = ()) -> None:
    """Model validation naming each field (R25). The non-negative limit is a table
    constraint, which full_clean reports without a field ("__all__"); it is named here."""
    errors: dict[str, list[str]] = {}
    limit = change.credit_limit
    if isinstance(limit, Decimal | int) and limit < 0:
        errors["credit_limit"] = [_("The credit limit cannot be negative.")]
        exclude = (*exclude, "credit_limit")  # so the constraint is not reported again
    try:
        validate_instance(change, exclude=exclude)
    except InvalidInput as error:
        errors = {**error.errors, **errors}
    if errors:
        raise InvalidInput(errors=errors)


# credit_change_create and credit_change_submit are not durable while the sales demo seed
# (`seed_demo`) runs them inside its own transaction; the other entry points are.


@transaction.atomic(durable=True)
def credit_change_create(
    *,
    actor: "User",
    customer_id: int,
    credit_limit: Decimal,
    credit_days: int,
    risk_level: str,
    reason: str,
) -> CreditChangeRequest:
    require_role(actor, *PROPOSERS)
    customer = customer_list(user=actor).filter(pk=customer_id).first()
    if customer is None:
        raise InvalidInput(errors={"customer": [_("Unknown customer.")]})
    change = CreditChangeRequest(
        customer=customer,
        credit_limit=credit_limit,
        credit_days=credit_days,
        risk_level=risk_level,
        reason=(reason or "").strip(),
        created_by=actor,
        number="pending",
    )
    _validate(change, exclude=("number",))
    change.number = document_number(prefix="XY", series="credit_change")
    change._history_user = actor
    change.save()
    return change


@transaction.atomic(durable=True)
def credit_change_update(*, actor: "User", change_id: int, **fields) -> CreditChangeRequest:
    """Edit a draft (R21: editing is possible only in draft)."""
    from core.validation import reject_unknown_fields

    reject_unknown_fields(fields, ("credit_limit", "credit_days", "risk_level", "reason"))
    change = _draft_for_author(actor=actor, change_id=change_id)
    if "reason" in fields:
        fields["reason"] = (fields["reason"] or "").strip()  # as when proposing
    for name, value in fields.items():
        setattr(change, name, value)
    _validate(change)
    change._history_user = actor
    change.save()
    return change


@transaction.atomic(durable=True)
def credit_change_submit(*, actor: "User", change_id: int) -> CreditChangeRequest:
    """Submit a draft to the general manager (R2); re-submitting starts a new request."""
    change = _draft_for_author(actor=actor, change_id=change_id)
    change.submit()
    change._history_user = actor
    change.save()
    approval_request_open(document=change, actor=actor)
    return change


@transaction.atomic(durable=True)
def credit_change_cancel(*, actor: "User", change_id: int) -> CreditChangeRequest:
    change = _draft_for_author(actor=actor, change_id=change_id)
    change.cancel()
    change._history_user = actor
    change.save()
    return change


@transaction.atomic(durable=True)
def credit_change_withdraw(*, actor: "User", change_id: int) -> CreditChangeRequest:
    """Submitted → draft: the author takes the request back before the general manager decides
    (R21; the engine checks that `actor` is the author and records the withdrawal)."""
    change = CreditChangeRequest.objects.select_for_update().filter(pk=change_id).first()
    if change is None:
        raise NotVisible()
    approval_withdraw_document(actor=actor, document=change)
    change.refresh_from_db()
    return change


def credit_change_apply(*, change: CreditChangeRequest, actor: "User") -> None:
    """Called by the approval engine, in its transaction, when the GM approves: the customer
    row is locked and changed together with the request (R2)."""
    customer = Customer.objects.select_for_update().get(pk=change.customer_id)
    change.previous_credit_limit = customer.credit_limit
    change.previous_credit_days = customer.credit_days
    change.previous_risk_level = customer.risk_level
    change.approve()
    change.applied_at = timezone.now()
    change._history_user = actor
    change.save()
    customer.credit_limit = change.credit_limit
    customer.credit_days = change.credit_days
    customer.risk_level = change.risk_level
    customer.credit_reviewed_on = timezone.localdate()
    customer._change_reason = f"{change.number}"
    customer._history_user = actor
    customer.save(
        update_fields=[
            "credit_limit",
            "credit_days",
            "risk_level",
            "credit_reviewed_on",
            "updated_at",
        ]
    )
