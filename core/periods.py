"""Closed accounting periods (R20): a posting dated in a closed month is refused with
`period_closed`. Cross-app: inventory (signed deliveries) and finance (receipts, journal) ask
here; finance closes months.

The late-document rule (R20 with R14 and R16): **a late document for a closed month is dated
into the first open month, with the original date shown.** A signed delivery (its `signed_at`)
or a receipt (its `received_on`, also one created by a bank statement's confirm) dated in a
closed month is refused by default (`period_closed` beside the date field, the detail naming
the first open month). When the caller asks for it (`book_in_open_period`), the document keeps
its original date — shown on its pages and in the API as before — and every journal entry it
posts is dated the first day of the first open month after that date (`first_open_day_after`),
with the original date in the entry's memo; the document records that day as `booked_on` (null
when it is booked on its own date). That day is never in the future: while every month from the
original one to the current one is closed, the document is refused as before. R18's due dates
and interest still run from the original date. `booking_date` is the one place this is decided.
"""

import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import RuleViolation


def period_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def period_is_closed(day: datetime.date) -> bool:
    from core.models import ClosedPeriod

    return ClosedPeriod.objects.filter(period=period_of(day)).exists()


def first_open_day_after(day: datetime.date) -> datetime.date:
    """The first day of the first month after `day`'s month that is not closed (it may lie in
    the future): where a late document for `day` is booked."""
    from core.models import ClosedPeriod

    closed = set(
        ClosedPeriod.objects.filter(period__gt=period_of(day)).values_list("period", flat=True)
    )
    month = _next_month(day)
    while period_of(month) in closed:
        month = _next_month(month)
    return month


# The month's lock row, locked, and whether the month is closed, in one statement. `closed` is
# the row's own flag, set by the close under its exclusive lock: a posting that waited for the
# close reads the row's new version (READ COMMITTED re-reads a row that changed while it
# waited), where a subquery would still answer from before the close. The `ClosedPeriod` row
# (the record of who closed it) is asked too, for a month closed by writing that row alone.
_LOCK_SQL = (
    "SELECT l.closed OR EXISTS (SELECT 1 FROM core_closedperiod c WHERE c.period = l.period) "
    "FROM core_periodlock l WHERE l.period = %s FOR {mode} OF l"
)
_LOCK_ROW_SQL = (
    "INSERT INTO core_periodlock (period, closed) VALUES (%s, false) "
    "ON CONFLICT (period) DO NOTHING"
)


def period_lock(period: str, *, exclusive: bool) -> bool:
    """Take the month's lock row for the rest of the transaction and say whether the month is
    closed: shared for a posting (postings of a month run side by side), exclusive for closing
    it (it waits for the postings under way, and postings wait for it, then see the month
    closed). One query; the month's first posting also makes its row (two more, once). Outside
    a transaction, and on SQLite (which locks the whole database anyway), only the answer."""
    from core.models import ClosedPeriod

    if connection.vendor != "postgresql" or not transaction.get_connection().in_atomic_block:
        return ClosedPeriod.objects.filter(period=period).exists()
    sql = _LOCK_SQL.format(mode="UPDATE" if exclusive else "SHARE")
    with connection.cursor() as cursor:
        cursor.execute(sql, [period])
        row = cursor.fetchone()
        if row is None:
            cursor.execute(_LOCK_ROW_SQL, [period])
            cursor.execute(sql, [period])
            row = cursor.fetchone()
    return bool(row[0])


def period_mark_closed(period: str, *, closed: bool) -> None:
    """The close and the reopen (finance), holding the month's exclusive lock: its lock row
    says so to the postings that wait for it (`period_lock`)."""
    from core.models import PeriodLock

    PeriodLock.objects.filter(period=period).update(closed=closed)


def _closed(day: datetime.date, *, field: str) -> RuleViolation:
    """The refusal of a posting dated `day` in a closed month: beside `field`, the detail naming
    the first open month after it (where a late document would be booked)."""
    open_day = first_open_day_after(day)
    if open_day > timezone.localdate():
        later = _("No month after it is open yet (the first open month, %(open)s, has not begun).")
    else:
        later = _("The first open month after it is %(open)s.")
    return RuleViolation(
        "period_closed",
        detail=" ".join(
            [
                _("%(period)s is closed; nothing can be posted in it.")
                % {"period": period_of(day)},
                later % {"open": period_of(open_day)},
            ]
        ),
        errors={field: [_("This date is in a closed period.")]},
    )


def require_open_period(day: datetime.date, *, field: str) -> None:
    """Refuse (409 `period_closed`, naming `field`) a posting dated in a closed month; inside a
    transaction the month stays open until it commits (its lock row held FOR SHARE)."""
    if period_lock(period_of(day), exclusive=False):
        raise _closed(day, field=field)


def booking_date(day: datetime.date, *, late_ok: bool, field: str) -> datetime.date:
    """The day a document dated `day` posts its journal entries on (the module's late-document
    rule): `day` itself while its month is open; when it is closed and `late_ok`, the first day
    of the first open month after it, if that day has come; otherwise 409 `period_closed` beside
    `field`. The month returned is held open until the transaction commits (`period_lock`)."""
    if not period_lock(period_of(day), exclusive=False):
        return day
    booked = first_open_day_after(day)
    if not late_ok or booked > timezone.localdate():
        raise _closed(day, field=field)
    require_open_period(booked, field=field)
    return booked
