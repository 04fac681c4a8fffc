"""Commission slips (提成单), R19: every write of a slip's life.

DESIGN R19: "Commission is computed, never typed: for a salesperson and a month, Σ allocated
receipts on their contracts × contract rate − interest accrued that month on their overdue
contracts (offset; a slip never goes below 0, the rest carries over). Sales without a contract
earn none. Slip chain: prepared by clerk → `finance` → `finance_vp` → `general_manager`; then
paid." R20: a slip may be computed for any month up to the current one (the current month:
the figures so far).

How the figures are computed: finance/commission.py (the arithmetic) and
`finance.selectors.commission_figures` (the reads): collected is what the journal shows moved
by receipts on 1122 and 2203 per contract in the month, so an allocation counts in the month
it is dated, a receipt reversed in a later month is a negative line of that later month's
slip (the earlier, frozen slip never changes), and money left on account earns nothing.

- `commission_slip_create` — a clerk prepares their own slip, finance or a sales manager
  anyone's; one slip per salesperson and month (a cancelled draft does not count:
  `duplicate_commission_slip`); for a month no later than the current one.
- `commission_slip_recompute` — a draft's figures stored anew (every read of a draft already
  shows them live: `finance.selectors.commission_slips_with_figures`).
- `commission_slip_submit` — recomputed once more and frozen, numbered TC-YYYY-NNNNN (gapless
  per year, kept if the slip comes back to draft), then the chain finance → the VP of finance
  → the general manager (finance/models/chains.py).
- `commission_slip_approve` — the engine's hook on the last approval: Dr 6601 selling expense /
  Cr 2211 commission payable its total, dated the approval day (no entry for a zero total).
- `commission_slip_pay` — finance pays an approved slip: Dr 2211 / Cr 1002, dated the payment
  day (default today; `period_closed` when that month is closed).
- `commission_slip_cancel` — a draft that will not be submitted.
- `commission_slips_prepare` — the month-end run's step: for every salesperson with activity
  in the month the missing draft is created and existing drafts recomputed; idempotent (a
  second call changes nothing). Task: `finance.tasks.commission_slips_prepare`.

Locks: the slip's row (FOR UPDATE), then the month's period lock in `journal_post`.
"""

import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from approvals.models import ApprovalRequest
from approvals.services import approval_request_open
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.numbering import document_number
from core.periods import require_open_period
from core.permissions import has_role, require_role, sees_all_customers
from core.roles import Role
from core.system import is_system_user
from core.validation import id_of
from finance import selectors
from finance.commission import CommissionFigures
from finance.models import CommissionSlip, CommissionSlipLine, CommissionSlipStatus
from finance.services.journal import journal_post

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Who prepares slips (DESIGN §2: the clerk prepares, finance reviews): a clerk their own only.
COMMISSION_PREPARERS = (Role.SALES_CLERK, Role.SALES_MANAGER, Role.FINANCE)
# Who prepares and submits anyone's slip, and runs the month's preparation.
COMMISSION_MANAGERS = (Role.SALES_MANAGER, Role.FINANCE)
COMMISSION_PAYERS = (Role.FINANCE,)
SELLING_EXPENSE, COMMISSION_PAYABLE, BANK = "6601", "2211", "1002"


# --- input and rights --------------------------------------------------------------------------


def _salesperson(value) -> "User":
    """The salesperson named by a user, an id or a username: active, and a clerk or the
    salesperson of a contract; else a 400 naming the field."""
    User = get_user_model()
    if isinstance(value, User):
        user = value
    elif isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        user = User.objects.filter(pk=id_of(value) or 0).first()
    else:
        user = User.objects.filter(username=str(value or "").strip()).first()
    if user is None or not user.is_active or not user.username:
        raise InvalidInput(errors={"salesperson": [_("Choose an active salesperson.")]})
    if not (has_role(user, Role.SALES_CLERK) or user.contracts.exists()):
        raise InvalidInput(
            errors={"salesperson": [_("This user sells nothing: no clerk's role, no contract.")]}
        )
    return user


def _require_acts_for(actor: "User", salesperson_id: int) -> None:
    """R23: a clerk prepares and submits their own slips; finance and sales managers anyone's."""
    if has_role(actor, *COMMISSION_MANAGERS) or actor.pk == salesperson_id:
        return
    raise PermissionRefused(
        detail=_("A sales clerk prepares only their own commission slips."),
        errors={"salesperson": [_("You can only prepare your own commission slip.")]},
    )


def _locked_slip(*, actor: "User", slip_id) -> CommissionSlip:
    """The slip in the URL, locked; unknown or not visible (R23: a clerk sees their own) is a
    404."""
    slip = (
        CommissionSlip.objects.select_for_update(of=("self",))
        .select_related("salesperson")
        .filter(pk=id_of(slip_id) or 0)
        .first()
    )
    if slip is None or not (
        has_role(actor, *selectors.COMMISSION_READERS)
        and (sees_all_customers(actor) or slip.salesperson_id == actor.pk)
    ):
        raise NotVisible()
    return slip


