"""Month end under concurrency, on PostgreSQL (issue 13 item 4, R20): two starts of one month at
once → one runs, the other is told so; a posting racing the close of its month ends either
before the close (counted by the confirmed run, else the close is refused as stale) or refused
(`period_closed`) — never in a closed month unreconciled."""

import time

import pytest

from core.models import ClosedPeriod
from finance.models import JournalEntry, Reconciliation
from finance.services import (
    month_end_execute,
    month_end_start,
    period_close,
    reconciliation_confirm,
)
from finance.services.interest import previous_period
from tests.finance.conftest import collect, race
from tests.finance.test_month_end import books, finance2, last_month_day  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.rule("R20"),
]


def _run_and_confirm(finance, confirmers):
    started = month_end_start(actor=finance, period=previous_period(), send=False)
    month_end_execute(reconciliation_id=started.pk, token=started.run_token)
    for person in confirmers:
        reconciliation_confirm(actor=person, reconciliation_id=started.pk)
    return Reconciliation.objects.get(pk=started.pk)


def test_two_starts_of_one_month_at_once_run_once(finance, finance2):  # noqa: F811
    period = previous_period()

    results = race(
        lambda: month_end_start(actor=finance, period=period, send=False),
        lambda: month_end_start(actor=finance2, period=period, send=False),
    )

    refused = [r for r in results if not isinstance(r, Reconciliation)]
    assert refused == ["run_in_progress"], results
    assert Reconciliation.objects.get(period=period).runs == 1


@pytest.mark.parametrize("head_start", ["none", "posting", "close"])
def test_a_posting_racing_the_close_is_before_it_and_counted_or_refused(
    head_start,
    books,  # noqa: F811
    finance,
    finance2,  # noqa: F811
    manager,
):
    period = previous_period()
    reconciliation = _run_and_confirm(finance, [manager, finance2])
    assert reconciliation.status == "confirmed"

    def close():
        if head_start == "posting":
            time.sleep(0.05)
        return period_close(actor=finance, period=period)

    def post():
        if head_start == "close":
            time.sleep(0.05)
        return collect(finance, books, "10.00", last_month_day(25))

    closed, posted = race(close, post)

    assert (closed, posted).count("period_closed") + (closed, posted).count(
        "reconciliation_stale"
    ) == 1, (closed, posted)
    if isinstance(closed, ClosedPeriod):
        assert posted == "period_closed"
    else:
        assert closed == "reconciliation_stale"
        assert not ClosedPeriod.objects.filter(period=period).exists()
    # whatever the order, a closed month holds exactly what its confirmed run counted
    if ClosedPeriod.objects.filter(period=period).exists():
        first = last_month_day(1)
        month = JournalEntry.objects.filter(date__year=first.year, date__month=first.month)
        assert month.count() == Reconciliation.objects.get(period=period).journal_entries
