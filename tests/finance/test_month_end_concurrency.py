"""Month end under concurrency, on PostgreSQL (issue 13 item 4, R20): two starts of one month at
once → one runs, the other is told so; a posting racing the close of its month ends either
before the close (counted by the confirmed run, else the close is refused as stale) or refused
(`period_closed`) — never in a closed month unreconciled."""

import threading
import time

import pytest
from django.db import connection

from core.errors import RuleViolation
from core.models import ClosedPeriod
from finance.models import JournalEntry, Reconciliation
from finance.services import (
    month_end_execute,
    month_end_start,
    monthend,
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


def _waits_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_a_posting_that_waited_for_the_close_of_its_month_is_refused(
    monkeypatch,
    books,  # noqa: F811
    finance,
    finance2,  # noqa: F811
    manager,
):
    """The posting reads its month's lock row while the close holds it: it waits, and once the
    close commits it sees the month closed (core.periods: the close marks the row itself, which
    the waiting read takes in its new version) — nothing is posted in the closed month."""
    period = previous_period()
    _run_and_confirm(finance, [manager, finance2])
    closing, go_on = threading.Event(), threading.Event()
    poster: list[int] = []
    record = monthend._event

    def held_open(*args, **kwargs):  # the close, its month closed and marked, not committed
        closing.set()
        go_on.wait(30)
        return record(*args, **kwargs)

    monkeypatch.setattr(monthend, "_event", held_open)

    def close():
        try:
            return period_close(actor=finance, period=period)
        finally:
            connection.close()

    def post():
        closing.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            poster.append(cursor.fetchone()[0])
        try:
            return collect(finance, books, "10.00", last_month_day(25))
        except RuleViolation as refused:
            return refused.code
        finally:
            connection.close()

    results: dict = {}
    threads = [
        threading.Thread(target=lambda: results.setdefault("close", close())),
        threading.Thread(target=lambda: results.setdefault("post", post())),
    ]
    for thread in threads:
        thread.start()
    for _ in range(300):  # until the posting is seen waiting for the month's lock row
        if poster and _waits_on_a_lock(poster[0]):
            break
        time.sleep(0.01)
    waited = bool(poster) and _waits_on_a_lock(poster[0])
    go_on.set()
    for thread in threads:
        thread.join()

    assert waited
    assert isinstance(results["close"], ClosedPeriod)
    assert results["post"] == "period_closed"
    assert Reconciliation.objects.get(period=period).journal_entries == (
        JournalEntry.objects.filter(
            date__year=last_month_day(1).year, date__month=last_month_day(1).month
        ).count()
    )
