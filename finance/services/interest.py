"""Overdue interest (R18, R20): the live figure kept on the contract ledger and the monthly
posting.

- `interest_accrued_sync` (a helper, in the caller's transaction) sets the ledger's
  `interest_accrued` to the live value (`finance.selectors.contract_interest_accrued`) through
  `contracts.services.ledger_add_interest_accrued`: the daily job runs it for every contract
  with a delivery, so lists and totals show a figure at most a day old; one contract's page
  and the ledger endpoint read the live value itself (the source registered in
  `finance.apps`).
- `interest_post_month` posts, per contract, the interest of a month that has ended: one
  durable transaction per contract (its ledger row locked), journal Dr 1122 / Cr 6603 dated the
  month's last day (source_type "interest", source the contract, the period as its number),
  an `InterestPosting` row (unique per contract and month: a second run posts nothing) and
  `ledger_post_interest` (accrued → posted). A month posted is final: an allocation dated back
  into it later changes the months not yet posted only.

Locks: the contract ledger row (FOR UPDATE), then the month's period lock (FOR SHARE, in
`journal_post`).
"""

import datetime
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractDue, ContractLedger
from contracts.services import ledger_add_interest_accrued, ledger_post_interest
from core.errors import InvalidInput, RuleViolation
from core.money import money
from core.periods import period_is_closed, period_of
from core.permissions import require_role
from core.roles import Role
from core.system import is_system_user
from finance import interest, selectors
from finance.models import InterestPosting
from finance.services.journal import journal_post

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ZERO = Decimal("0.00")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
INTEREST_POSTERS = (Role.FINANCE,)


def interest_accrued_sync(*, contract_id: int, as_of: datetime.date | None = None) -> Decimal:
    """Set the ledger's `interest_accrued` to the live value as of `as_of` (default today),
    under the ledger row's lock, in the caller's transaction. Returns the value."""
    kept = (
        ContractLedger.objects.select_for_update()
        .values_list("interest_accrued", flat=True)
        .get(contract_id=contract_id)
    )
    live = selectors.contract_interest_accrued(contract_id=contract_id, as_of=as_of)
    if live != kept:
        ledger_add_interest_accrued(contract_id=contract_id, amount=live - kept)
    return live


def interests_accrue(*, as_of: datetime.date) -> int:
    """The daily refresh (R18): every contract with a delivery gets its live
    `interest_accrued` as of `as_of`, one durable transaction each; idempotent. Returns how
    many ledgers were refreshed."""
    ids = list(
        ContractDue.objects.order_by("contract_id").values_list("contract_id", flat=True).distinct()
    )
    for contract_id in ids:
        with transaction.atomic(durable=True):
            interest_accrued_sync(contract_id=contract_id, as_of=as_of)
    return len(ids)


def period_parse(period, *, field: str = "period") -> str:
    """A `YYYY-MM` period of a month that has ended (R18: a month is posted once it is over)."""
    if not isinstance(period, str) or not PERIOD.match(period):
        raise InvalidInput(errors={field: [_("Give the month as YYYY-MM.")]})
    _first, last = interest.month_bounds(period)
    if last >= timezone.localdate():
        raise InvalidInput(errors={field: [_("Interest is posted once the month is over.")]})
    return period


def _contract_post(*, actor: "User", contract_id: int, period: str) -> InterestPosting | None:
    """One contract's interest for `period`, in its own durable transaction; None when there is
    none or the month is already posted for it."""
    _first, last = interest.month_bounds(period)
    with transaction.atomic(durable=True):
        ContractLedger.objects.select_for_update().filter(contract_id=contract_id).get()
        if InterestPosting.objects.filter(contract_id=contract_id, period=period).exists():
            return None
        contract = Contract.objects.only("number", "customer_id").get(pk=contract_id)
        amount = selectors.contract_interest_for_period(contract_id=contract_id, period=period)
        if amount <= 0:
            return None
        # The kept figure is first brought to the live one (which holds this month), so that
        # moving the month's amount to `interest` leaves what is accrued after it.
        interest_accrued_sync(contract_id=contract_id)
        entry = journal_post(
            actor=actor,
            date=last,
            memo=_("Overdue interest %(period)s, contract %(number)s")
            % {"period": period, "number": contract.number or contract.pk},
            source_type="interest",
            source_id=contract_id,
            source_number=period,
            lines=[("1122", amount, ZERO), ("6603", ZERO, amount)],
            contract_id=contract_id,
            customer_id=contract.customer_id,
        )
        posting = InterestPosting.objects.create(
            contract_id=contract_id, period=period, amount=amount, entry=entry, posted_by=actor
        )
        ledger_post_interest(contract_id=contract_id, amount=amount)
        return posting


def interest_post_month(*, actor: "User", period: str, on_progress=None) -> dict:
    """R18/R20, monthly (the beat task on the 1st, finance on demand, `manage.py
    post_interest`): post every contract's interest of `period`. Idempotent: a contract whose
    month is posted is skipped, so a second run posts nothing. A closed month is refused
    (`period_closed`) before anything is posted. Returns the counts."""
    if not is_system_user(actor):
        require_role(actor, *INTEREST_POSTERS)
    period = period_parse(period)
    _first, last = interest.month_bounds(period)
    if period_is_closed(last):
        raise RuleViolation(
            "period_closed",
            detail=_("%(period)s is closed; nothing can be posted in it.") % {"period": period},
            errors={"period": [_("This month is closed.")]},
        )
    already = InterestPosting.objects.filter(period=period).count()
    posted, amount = 0, ZERO
    candidates = selectors.interest_contracts_to_post(period=period)
    for contract_id in candidates:
        if on_progress is not None:  # the month-end run's sign of life
            on_progress()
        posting = _contract_post(actor=actor, contract_id=contract_id, period=period)
        if posting is not None:
            posted += 1
            amount += posting.amount
    return {
        "period": period,
        "checked": len(candidates),
        "posted": posted,
        "amount": money(amount),
        "already_posted": already,
    }


def previous_period(today: datetime.date | None = None) -> str:
    """The month before `today`'s (the beat task's month on the 1st)."""
    first = (today or timezone.localdate()).replace(day=1)
    return period_of(first - datetime.timedelta(days=1))
