"""The month-end run on real Celery workers (issue 13 item 4, R20): a worker process killed with
SIGKILL in the middle of a run, and the run started again on a new worker, ends in exactly the
state of one clean run — and a further run changes nothing. The workers are separate processes
(`celery -A config worker`) on the Redis broker and this test's PostgreSQL database."""

import datetime
import os
import signal
import time

import pytest
from django.db import connection

from finance.models import InterestPosting, JournalEntry, Reconciliation
from finance.services import month_end_start
from finance.services.interest import previous_period
from tests.finance.conftest import another_contract
from tests.finance.test_month_end import books, state  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.rule("R20"),
]


def _wait(period, until, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = Reconciliation.objects.get(period=period)
        if until(run):
            return run
        time.sleep(0.1)
    raise AssertionError(f"the run did not get there in {timeout} s: {run.__dict__}")


@pytest.fixture
def others(clerk, customer, catalogue, manager, gm, head, finance):
    """Three more contracts of the customer, signed before its overdue delivery (which would
    put its next orders on credit hold)."""
    return [
        another_contract(
            clerk=clerk,
            customer=customer,
            catalogue=catalogue,
            manager=manager,
            gm=gm,
            head=head,
            finance=finance,
        )
        for _ in range(3)
    ]


@pytest.mark.celery_worker
def test_a_worker_killed_mid_run_and_the_run_repeated_ends_as_one_clean_run(
    celery_worker_processes,
    others,
    books,  # noqa: F811
    finance,
    settings,
):
    with connection.cursor() as cursor:  # one broken figure: one difference, however it runs
        cursor.execute(
            "UPDATE contracts_contractledger SET shipped = shipped + 3 WHERE contract_id = %s",
            [others[0].pk],
        )
    period = previous_period()

    first = celery_worker_processes()
    month_end_start(actor=finance, period=period)
    killed_at = _wait(period, lambda run: run.step == "reconcile" and run.done >= 1)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    halfway = Reconciliation.objects.get(period=period)
    assert halfway.status == "running"
    assert killed_at.done <= halfway.done < halfway.total == 4

    settings.MONTH_END_STALE_SECONDS = 1  # the dead run shows no sign of life for longer
    time.sleep(1.5)
    celery_worker_processes()
    month_end_start(actor=finance, period=period)
    repeated = _wait(period, lambda run: run.status != "running")

    assert (repeated.status, repeated.runs, repeated.done) == ("computed", 2, 4)
    assert list(repeated.differences.values_list("contract_id", "figure")) == [
        (others[0].pk, "shipped")
    ]
    postings = InterestPosting.objects.filter(period=period)
    assert list(postings.values_list("contract_id", flat=True)) == [books.pk]
    assert JournalEntry.objects.filter(source_type="interest").count() == 1
    after_kill = state(period)

    month_end_start(actor=finance, period=period)
    again = _wait(period, lambda run: run.status != "running" and run.runs == 3)
    assert again.finished_at > repeated.finished_at - datetime.timedelta(seconds=1)
    assert state(period) == after_kill
