"""Month end (R20): the run, its confirmation, the close and the reopen of a month.

The run (`month_end_start`, then `month_end_execute` on a Celery worker — inline where tasks
run inline) works through steps, each one idempotent, so a run repeated — or repeated after
its worker was killed half way — ends in exactly the state of one clean run:

1. interest: the month's overdue interest posted (`interest_post_month`: one posting per
   contract and month, a unique row, so a second run posts nothing) — once the month is over;
2. the month's journal counted (entries dated in it), under the month's lock taken
   exclusively for an instant, so no posting is half way; a close compares the count again;
3. reconcile: every contract's ledger figures against their sources of truth, in batches of
   contracts (`MONTH_END_BATCH`), each batch one statement so the ledger and its sources are
   read from one snapshot: the journal where money moves (delivered = Σ credit − debit of
   6001 + 222102 + 2221, collected = Σ credit − debit of 1122 + 2203 in receipt entries,
   interest = Σ credit − debit of 6603, all on the contract's lines) and the documents where it
   does not (contracted = Σ the contract's lines once it is signed, shipped = Σ the issued
   shipping notices, invoiced = Σ the issued invoices and red invoices). The run's earlier
   differences are deleted first and every difference found is stored with its contract and
   figure;
4. documents: expired shipping notices closed (R12) and finished contracts completed;
5. commission: the month's draft commission slips prepared (R19);
6. the result: the differences' digest; a run that finds what the run before it found keeps
   that run's confirmation, otherwise the month waits for a new one — a co-sign of
   `sales_manager` and `finance` through the approval engine (R21: the person who started the
   run does not confirm it; one person confirms once; the role, held or delegated, is required).

Only one run per month works at a time: a start while a run is alive (a sign of life within
`MONTH_END_STALE_SECONDS`) is refused (`run_in_progress`); a run whose worker died may be
started again, and the dead run's task, should it come back, stops at its next step (its
token is no longer the month's).

Close (`period_close`, finance): the month is over, its run confirmed, and the journal holds
exactly the entries the run counted — checked under the month's exclusive lock, so a posting
racing the close either committed before it (and was counted by the run, or the close is
refused as `reconciliation_stale`) or waits and is refused (`period_closed`). Months close in
any order. Reopen (`period_reopen`, finance_vp, with a reason). Both are kept in the month's
history (`PeriodEvent`).

The late-document rule (R20, core.periods): a document dated in a closed month is refused
unless its author books it into the first open month, keeping its own date.
"""

import datetime
import hashlib
import logging
import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.documents import approval_is_granted
from approvals.services import approval_decide, approval_lapse_document, approval_request_open
from contracts.models import ContractLedger
from core.errors import InvalidInput, RuleViolation
from core.models import ClosedPeriod
from core.money import money
from core.periods import period_is_closed, period_lock, period_mark_closed
from core.permissions import require_role
from core.roles import Role
from core.system import is_system_user
from core.validation import id_of
from finance import interest
from finance.models import (
    Account,
    Difference,
    Figure,
    JournalEntry,
    PeriodAction,
    PeriodEvent,
    Reconciliation,
    ReconciliationStatus,
    RunStep,
    Source,
)
from finance.services.interest import PERIOD, interest_post_month

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

MONTH_END_STARTERS = (Role.FINANCE,)
PERIOD_CLOSERS = (Role.FINANCE,)
PERIOD_REOPENERS = (Role.FINANCE_VP,)
ZERO = Decimal("0.00")

# The figures and where their truth lives (the order the differences list them in).
SOURCES = {
    Figure.CONTRACTED: Source.DOCUMENTS,
    Figure.SHIPPED: Source.DOCUMENTS,
    Figure.DELIVERED: Source.JOURNAL,
    Figure.INVOICED: Source.DOCUMENTS,
    Figure.COLLECTED: Source.JOURNAL,
    Figure.INTEREST: Source.JOURNAL,
}


class RunSuperseded(Exception):
    """The month's run was started again: this task's run is no longer the month's."""


def _batch_size() -> int:
    return int(getattr(settings, "MONTH_END_BATCH", 2000))


def _stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(getattr(settings, "MONTH_END_STALE_SECONDS", 120)))


def period_valid(period, *, field: str = "period") -> str:
    """A `YYYY-MM` month no later than the current one (R20: the current month gives the
    figures so far)."""
    if not isinstance(period, str) or not PERIOD.match(period):
        raise InvalidInput(errors={field: [_("Give the month as YYYY-MM.")]})
    first, _last = interest.month_bounds(period)
    if first > timezone.localdate():
        raise InvalidInput(errors={field: [_("This month has not begun.")]})
    return period


