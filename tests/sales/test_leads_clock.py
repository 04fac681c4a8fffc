"""R26's clock at its edges (issue 15 "Done when"): A at 23:59 vs 24:01 after capture, B across a
weekend and a holiday, C across month ends (31st → 28th/29th/30th)."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from core.models import Holiday
from sales import leads_clock as clock

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R26")]


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_a_first_contact_is_due_24_hours_after_capture():
    captured = at(2026, 12, 4, 9, 30)  # a Friday: hours, not working days
    due = clock.first_contact_due("A", captured)

    assert due == at(2026, 12, 5, 9, 30)
    assert not clock.is_overdue(due, captured + timedelta(hours=23, minutes=59))
    assert not clock.is_overdue(due, captured + timedelta(hours=24))
    assert clock.is_overdue(due, captured + timedelta(hours=24, minutes=1))


def test_b_first_contact_skips_the_weekend():
    # Thursday 3 Dec 2026 14:00 + 3 working days: Fri, (Sat, Sun), Mon, Tue → Tue 14:00.
    assert clock.first_contact_due("B", at(2026, 12, 3, 14, 0)) == at(2026, 12, 8, 14, 0)
    # Captured on a Saturday: Mon, Tue, Wed.
    assert clock.first_contact_due("B", at(2026, 12, 5, 11, 0)) == at(2026, 12, 9, 11, 0)


def test_b_first_contact_skips_a_holiday_and_counts_a_make_up_day():
    Holiday.objects.create(date=date(2026, 12, 7), name="假日")  # Monday off
    assert clock.first_contact_due("B", at(2026, 12, 3, 14, 0)) == at(2026, 12, 9, 14, 0)
    Holiday.objects.create(date=date(2026, 12, 6), name="调休", is_workday=True)  # Sunday worked
    assert clock.first_contact_due("B", at(2026, 12, 3, 14, 0)) == at(2026, 12, 8, 14, 0)


def test_b_overdue_at_the_same_time_of_day():
    due = clock.first_contact_due("B", at(2026, 12, 3, 14, 0))
    assert not clock.is_overdue(due, at(2026, 12, 8, 13, 59))
    assert clock.is_overdue(due, at(2026, 12, 8, 14, 1))


@pytest.mark.parametrize(
    "captured, due",
    [
        ((2027, 1, 31, 10, 0), (2027, 2, 28, 10, 0)),  # 31st → 28th
        ((2028, 1, 31, 10, 0), (2028, 2, 29, 10, 0)),  # leap year: 31st → 29th
        ((2027, 3, 31, 10, 0), (2027, 4, 30, 10, 0)),  # 31st → 30th
        ((2026, 12, 31, 23, 30), (2027, 1, 31, 23, 30)),  # across the year
        ((2027, 1, 15, 8, 0), (2027, 2, 15, 8, 0)),
    ],
)
def test_c_first_contact_a_calendar_month_later_clamped(captured, due):
    assert clock.first_contact_due("C", at(*captured)) == at(*due)
    assert clock.next_contact_due("C", at(*captured)) == at(*due)


def test_after_a_contact_a_is_due_in_two_working_days_b_weekly_c_monthly():
    friday = at(2026, 12, 4, 16, 0)
    assert clock.next_contact_due("A", friday) == at(2026, 12, 8, 16, 0)
    assert clock.next_contact_due("B", friday) == at(2026, 12, 11, 16, 0)
    assert clock.next_contact_due("C", friday) == at(2027, 1, 4, 16, 0)


def test_a_regrade_counts_from_the_last_contact_or_from_now():
    now = at(2026, 12, 7, 10, 0)
    contact = at(2026, 12, 4, 16, 0)
    assert clock.due_after_regrade("A", last_contacted_at=None, now=now) == at(2026, 12, 8, 10, 0)
    assert clock.due_after_regrade("A", last_contacted_at=contact, now=now) == at(2026, 12, 8, 16)


def test_today_is_the_local_date():
    start, end = clock.today_bounds(at(2026, 12, 7, 23, 59))
    assert (start, end) == (at(2026, 12, 7, 0, 0), at(2026, 12, 8, 0, 0))


def test_an_unknown_grade_is_refused():
    with pytest.raises(ValueError):
        clock.first_contact_due("D", at(2026, 12, 7))
