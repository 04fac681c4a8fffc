"""R26's follow-up clock: when a lead's next contact is due. One module every path uses (the
services on capture, contact and regrade; the selectors and the reminder task for "today" and
"overdue"); pure functions of their arguments and the working-day calendar (`core.workdays`,
one query for a working-day step, none otherwise).

Choices where the issue is silent (issue 15):
- A: first contact due 24 hours after capture, to the minute (23:59 after capture is not yet
  overdue, 24:01 is). Then every 2 working days after each contact (hot leads).
- B: first contact due at the end of the 3rd working day after the capture's day, read as the
  same local time of day as the capture (captured Friday 10:00 → due Wednesday 10:00). Then
  weekly: 7 calendar days after each contact.
- C: first contact due 1 calendar month after capture, then monthly after each contact; the day
  is clamped to the month's last (31 Jan → 28/29 Feb, 31 Mar → 30 Apr), same time of day.
- Working days and times of day are read in TIME_ZONE (Asia/Shanghai, DESIGN §3).
- A regrade recomputes the due with the new grade from the last contact when there is one,
  else from the regrade's time as if the lead were captured then (so C → A asks for a contact
  within 24 hours, not "overdue since last week").
- "Overdue" is due < now; "due today" is a due inside today's local date (an earlier hour
  today is both due today and overdue).
"""

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from core.workdays import add_working_days

A, B, C = "A", "B", "C"
FIRST_A = timedelta(hours=24)
FIRST_B_WORKING_DAYS = 3
NEXT_A_WORKING_DAYS = 2
NEXT_B = timedelta(days=7)


def add_months(moment: datetime, months: int = 1) -> datetime:
    """`moment` + `months` calendar months in local time, the day clamped to the month's last."""
    local = timezone.localtime(moment)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return _at(date(year, month, day), local.timetz().replace(tzinfo=None))


def _at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def _working_days_later(moment: datetime, n: int) -> datetime:
    local = timezone.localtime(moment)
    return _at(add_working_days(local.date(), n), local.time())


def first_contact_due(grade: str, captured_at: datetime) -> datetime:
    """When the first contact of a lead captured at `captured_at` is due (R26)."""
    if grade == A:
        return captured_at + FIRST_A
    if grade == B:
        return _working_days_later(captured_at, FIRST_B_WORKING_DAYS)
    if grade == C:
        return add_months(captured_at, 1)
    raise ValueError(f"unknown grade {grade!r}")


def next_contact_due(grade: str, contacted_at: datetime) -> datetime:
    """When the contact after one made at `contacted_at` is due (R26)."""
    if grade == A:
        return _working_days_later(contacted_at, NEXT_A_WORKING_DAYS)
    if grade == B:
        return contacted_at + NEXT_B
    if grade == C:
        return add_months(contacted_at, 1)
    raise ValueError(f"unknown grade {grade!r}")


def due_after_regrade(grade: str, *, last_contacted_at: datetime | None, now: datetime) -> datetime:
    """The due of a lead regraded to `grade` at `now` (see the module's docstring)."""
    if last_contacted_at is not None:
        return next_contact_due(grade, last_contacted_at)
    return first_contact_due(grade, now)


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and due < now


def today_bounds(now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of `now`'s local date: the "due today" window."""
    day = timezone.localdate(now)
    return _at(day, time.min), _at(day + timedelta(days=1), time.min)