def _month_over(period: str) -> bool:
    _first, last = interest.month_bounds(period)
    return last < timezone.localdate()


def _refuse_closed(period: str) -> None:
    _first, last = interest.month_bounds(period)
    if period_is_closed(last):
        raise RuleViolation(
            "period_closed",
            detail=_("%(period)s is closed; nothing can be posted in it.") % {"period": period},
            errors={"period": [_("This month is closed.")]},
        )


def _event(period: str, action: str, actor, reason: str = "") -> None:
    PeriodEvent.objects.create(period=period, action=action, actor=actor, reason=reason)


# -- start ---------------------------------------------------------------------------------------
@transaction.atomic(durable=True)
def month_end_start(*, actor: "User", period, send: bool = True) -> Reconciliation:
    """Start (or start again) the month-end run of `period` (finance, or the system for the
    beat task): the run row is marked running with a new token and its task is sent once this
    commits (`send=False`: the caller runs `month_end_execute` itself, as the management
    command does to draw its progress bar). Refused while a run of the month is alive
    (`run_in_progress`) and for a closed month (`period_closed`)."""
    if not is_system_user(actor):
        require_role(actor, *MONTH_END_STARTERS)
    period = period_valid(period)
    _refuse_closed(period)
    now = timezone.now()
    token = uuid.uuid4().hex
    reconciliation, created = Reconciliation.objects.get_or_create(
        period=period,
        defaults={
            "started_by": actor,
            "started_at": now,
            "heartbeat_at": now,
            "run_token": token,
            "runs": 1,
        },
    )
    if not created:
        reconciliation = Reconciliation.objects.select_for_update().get(pk=reconciliation.pk)
        if (
            reconciliation.status == ReconciliationStatus.RUNNING
            and now - reconciliation.heartbeat_at < _stale_after()
        ):
            raise RuleViolation(
                "run_in_progress",
                detail=_("The month-end run of %(period)s is already working; wait for it.")
                % {"period": period},
                errors={"period": [_("A run of this month is already working.")]},
            )
        summary = dict(reconciliation.summary)
        if reconciliation.status != ReconciliationStatus.RUNNING:
            summary["status_before"] = reconciliation.status
        reconciliation.summary = summary
        reconciliation.status = ReconciliationStatus.RUNNING
        reconciliation.started_by = actor
        reconciliation.started_at = now
        reconciliation.heartbeat_at = now
        reconciliation.finished_at = None
        reconciliation.run_token = token
        reconciliation.runs = F("runs") + 1
        reconciliation.error = ""
    reconciliation.step = RunStep.QUEUED
    reconciliation.done = 0
    reconciliation.total = 0
    reconciliation.save()
    reconciliation.refresh_from_db()
    _event(period, PeriodAction.RUN, actor)
    pk = reconciliation.pk

    def send_task() -> None:
        from finance.tasks import month_end_run

        month_end_run.delay(pk, token)

    if send:
        transaction.on_commit(send_task)
    return reconciliation


# -- the run -------------------------------------------------------------------------------------
def _alive(pk: int, token: str, **fields) -> None:
    """Record progress (and a sign of life) if this run is still the month's."""
    updated = Reconciliation.objects.filter(
        pk=pk, run_token=token, status=ReconciliationStatus.RUNNING
    ).update(heartbeat_at=timezone.now(), **fields)
    if not updated:
        raise RunSuperseded()


def _throttle() -> None:
    pause = float(getattr(settings, "MONTH_END_THROTTLE", 0))
    if pause > 0:
        time.sleep(pause)


