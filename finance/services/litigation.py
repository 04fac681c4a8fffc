"""Litigation follow-up (R18): contracts overdue more than 90 days are flagged by the daily job,
and finance, the sales manager and the general manager follow the cases up.

`litigations_flag` (daily, idempotent) opens a case for every contract whose oldest unpaid due
is more than 90 days past and that has no case open or in progress — unless a case was closed
after the contract crossed the 90 days (people decided; the job does not reopen their
decision; a later due crossing 90 days after that does open a new one). The owner is the
contract's salesperson until someone changes it. Cases not closed get their overdue amount
and oldest unpaid due date refreshed (figures, not edits: no history row).

`litigation_update` edits owner, notes and status (open → in progress → closed; a closed case
is reopened as in progress), under the case's row lock, with a history row (R24).
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from contracts.models import Contract
from core.errors import InvalidInput, RuleViolation
from core.permissions import require_role
from core.validation import reject_unknown_fields
from finance import selectors
from finance.models import LITIGATION_DAYS, LitigationCase, LitigationStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EDITABLE = ("owner", "notes", "status")
ZERO = Decimal("0.00")


def _crossed_on(oldest_due_on: datetime.date) -> datetime.date:
    """The first day the due is more than 90 days past."""
    return oldest_due_on + datetime.timedelta(days=LITIGATION_DAYS + 1)


def litigations_flag(*, as_of: datetime.date) -> dict:
    """R18, daily: open the cases of contracts overdue more than 90 days and refresh the
    figures of the cases not closed. Each case its own durable transaction; a second run the
    same day opens nothing. Returns what it did."""
    candidates = selectors.litigation_candidates(as_of=as_of)
    live = {
        case.contract_id: case
        for case in LitigationCase.objects.exclude(status=LitigationStatus.CLOSED)
    }
    last_closed: dict[int, datetime.date] = {}
    for contract_id, closed_at in (
        LitigationCase.objects.filter(
            status=LitigationStatus.CLOSED, contract_id__in=list(candidates)
        )
        .order_by("closed_at")
        .values_list("contract_id", "closed_at")
    ):
        last_closed[contract_id] = closed_at.date() if closed_at else datetime.date.min
    salespeople = dict(
        Contract.objects.filter(pk__in=list(candidates)).values_list("pk", "salesperson_id")
    )
    opened = []
    for contract_id, (oldest_due_on, overdue) in sorted(candidates.items()):
        if contract_id in live:
            continue
        closed = last_closed.get(contract_id)
        if closed is not None and closed >= _crossed_on(oldest_due_on):
            continue
        try:
            with transaction.atomic(durable=True):
                LitigationCase.objects.create(
                    contract_id=contract_id,
                    owner_id=salespeople[contract_id],
                    amount=overdue,
                    oldest_due_on=oldest_due_on,
                )
        except IntegrityError:  # opened meanwhile by another run: one case per contract
            continue
        opened.append(contract_id)
    # Figures of the cases already open: as of today, also when they dropped below 90 days.
    refreshed = 0
    if live:
        positions = selectors.litigation_candidates(
            as_of=as_of, min_days=0, contract_ids=list(live)
        )
        for contract_id, case in live.items():
            oldest, overdue = positions.get(contract_id, (case.oldest_due_on, ZERO))
            if (oldest, overdue) != (case.oldest_due_on, case.amount):
                LitigationCase.objects.filter(pk=case.pk).update(
                    amount=overdue, oldest_due_on=oldest
                )
                refreshed += 1
    return {"as_of": as_of.isoformat(), "opened": opened, "refreshed": refreshed}


@transaction.atomic(durable=True)
def litigation_update(*, actor: "User", case_id: int, data: Mapping) -> LitigationCase:
    """Edit a case's owner (a username), notes and status (R18). Bad input names the field and
    changes nothing; a status the case cannot move to is `invalid_transition`."""
    require_role(actor, *selectors.LITIGATION_ROLES)
    data = dict(data)
    reject_unknown_fields(data, EDITABLE)
    selectors.litigation_get(user=actor, case_id=case_id)
    case = LitigationCase.objects.select_for_update().get(pk=case_id)
    errors: dict[str, list] = {}
    if "owner" in data:
        owner = (
            get_user_model().objects.filter(username=data["owner"], is_active=True).first()
            if isinstance(data["owner"], str)
            else None
        )
        if owner is None:
            errors["owner"] = [_("Unknown user.")]
        else:
            case.owner = owner
    if "notes" in data:
        if not isinstance(data["notes"], str) or len(data["notes"]) > 5000:
            errors["notes"] = [_("Notes are text of at most 5,000 characters.")]
        else:
            case.notes = data["notes"]
    target = data.get("status", case.status)
    if target not in LitigationStatus.values:
        errors["status"] = [_("Choose open, in progress or closed.")]
    if errors:
        raise InvalidInput(errors=errors)
    if target != case.status:
        move = {
            (LitigationStatus.OPEN, LitigationStatus.IN_PROGRESS): case.start,
            (LitigationStatus.OPEN, LitigationStatus.CLOSED): case.close,
            (LitigationStatus.IN_PROGRESS, LitigationStatus.CLOSED): case.close,
            (LitigationStatus.CLOSED, LitigationStatus.IN_PROGRESS): case.reopen,
        }.get((case.status, target))
        if move is None:
            raise RuleViolation(
                "invalid_transition",
                detail=_("A %(from)s case cannot become %(to)s.")
                % {
                    "from": case.get_status_display(),
                    "to": LitigationStatus(target).label,
                },
                errors={"status": [_("Not a step this case can take.")]},
            )
        move()
    case._history_user = actor
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:  # reopened while the job opened a new case for the contract
        raise RuleViolation(
            "invalid_transition",
            detail=_("The contract has another case open; follow that one up."),
            errors={"status": [_("Not a step this case can take.")]},
        ) from None
    return case