def _refuse_state(slip: CommissionSlip, action: str) -> None:
    raise RuleViolation(
        "invalid_transition",
        detail=_("Commission slip %(number)s is %(status)s; it cannot be %(action)s.")
        % {"number": slip.display_number, "status": slip.get_status_display(), "action": action},
    )


def _save(slip: CommissionSlip, actor: "User") -> None:
    slip._history_user = actor
    slip.save()


def _store(slip: CommissionSlip, figures: CommissionFigures, actor: "User") -> bool:
    """Write `figures` onto the slip and its lines; True when anything changed (nothing is
    written otherwise, so a second preparation changes nothing)."""
    stored = [
        (line.contract_id, line.collected, line.rate, line.amount, line.interest)
        for line in slip.lines.order_by("contract_id")
    ]
    fresh = [
        (line.contract_id, line.collected, line.rate, line.amount, line.interest)
        for line in figures.lines
    ]
    header = figures.as_dict()
    same_header = all(getattr(slip, name) == value for name, value in header.items())
    if stored == fresh and same_header and slip.computed_at is not None:
        return False
    for name, value in header.items():
        setattr(slip, name, value)
    slip.computed_at = timezone.now()
    _save(slip, actor)
    if stored != fresh:
        slip.lines.all().delete()
        CommissionSlipLine.objects.bulk_create(
            CommissionSlipLine(
                slip=slip,
                contract_id=line.contract_id,
                collected=line.collected,
                rate=line.rate,
                amount=line.amount,
                interest=line.interest,
            )
            for line in figures.lines
        )
    return True


def _live(slip: CommissionSlip) -> CommissionFigures:
    return selectors.commission_live(salesperson=slip.salesperson_id, period=slip.period)


def _duplicate(salesperson: "User", period: str) -> RuleViolation:
    return RuleViolation(
        "duplicate_commission_slip",
        detail=_("%(salesperson)s already has a commission slip for %(period)s.")
        % {"salesperson": salesperson.get_full_name() or salesperson.username, "period": period},
        errors={"period": [_("A slip for this month exists already.")]},
    )


def _create(*, actor: "User", salesperson: "User", period: str, figures) -> CommissionSlip:
    slip = CommissionSlip(salesperson=salesperson, period=period, created_by=actor)
    try:
        with transaction.atomic():
            _save(slip, actor)
    except IntegrityError as exc:  # the partial unique index: one slip a month
        raise _duplicate(salesperson, period) from exc
    _store(slip, figures, actor)
    return slip


# --- entry points ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def commission_slip_create(*, actor: "User", salesperson, period) -> CommissionSlip:
    """A draft slip for `salesperson` and `period` (YYYY-MM, not after the current month),
    computed (R19); a clerk prepares only their own (R23)."""
    require_role(actor, *COMMISSION_PREPARERS)
    errors: dict = {}
    try:
        period = selectors.commission_period(period)
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        person = _salesperson(salesperson)
    except InvalidInput as error:
        errors.update(error.errors)
        person = None
    if person is not None and not errors:
        _require_acts_for(actor, person.pk)
    if errors:
        raise InvalidInput(errors=errors)
    taken = (
        CommissionSlip.objects.filter(salesperson=person, period=period)
        .exclude(status=CommissionSlipStatus.CANCELLED)
        .exists()
    )
    if taken:
        raise _duplicate(person, period)
    figures = selectors.commission_live(salesperson=person.pk, period=period)
    return _create(actor=actor, salesperson=person, period=period, figures=figures)


@transaction.atomic(durable=True)
def commission_slip_recompute(*, actor: "User", slip_id) -> CommissionSlip:
    """A draft's figures computed and stored anew (R19: recomputed while draft)."""
    require_role(actor, *COMMISSION_PREPARERS)
    slip = _locked_slip(actor=actor, slip_id=slip_id)
    _require_acts_for(actor, slip.salesperson_id)
    if slip.status != CommissionSlipStatus.DRAFT:
        _refuse_state(slip, _("recomputed"))
    _store(slip, _live(slip), actor)
    return slip


@transaction.atomic(durable=True)
def commission_slip_submit(*, actor: "User", slip_id) -> CommissionSlip:
    """Draft → in approval: computed a last time and frozen (R19), numbered TC-YYYY-NNNNN the
    first time it is submitted, then finance → the VP of finance → the general manager."""
    require_role(actor, *COMMISSION_PREPARERS)
    slip = _locked_slip(actor=actor, slip_id=slip_id)
    _require_acts_for(actor, slip.salesperson_id)
    if slip.status != CommissionSlipStatus.DRAFT:
        _refuse_state(slip, _("submitted"))
    _store(slip, _live(slip), actor)
    if not slip.number:
        slip.number = document_number(prefix="TC", series="commission_slip")
    slip.submit()
    slip.submitted_at = timezone.now()
    _save(slip, actor)
    approval_request_open(document=slip, actor=actor)
    return slip