def month_end_execute(
    *, reconciliation_id: int, token: str, progress=None
) -> Reconciliation | None:
    """The run's steps (see the module's docstring), each in its own transactions; None when
    this run is not the month's any more (started again) or is already finished. `progress`,
    if given, is called with the fields of each sign of life (step, done, total)."""
    reconciliation = Reconciliation.objects.filter(pk=reconciliation_id).first()
    if (
        reconciliation is None
        or reconciliation.run_token != token
        or reconciliation.status != ReconciliationStatus.RUNNING
    ):
        return None
    period, actor = reconciliation.period, reconciliation.started_by

    def alive(**fields) -> None:
        _alive(reconciliation_id, token, **fields)
        if progress is not None:
            progress(fields)

    try:
        summary = dict(reconciliation.summary)
        if _month_over(period):
            alive(step=RunStep.INTEREST)
            posted = interest_post_month(actor=actor, period=period, on_progress=alive)
            summary["interest"] = {
                "posted": posted["posted"],
                "amount": str(posted["amount"]),
                "already_posted": posted["already_posted"],
            }
        entries = _journal_count(period)
        alive(step=RunStep.RECONCILE, journal_entries=entries)
        digest = _reconcile(reconciliation_id, alive)
        alive(step=RunStep.DOCUMENTS)
        summary["documents"] = _documents_close(actor=actor, period=period)
        alive(step=RunStep.COMMISSION)
        summary["commission"] = _commission_prepare(actor=actor, period=period)
        return _finish(reconciliation_id, token, digest=digest, entries=entries, summary=summary)
    except RunSuperseded:
        logger.info("month-end run of %s superseded", period)
        return None
    except Exception as exc:
        Reconciliation.objects.filter(pk=reconciliation_id, run_token=token).update(
            status=ReconciliationStatus.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        raise


def _journal_count(period: str) -> int:
    """Entries dated in the month, counted while no posting of the month is half way."""
    first, last = interest.month_bounds(period)
    with transaction.atomic():
        period_lock(period, exclusive=True)
        return JournalEntry.objects.filter(date__range=(first, last)).count()


def _account_ids(*codes: str) -> list[int]:
    ids = list(Account.objects.filter(code__in=codes).values_list("pk", flat=True))
    return ids or [0]


def _in(values) -> str:
    return ", ".join(str(int(v)) for v in values)


def _reconcile_sql() -> str:
    revenue = _in(_account_ids("6001", "222102", "2221"))
    receivable = _in(_account_ids("1122", "2203"))
    income = _in(_account_ids("6603"))
    return f"""
SELECT l.contract_id,
       l.contracted, COALESCE(cl.total, 0),
       l.shipped, COALESCE(sn.total, 0),
       l.delivered, COALESCE(j.delivered, 0),
       l.invoiced, COALESCE(inv.total, 0),
       l.collected, COALESCE(j.collected, 0),
       l.interest, COALESCE(j.interest, 0)
  FROM contracts_contractledger l
  JOIN contracts_contract c ON c.id = l.contract_id
  LEFT JOIN (SELECT contract_id, SUM(gross) AS total FROM contracts_contractline
              WHERE contract_id BETWEEN %(lo)s AND %(hi)s GROUP BY contract_id) cl
         ON cl.contract_id = l.contract_id AND c.status NOT IN ('draft', 'pending_signoff')
  LEFT JOIN (SELECT contract_id, SUM(gross_amount) AS total FROM inventory_shippingnotice
              WHERE status IN ('issued', 'shipped', 'delivered')
                AND contract_id BETWEEN %(lo)s AND %(hi)s GROUP BY contract_id) sn
         ON sn.contract_id = l.contract_id
  LEFT JOIN (SELECT contract_id, SUM(amount) AS total FROM finance_invoice
              WHERE status IN ('issued', 'reversed')
                AND contract_id BETWEEN %(lo)s AND %(hi)s GROUP BY contract_id) inv
         ON inv.contract_id = l.contract_id
  LEFT JOIN (SELECT jl.contract_id,
                    SUM(CASE WHEN jl.account_id IN ({revenue})
                             THEN jl.credit - jl.debit ELSE 0 END) AS delivered,
                    SUM(CASE WHEN jl.account_id IN ({receivable}) AND e.source_type = 'receipt'
                             THEN jl.credit - jl.debit ELSE 0 END) AS collected,
                    SUM(CASE WHEN jl.account_id IN ({income})
                             THEN jl.credit - jl.debit ELSE 0 END) AS interest
               FROM finance_journalline jl
               JOIN finance_journalentry e ON e.id = jl.entry_id
              WHERE jl.contract_id BETWEEN %(lo)s AND %(hi)s
              GROUP BY jl.contract_id) j
         ON j.contract_id = l.contract_id
 WHERE l.contract_id BETWEEN %(lo)s AND %(hi)s
 ORDER BY l.contract_id
"""


FIGURE_ORDER = [
    Figure.CONTRACTED,
    Figure.SHIPPED,
    Figure.DELIVERED,
    Figure.INVOICED,
    Figure.COLLECTED,
    Figure.INTEREST,
]


def _cents(value) -> Decimal:
    # SQLite sums decimals as floats: the cent is the unit either way.
    return money(Decimal(str(value if value is not None else 0)))


def ledger_differences(
    *, lo: int, hi: int, sql: str | None = None
) -> list[tuple[int, str, Decimal, Decimal]]:
    """(contract, figure, ledger value, source value) for each figure of the ledgers of the
    contracts `lo`..`hi` that differs from its source of truth, in one statement (one
    snapshot). Step 3 of the run reads it batch by batch; `manage.py check_invariants`
    (finance/invariants.py) over every contract at once."""
    with connection.cursor() as cursor:
        cursor.execute(sql or _reconcile_sql(), {"lo": lo, "hi": hi})
        rows = cursor.fetchall()
    found = []
    for row in rows:
        for index, figure in enumerate(FIGURE_ORDER):
            kept, truth = _cents(row[1 + 2 * index]), _cents(row[2 + 2 * index])
            if kept != truth:
                found.append((row[0], figure, kept, truth))
    return found


def _reconcile(pk: int, alive) -> str:
    """Step 3: the differences, batch by batch; returns their digest."""
    sql = _reconcile_sql()
    Difference.objects.filter(reconciliation_id=pk).delete()
    total = ContractLedger.objects.count()
    alive(total=total, done=0)
    digest = hashlib.sha256()
    size, after, done = _batch_size(), 0, 0
    while True:
        ids = list(
            ContractLedger.objects.filter(contract_id__gt=after)
            .order_by("contract_id")
            .values_list("contract_id", flat=True)[:size]
        )
        if not ids:
            break
        lo, hi = ids[0], ids[-1]
        found = []
        for contract_id, figure, kept, truth in ledger_differences(lo=lo, hi=hi, sql=sql):
            found.append(
                Difference(
                    reconciliation_id=pk,
                    contract_id=contract_id,
                    figure=figure,
                    source=SOURCES[figure],
                    ledger_value=kept,
                    source_value=truth,
                    difference=kept - truth,
                )
            )
            digest.update(f"{contract_id}:{figure}:{kept}:{truth};".encode())
        done += len(ids)
        with transaction.atomic():
            Difference.objects.bulk_create(found)
            alive(done=done)
        after = hi
        _throttle()
    return digest.hexdigest()


def _documents_close(*, actor, period: str) -> dict:
    """Step 4: what is finished or expired is closed (R12, R20), as of today."""
    from contracts.services import contracts_complete
    from inventory.services import shipping_notices_expire

    today = timezone.localdate()
    expired = shipping_notices_expire(as_of=today)
    return {
        "notices_expired": expired.get("expired", 0),
        "contracts_completed": contracts_complete(as_of=today),
    }


def _commission_prepare(*, actor, period: str) -> dict:
    """Step 5: the month's commission slips prepared in draft (R19), as the system."""
    from core.system import system_user
    from finance.services.commission import commission_slips_prepare

    return commission_slips_prepare(actor=system_user(), period=period)


@transaction.atomic
def _finish(pk: int, token: str, *, digest: str, entries: int, summary: dict) -> Reconciliation:
    reconciliation = Reconciliation.objects.select_for_update().get(pk=pk)
    if reconciliation.run_token != token or reconciliation.status != ReconciliationStatus.RUNNING:
        raise RunSuperseded()
    before = summary.pop("status_before", None)
    full_digest = hashlib.sha256(f"{digest}/{entries}".encode()).hexdigest()
    unchanged = full_digest == reconciliation.digest and before in (
        ReconciliationStatus.COMPUTED,
        ReconciliationStatus.CONFIRMED,
    )
    reconciliation.digest = full_digest
    reconciliation.journal_entries = entries
    reconciliation.difference_count = reconciliation.differences.count()
    reconciliation.summary = summary
    reconciliation.step = RunStep.DONE
    reconciliation.finished_at = timezone.now()
    reconciliation.heartbeat_at = reconciliation.finished_at
    if unchanged:
        # The same books give the same run: its confirmation (or the one under way) stands.
        granted = approval_is_granted(reconciliation)
        reconciliation.status = ReconciliationStatus.CONFIRMED if granted else before
        reconciliation.save()
    else:
        approval_lapse_document(document=reconciliation)
        reconciliation.status = ReconciliationStatus.COMPUTED
        reconciliation.confirmed_at = None
        reconciliation.save()
        approval_request_open(document=reconciliation, actor=reconciliation.started_by)
    _event(reconciliation.period, PeriodAction.COMPUTED, reconciliation.started_by)
    return reconciliation


# -- confirmation (the approval engine calls these) --------------------------------------------
def reconciliation_confirmed(*, reconciliation: Reconciliation, actor) -> None:
    """Both confirmations are in (R20, R21), inside the engine's transaction."""
    if reconciliation.status == ReconciliationStatus.COMPUTED:
        reconciliation.status = ReconciliationStatus.CONFIRMED
    reconciliation.confirmed_at = timezone.now()
    reconciliation.save(update_fields=["status", "confirmed_at"])
    _event(reconciliation.period, PeriodAction.CONFIRMED, actor)


def reconciliation_returned(*, reconciliation: Reconciliation, actor) -> None:
    """A confirmer refused it (a rejection with a comment): the month needs a new run."""
    if reconciliation.status == ReconciliationStatus.COMPUTED:
        reconciliation.status = ReconciliationStatus.RETURNED
        reconciliation.digest = ""
        reconciliation.save(update_fields=["status", "digest"])


def reconciliation_confirm(*, actor: "User", reconciliation_id) -> Reconciliation:
    """`confirm/` and the page's button: the actor's step of the month's co-sign, decided
    through the approval engine in its own transaction (R21 refusals come from it)."""
    reconciliation = Reconciliation.objects.filter(pk=id_of(reconciliation_id) or 0).first()
    if reconciliation is None:
        raise InvalidInput(errors={"reconciliation": [_("No such reconciliation.")]})
    if reconciliation.status != ReconciliationStatus.COMPUTED:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only a finished run that awaits confirmation can be confirmed."),
        )
    request = reconciliation.approval_request
    approval_decide(actor=actor, request_id=request.pk, approve=True, comment="")
    reconciliation.refresh_from_db()
    return reconciliation


