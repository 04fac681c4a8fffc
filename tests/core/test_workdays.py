"""The working-day calendar of R26's clock (core.workdays, core.models.Holiday)."""

from datetime import date

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from core.models import Holiday
from core.workdays import add_working_days, is_working_day

pytestmark = pytest.mark.django_db

# December 2026: Fri 4, Sat 5, Sun 6, Mon 7.
FRI, SAT, SUN, MON = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6), date(2026, 12, 7)


def test_weekdays_work_and_weekends_do_not():
    assert is_working_day(FRI) and is_working_day(MON)
    assert not is_working_day(SAT) and not is_working_day(SUN)


def test_a_holiday_is_no_working_day_and_a_make_up_saturday_is_one():
    Holiday.objects.create(date=MON, name="假日")
    Holiday.objects.create(date=SAT, name="调休", is_workday=True)

    assert not is_working_day(MON)
    assert is_working_day(SAT)


def test_the_start_day_never_counts_and_weekends_are_skipped():
    assert add_working_days(FRI, 0) == FRI
    assert add_working_days(FRI, 1) == MON
    assert add_working_days(SAT, 1) == MON  # a weekend start: the next working day
    assert add_working_days(SUN, 1) == MON
    assert add_working_days(date(2026, 12, 2), 3) == MON  # Wed + 3 → Mon
    assert add_working_days(MON, 5) == date(2026, 12, 14)


def test_holidays_skip_and_make_up_days_count():
    Holiday.objects.create(date=MON, name="假日")
    assert add_working_days(FRI, 1) == date(2026, 12, 8)
    Holiday.objects.create(date=SUN, name="调休", is_workday=True)
    assert add_working_days(FRI, 1) == SUN
    assert add_working_days(FRI, 2) == date(2026, 12, 8)


def test_a_long_run_of_holidays_is_walked_past():
    # 2026 National Day: Thu 1 Oct .. Thu 8 Oct off, Sat 10 Oct worked (调休).
    for day in range(1, 9):
        Holiday.objects.create(date=date(2026, 10, day), name="国庆节")
    Holiday.objects.create(date=date(2026, 10, 10), name="调休", is_workday=True)

    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 9)
    assert add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 10)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 12)


def test_a_calendar_longer_than_the_first_window_widens_it():
    for offset in range(1, 40):  # 39 days off in a row after Fri 4 Dec
        Holiday.objects.create(date=date.fromordinal(FRI.toordinal() + offset), name="停工")
    assert add_working_days(FRI, 1) == date(2027, 1, 13)


def test_one_query_however_many_days():
    with CaptureQueriesContext(connection) as queries:
        add_working_days(FRI, 20)
    assert len(queries) == 1


def test_a_date_is_listed_once():
    Holiday.objects.create(date=MON, name="a")
    with pytest.raises(IntegrityError):
        Holiday.objects.create(date=MON, name="b")


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        add_working_days(FRI, -1)
