"""Delegations (委托, R21): a user hands one of their roles to a colleague for a date range;
decisions made with it show "on behalf of" the delegator. Which delegations hold today is a
read: `approvals.selectors.delegations_active`."""

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Delegation
from core.errors import NotVisible, PermissionRefused
from core.permissions import user_roles
from core.validation import validate_instance

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic(durable=True)
def delegation_create(
    *, actor: "User", delegate: "User", role: str, valid_from: date, valid_to: date
) -> Delegation:
    """Hand one of the actor's own roles to another user for a date range."""
    if role not in user_roles(actor):
        raise PermissionRefused(
            detail=_("You can only delegate a role you hold."),
            errors={"role": [_("You do not hold this role.")]},
        )
    delegation = Delegation(
        delegator=actor, delegate=delegate, role=role, valid_from=valid_from, valid_to=valid_to
    )
    validate_instance(delegation)
    delegation.save()
    return delegation


@transaction.atomic(durable=True)
def delegation_revoke(*, actor: "User", delegation_id: int) -> Delegation:
    """End a delegation early; only its delegator may (anyone else gets a 404)."""
    delegation = Delegation.objects.select_for_update().filter(pk=delegation_id).first()
    if delegation is None or delegation.delegator_id != actor.pk:
        raise NotVisible()
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
    return delegation