def commission_slip_approve(*, slip: CommissionSlip, request: ApprovalRequest, actor: "User"):
    """The general manager approved (called by the engine in its transaction, the slip
    locked): approved, and the commission payable booked — Dr 6601 / Cr 2211 the total, dated
    today (no entry for a zero total)."""
    today = timezone.localdate()
    slip.approve()
    slip.approved_on = today
    _save(slip, actor)
    if slip.total > 0:
        journal_post(
            actor=actor,
            date=today,
            memo=_("Commission slip %(number)s approved (%(period)s)")
            % {"number": slip.number, "period": slip.period},
            source_type="commission_slip",
            source_id=slip.pk,
            source_number=slip.number,
            lines=[(SELLING_EXPENSE, slip.total, 0), (COMMISSION_PAYABLE, 0, slip.total)],
        )
    request.document_number = slip.number
    request.save(update_fields=["document_number"])


def _paid_on(value) -> datetime.date:
    if value in (None, ""):
        return timezone.localdate()
    day = value if isinstance(value, datetime.date) else None
    if day is None:
        try:
            day = parse_date(str(value))
        except ValueError:
            day = None
    if day is None:
        raise InvalidInput(errors={"paid_on": [_("Enter a date as YYYY-MM-DD.")]})
    if day > timezone.localdate():
        raise InvalidInput(errors={"paid_on": [_("A payment cannot be dated in the future.")]})
    return day


@transaction.atomic(durable=True)
def commission_slip_pay(*, actor: "User", slip_id, paid_on=None) -> CommissionSlip:
    """Finance pays an approved slip: Dr 2211 / Cr 1002 its total, dated `paid_on` (default
    today; not before the approval, not in a closed month: `period_closed`)."""
    require_role(actor, *COMMISSION_PAYERS)
    day = _paid_on(paid_on)
    slip = _locked_slip(actor=actor, slip_id=slip_id)
    if slip.status != CommissionSlipStatus.APPROVED:
        _refuse_state(slip, _("paid"))
    if day < slip.approved_on:
        raise InvalidInput(
            errors={
                "paid_on": [
                    _("The payment is dated on or after the approval, %(day)s.")
                    % {"day": slip.approved_on.isoformat()}
                ]
            }
        )
    require_open_period(day, field="paid_on")
    slip.pay()
    slip.paid_on = day
    slip.paid_by = actor
    _save(slip, actor)
    if slip.total > 0:
        journal_post(
            actor=actor,
            date=day,
            memo=_("Commission slip %(number)s paid (%(period)s)")
            % {"number": slip.number, "period": slip.period},
            source_type="commission_slip",
            source_id=slip.pk,
            source_number=slip.number,
            lines=[(COMMISSION_PAYABLE, slip.total, 0), (BANK, 0, slip.total)],
        )
    return slip


@transaction.atomic(durable=True)
def commission_slip_cancel(*, actor: "User", slip_id) -> CommissionSlip:
    """Draft → cancelled; a new slip may then be prepared for the month."""
    require_role(actor, *COMMISSION_PREPARERS)
    slip = _locked_slip(actor=actor, slip_id=slip_id)
    _require_acts_for(actor, slip.salesperson_id)
    if slip.status != CommissionSlipStatus.DRAFT:
        _refuse_state(slip, _("cancelled"))
    slip.cancel()
    _save(slip, actor)
    return slip


@transaction.atomic(durable=True)
def commission_slips_prepare(*, actor: "User", period) -> dict:
    """The month's slips (R19, R20): for every salesperson with activity in `period` — money
    collected or interest accrued on their contracts — a draft is created where none exists,
    and every draft of the month is recomputed. Slips in approval or beyond are left as they
    are (frozen). Idempotent: a second call creates and changes nothing. Finance, a sales
    manager or the system (the month-end run)."""
    if not is_system_user(actor):
        require_role(actor, *COMMISSION_MANAGERS)
    period = selectors.commission_period(period)
    live = selectors.commission_figures(period=period)
    slips = {
        slip.salesperson_id: slip
        for slip in CommissionSlip.objects.select_for_update()
        .filter(period=period)
        .exclude(status=CommissionSlipStatus.CANCELLED)
        .order_by("pk")
    }
    missing = [pk for pk, slip in slips.items() if slip.is_draft and pk not in live]
    if missing:
        live.update(selectors.commission_figures(period=period, salesperson_ids=missing))
    people = get_user_model().objects.in_bulk([pk for pk in live if pk not in slips])
    created = recomputed = unchanged = frozen = 0
    for salesperson_id in sorted(set(live) | set(slips)):
        slip = slips.get(salesperson_id)
        if slip is None:
            _create(
                actor=actor,
                salesperson=people[salesperson_id],
                period=period,
                figures=live[salesperson_id],
            )
            created += 1
        elif not slip.is_draft:
            frozen += 1
        elif _store(slip, live[salesperson_id], actor):
            recomputed += 1
        else:
            unchanged += 1
    return {
        "period": period,
        "created": created,
        "recomputed": recomputed,
        "unchanged": unchanged,
        "frozen": frozen,
    }