# -- close and reopen ------------------------------------------------------------------------------
@transaction.atomic(durable=True)
def period_close(*, actor: "User", period) -> ClosedPeriod:
    """Close a month (R20, finance): over, its run confirmed, nothing posted in it since the
    run (`reconciliation_stale`). Under the month's exclusive lock: postings of the month wait
    and are then refused (`period_closed`)."""
    require_role(actor, *PERIOD_CLOSERS)
    period = period_valid(period)
    if not _month_over(period):
        raise RuleViolation(
            "period_not_over",
            detail=_("A month is closed once it is over."),
            errors={"period": [_("This month is not over yet.")]},
        )
    if period_lock(period, exclusive=True):
        raise RuleViolation("invalid_transition", detail=_("This month is closed already."))
    reconciliation = Reconciliation.objects.select_for_update().filter(period=period).first()
    if reconciliation is None or reconciliation.status != ReconciliationStatus.CONFIRMED:
        raise RuleViolation(
            "reconciliation_not_confirmed",
            detail=_(
                "The month's reconciliation must be confirmed by the sales manager and finance "
                "before the month is closed."
            ),
            errors={"period": [_("Its reconciliation is not confirmed.")]},
        )
    first, last = interest.month_bounds(period)
    now_count = JournalEntry.objects.filter(date__range=(first, last)).count()
    if now_count != reconciliation.journal_entries:
        raise RuleViolation(
            "reconciliation_stale",
            detail=_(
                "Entries were posted in %(period)s after its reconciliation ran; run it again "
                "and have it confirmed."
            )
            % {"period": period},
            errors={"period": [_("Posted to since its reconciliation.")]},
        )
    closed = ClosedPeriod.objects.create(period=period, closed_by=actor)
    period_mark_closed(period, closed=True)
    _event(period, PeriodAction.CLOSED, actor)
    return closed


@transaction.atomic(durable=True)
def period_reopen(*, actor: "User", period, reason: str) -> str:
    """Reopen a closed month (R20): the VP of finance only, with a reason kept in the month's
    history. Closing it again needs its run to agree with the journal once more."""
    require_role(actor, *PERIOD_REOPENERS)
    period = period_valid(period)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(errors={"reason": [_("Say why the month is reopened.")]})
    if len(reason) > 200:
        raise InvalidInput(errors={"reason": [_("Enter at most %(n)s characters.") % {"n": 200}]})
    period_lock(period, exclusive=True)
    deleted, _rows = ClosedPeriod.objects.filter(period=period).delete()
    if not deleted:
        raise RuleViolation("invalid_transition", detail=_("This month is not closed."))
    period_mark_closed(period, closed=False)
    _event(period, PeriodAction.REOPENED, actor, reason)
    return period
