"""Closed accounting periods (R20): a posting dated in a closed month is refused with
`period_closed`. Cross-app: inventory (signed deliveries) and finance (receipts, journal) ask
here; finance closes months."""

import datetime

from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.errors import RuleViolation


def period_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_is_closed(day: datetime.date) -> bool:
    from core.models import ClosedPeriod

    return ClosedPeriod.objects.filter(period=period_of(day)).exists()


def period_lock(period: str, *, exclusive: bool) -> None:
    """Take the month's lock row for the rest of the transaction: shared for a posting (postings
    of a month run side by side), exclusive for closing it (it waits for the postings under way,
    and postings wait for it, then see the month closed). A no-op outside a transaction and on
    SQLite, which locks the whole database anyway."""
    from core.models import PeriodLock

    if not transaction.get_connection().in_atomic_block:
        return
    PeriodLock.objects.get_or_create(period=period)
    if connection.vendor == "postgresql":
        mode = "UPDATE" if exclusive else "SHARE"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM core_periodlock WHERE period = %s FOR {mode}",
                [period],
            )


def require_open_period(day: datetime.date, *, field: str) -> None:
    """Refuse (409 `period_closed`, naming `field`) a posting dated in a closed month; inside a
    transaction the month stays open until it commits (its lock row held FOR SHARE)."""
    period_lock(period_of(day), exclusive=False)
    if period_is_closed(day):
        raise RuleViolation(
            "period_closed",
            detail=_("%(period)s is closed; nothing can be posted in it.")
            % {"period": period_of(day)},
            errors={field: [_("This date is in a closed period.")]},
        )
