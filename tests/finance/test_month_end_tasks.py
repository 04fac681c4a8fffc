# ruff: noqa: F811  (the fixtures imported from test_month_end)
"""The month-end run's other two doors (issue 13 item 2, R20): the beat task on the 1st for the
previous month, and `manage.py month_end` with its progress bar; both call the one service."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from core.models import ClosedPeriod
from core.system import is_system_user
from finance.models import InterestPosting, Reconciliation
from finance.services.interest import previous_period
from finance.tasks import month_end_start as month_end_start_task
from tests.finance.test_month_end import books  # noqa: F401

pytestmark = pytest.mark.rule("R20")


def test_the_beat_starts_the_previous_months_run_on_the_first_after_the_interest():
    entries = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    month_end = entries["finance.tasks.month_end_start"]
    interest = entries["finance.tasks.interest_post_month"]
    assert month_end.day_of_month == interest.day_of_month == {1}
    assert min(month_end.hour) > min(interest.hour)


def test_the_task_runs_the_previous_month_as_the_system(
    books,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        result = month_end_start_task.delay().get()

    run = Reconciliation.objects.get(period=previous_period())
    assert result == {"period": previous_period(), "reconciliation": run.pk}
    assert run.status == "computed" and is_system_user(run.started_by)
    assert InterestPosting.objects.filter(period=previous_period()).count() == 1


def test_the_task_reports_a_closed_month_instead_of_failing(db):
    ClosedPeriod.objects.create(period=previous_period())

    assert month_end_start_task.delay().get() == {
        "period": previous_period(),
        "refused": "period_closed",
    }
    assert not Reconciliation.objects.exists()


def test_the_command_runs_the_month_with_a_progress_bar_and_says_what_it_found(
    books,
):
    out, err = io.StringIO(), io.StringIO()

    call_command("month_end", "--period", previous_period(), "--inline", stdout=out, stderr=err)

    run = Reconciliation.objects.get(period=previous_period())
    assert run.status == "computed" and run.done == run.total == 1
    assert f"{previous_period()}: " in out.getvalue()
    assert "1 contracts reconciled, 0 differences" in out.getvalue()
    assert "1/1" in err.getvalue()  # the bar, finished
    again = io.StringIO()
    call_command("month_end", "--period", previous_period(), stdout=again, stderr=io.StringIO())
    assert Reconciliation.objects.get(pk=run.pk).runs == 2
    assert InterestPosting.objects.count() == 1


def test_the_command_refuses_a_closed_month_and_a_bad_one(db):
    ClosedPeriod.objects.create(period=previous_period())
    with pytest.raises(CommandError, match="closed"):
        call_command("month_end", "--period", previous_period(), stdout=io.StringIO())
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("month_end", "--period", "2026/11", stdout=io.StringIO())
