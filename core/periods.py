"""Closed accounting periods (R20): a posting dated in a closed month is refused with
`period_closed`. Cross-app: inventory (signed deliveries) and finance (receipts, journal) ask
here; finance closes months."""

import datetime

from django.utils.translation import gettext as _

from core.errors import RuleViolation


def period_of(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_is_closed(day: datetime.date) -> bool:
    from core.models import ClosedPeriod

    return ClosedPeriod.objects.filter(period=period_of(day)).exists()


def require_open_period(day: datetime.date, *, field: str) -> None:
    """Refuse (409 `period_closed`, naming `field`) a posting dated in a closed month."""
    if period_is_closed(day):
        raise RuleViolation(
            "period_closed",
            detail=_("%(period)s is closed; nothing can be posted in it.")
            % {"period": period_of(day)},
            errors={field: [_("This date is in a closed period.")]},
        )
