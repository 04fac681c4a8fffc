"""Working days (R26's follow-up clock): Monday to Friday, less the holidays of the
`core.models.Holiday` table, plus the weekend days it marks as worked (调休 make-up days).

`add_working_days` reads the table once for the span it walks (one query, however many days),
so a service or a selector can call it per lead without a query per day.
"""

from datetime import date, timedelta

from core.models import Holiday


def _overrides(start: date, end: date) -> dict[date, bool]:
    """{date: is_workday} of the table's rows in [start, end]."""
    return dict(
        Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday")
    )


def _is_working(d: date, overrides: dict[date, bool]) -> bool:
    if d in overrides:
        return overrides[d]
    return d.weekday() < 5


def is_working_day(d: date) -> bool:
    """True on a weekday that is no holiday, and on a weekend day marked as worked."""
    return _is_working(d, _overrides(d, d))


def add_working_days(start_date: date, n: int) -> date:
    """The n-th working day after `start_date` (`start_date` itself never counts, whether or
    not it is a working day): Friday + 1 → Monday; n = 0 → `start_date`. n must be ≥ 0."""
    if n < 0:
        raise ValueError("n must be zero or more")
    if n == 0:
        return start_date
    # Wide enough for n working days even across the longest Chinese holiday (Golden Week,
    # Spring Festival: 7–9 days off); widened again if the table holds more in a row.
    span = n * 2 + 14
    while True:
        overrides = _overrides(start_date + timedelta(days=1), start_date + timedelta(days=span))
        day, left = start_date, n
        for _ in range(span):
            day += timedelta(days=1)
            if _is_working(day, overrides):
                left -= 1
                if left == 0:
                    return day
        span *= 2
