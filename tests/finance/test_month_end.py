"""The month-end run, its confirmation and the close (issue 13 items 2–4, R20, R21): interest
posted, every contract's ledger reconciled against the journal and the documents, the
differences kept; a co-sign of the sales manager and finance; a month closed only once its run
is confirmed and still agrees with the journal; reopened by the VP of finance with a reason."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from approvals.models import ApprovalRequest, RequestStatus
from core.errors import InvalidInput, PermissionRefused, RuleViolation
from core.models import ClosedPeriod
from finance.models import (
    Difference,
    InterestPosting,
    JournalEntry,
    PeriodEvent,
    Reconciliation,
)
from finance.services import (
    month_end_start,
    period_close,
    period_reopen,
    reconciliation_confirm,
)
from finance.services.interest import previous_period
from tests.finance.conftest import collect, deliver

pytestmark = pytest.mark.rule("R20")


def last_month_day(day: int) -> datetime.date:
    first = timezone.localdate().replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=day)


@pytest.fixture
def finance2(make_user):
    return make_user("finance", username="finance.zhou")


@pytest.fixture
def vp(make_user):
    return make_user("finance_vp", username="vp.qian")


@pytest.fixture
def books(contract, lathe_line, clerk, manager, keeper, guard, warehouse, finance):
    """A contract with a lathe delivered 100 days ago (overdue: interest last month) and part
    of it collected last month."""
    deliver(
        line=lathe_line,
        days_ago=100,
        contract=contract,
        warehouse=warehouse,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
    )
    collect(finance, contract, "50000.00", last_month_day(3))
    return contract


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Start a run; its task runs inline once the start commits, so it has finished when this
    returns."""

    def start(actor, period=None):
        with django_capture_on_commit_callbacks(execute=True):
            started = month_end_start(actor=actor, period=period or previous_period())
        return Reconciliation.objects.get(pk=started.pk)

    return start


def state(period):
    """Everything a month-end run may change, to compare two runs."""
    reconciliation = Reconciliation.objects.get(period=period)
    return {
        "status": reconciliation.status,
        "digest": reconciliation.digest,
        "differences": list(
            Difference.objects.filter(reconciliation=reconciliation).values_list(
                "contract_id", "figure", "ledger_value", "source_value"
            )
        ),
        "journal": list(JournalEntry.objects.values_list("id", "date", "source_type")),
        "interest": list(InterestPosting.objects.values_list("contract_id", "period", "amount")),
        "requests": list(
            ApprovalRequest.objects.filter(document_type="reconciliation").values_list(
                "id", "status"
            )
        ),
        "closed": list(ClosedPeriod.objects.values_list("period", flat=True)),
    }


def test_a_clean_month_posts_its_interest_and_reconciles_with_no_difference(
    run, books, finance, manager
):
    reconciliation = run(finance)

    assert reconciliation.status == "computed"
    assert reconciliation.step == "done"
    assert reconciliation.total == reconciliation.done >= 1
    assert reconciliation.difference_count == 0
    posting = InterestPosting.objects.get(contract=books, period=previous_period())
    assert posting.amount > 0
    assert reconciliation.summary["interest"]["posted"] == 1
    books.ledger.refresh_from_db()
    assert books.ledger.interest == posting.amount
    request = reconciliation.approval_request
    assert request.status == RequestStatus.PENDING
    assert sorted(request.steps.values_list("role", flat=True)) == ["finance", "sales_manager"]


def test_a_ledger_figure_broken_by_sql_is_exactly_one_difference_naming_it(run, books, finance):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contracts_contractledger SET collected = collected + 1 WHERE contract_id = %s",
            [books.pk],
        )

    reconciliation = run(finance)

    difference = Difference.objects.get(reconciliation=reconciliation)
    assert (difference.contract_id, difference.figure, difference.source) == (
        books.pk,
        "collected",
        "journal",
    )
    assert difference.ledger_value == Decimal("50001.00")
    assert difference.source_value == Decimal("50000.00")
    assert difference.difference == Decimal("1.00")
    assert reconciliation.difference_count == 1


@pytest.mark.parametrize(
    "figure, source",
    [
        ("contracted", "documents"),
        ("shipped", "documents"),
        ("delivered", "journal"),
        ("invoiced", "documents"),
        ("interest", "journal"),
    ],
)
def test_each_figure_is_reconciled_against_its_source(run, books, finance, figure, source):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE contracts_contractledger SET {figure} = {figure} + 0.01 "
            "WHERE contract_id = %s",
            [books.pk],
        )

    reconciliation = run(finance)

    assert list(
        reconciliation.differences.values_list("contract_id", "figure", "source", "difference")
    ) == [(books.pk, figure, source, Decimal("0.01"))]


def test_running_twice_changes_nothing_and_a_confirmation_stands(
    run, books, finance, finance2, manager
):
    period = previous_period()
    run(finance)
    first = state(period)

    run(finance)
    assert state(period) == first

    reconciliation = Reconciliation.objects.get(period=period)
    reconciliation_confirm(actor=manager, reconciliation_id=reconciliation.pk)
    reconciliation_confirm(actor=finance2, reconciliation_id=reconciliation.pk)
    confirmed = state(period)
    assert confirmed["status"] == "confirmed"

    run(finance2)
    assert state(period) == confirmed
    assert Reconciliation.objects.get(period=period).runs == 3


def test_a_run_that_finds_new_differences_needs_a_new_confirmation(
    run, books, finance, finance2, manager
):
    reconciliation = run(finance)
    reconciliation_confirm(actor=manager, reconciliation_id=reconciliation.pk)
    reconciliation_confirm(actor=finance2, reconciliation_id=reconciliation.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contracts_contractledger SET shipped = shipped - 5 WHERE contract_id = %s",
            [books.pk],
        )

    again = run(finance)

    assert again.status == "computed"
    assert again.difference_count == 1
    assert again.approval_request.status == RequestStatus.PENDING
    assert ApprovalRequest.objects.filter(document_type="reconciliation").count() == 2


def test_the_confirmation_is_a_co_sign_with_the_engines_refusals(
    run, books, finance, finance2, manager, clerk, make_user
):
    reconciliation = run(finance)

    with pytest.raises(PermissionRefused) as own:
        reconciliation_confirm(actor=finance, reconciliation_id=reconciliation.pk)
    assert own.value.code == "self_approval_forbidden"
    with pytest.raises(PermissionRefused) as stranger:
        reconciliation_confirm(actor=clerk, reconciliation_id=reconciliation.pk)
    assert stranger.value.code == "not_your_step"
    both = make_user("sales_manager", "finance", username="both.roles")
    reconciliation_confirm(actor=both, reconciliation_id=reconciliation.pk)
    with pytest.raises(PermissionRefused) as twice:
        reconciliation_confirm(actor=both, reconciliation_id=reconciliation.pk)
    assert twice.value.code == "duplicate_approver"
    assert Reconciliation.objects.get(pk=reconciliation.pk).status == "computed"

    (left,) = reconciliation.approval_request.steps.filter(status="open")
    last = manager if left.role == "sales_manager" else finance2
    reconciliation_confirm(actor=last, reconciliation_id=reconciliation.pk)
    assert Reconciliation.objects.get(pk=reconciliation.pk).status == "confirmed"
    with pytest.raises(RuleViolation) as again:
        reconciliation_confirm(actor=last, reconciliation_id=reconciliation.pk)
    assert again.value.code == "invalid_transition"


def test_only_finance_starts_a_run_for_a_month_that_has_begun(finance, manager):
    with pytest.raises(PermissionRefused):
        month_end_start(actor=manager, period=previous_period())
    for bad in ("2026-13", "26-01", "", None):
        with pytest.raises(InvalidInput) as refused:
            month_end_start(actor=finance, period=bad)
        assert "period" in refused.value.errors
    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=5)).strftime(
        "%Y-%m"
    )
    with pytest.raises(InvalidInput):
        month_end_start(actor=finance, period=next_month)
    assert not Reconciliation.objects.exists()


def test_the_current_month_gives_the_figures_so_far_without_posting_interest(run, books, finance):
    reconciliation = run(finance, timezone.localdate().strftime("%Y-%m"))

    assert reconciliation.status == "computed"
    assert "interest" not in reconciliation.summary
    assert not InterestPosting.objects.exists()


def test_a_second_start_while_a_run_is_alive_is_refused_and_a_dead_one_may_restart(
    run, books, finance, finance2, django_capture_on_commit_callbacks, settings
):
    period = previous_period()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        month_end_start(actor=finance, period=period)
    assert len(queued) == 1  # its task, not run: the run stays "running"

    with pytest.raises(RuleViolation) as refused:
        month_end_start(actor=finance2, period=period)
    assert refused.value.code == "run_in_progress"
    assert refused.value.errors == {"period": ["A run of this month is already working."]}

    Reconciliation.objects.filter(period=period).update(
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=121)
    )
    restarted = run(finance2, period)
    assert restarted.status == "computed" and restarted.runs == 2
    queued[0]()  # the dead run's task comes back: it is not the month's run any more
    assert Reconciliation.objects.get(period=period).status == "computed"
    assert InterestPosting.objects.count() == 1


def test_close_needs_a_month_over_and_its_run_confirmed(run, books, finance, finance2, manager):
    period = previous_period()
    with pytest.raises(RuleViolation) as not_run:
        period_close(actor=finance, period=period)
    assert not_run.value.code == "reconciliation_not_confirmed"
    reconciliation = run(finance)
    with pytest.raises(RuleViolation) as unconfirmed:
        period_close(actor=finance, period=period)
    assert unconfirmed.value.code == "reconciliation_not_confirmed"
    with pytest.raises(RuleViolation) as current:
        period_close(actor=finance, period=timezone.localdate().strftime("%Y-%m"))
    assert current.value.code == "period_not_over"
    with pytest.raises(PermissionRefused):
        period_close(actor=manager, period=period)
    assert not ClosedPeriod.objects.exists()

    reconciliation_confirm(actor=manager, reconciliation_id=reconciliation.pk)
    reconciliation_confirm(actor=finance2, reconciliation_id=reconciliation.pk)
    period_close(actor=finance, period=period)

    assert ClosedPeriod.objects.get(period=period).closed_by == finance
    with pytest.raises(RuleViolation) as posted:
        collect(finance, books, "1.00", last_month_day(10))
    assert posted.value.code == "period_closed"
    with pytest.raises(RuleViolation) as rerun:
        month_end_start(actor=finance, period=period)
    assert rerun.value.code == "period_closed"
    with pytest.raises(RuleViolation) as twice:
        period_close(actor=finance, period=period)
    assert twice.value.code == "invalid_transition"


def test_a_posting_after_the_run_makes_the_close_wait_for_a_new_run(
    run, books, finance, finance2, manager
):
    period = previous_period()
    reconciliation = run(finance)
    reconciliation_confirm(actor=manager, reconciliation_id=reconciliation.pk)
    reconciliation_confirm(actor=finance2, reconciliation_id=reconciliation.pk)
    collect(finance, books, "10.00", last_month_day(20))

    with pytest.raises(RuleViolation) as stale:
        period_close(actor=finance, period=period)
    assert stale.value.code == "reconciliation_stale"
    assert not ClosedPeriod.objects.exists()

    again = run(finance)
    assert again.status == "computed"  # the books changed: confirm again
    reconciliation_confirm(actor=manager, reconciliation_id=again.pk)
    reconciliation_confirm(actor=finance2, reconciliation_id=again.pk)
    period_close(actor=finance, period=period)
    assert ClosedPeriod.objects.filter(period=period).exists()


def test_months_close_out_of_order_and_only_the_vp_reopens_with_a_reason(
    run, books, finance, finance2, manager, vp
):
    period = previous_period()
    first = timezone.localdate().replace(day=1)
    two_back = (first - datetime.timedelta(days=1)).replace(day=1) - datetime.timedelta(days=1)
    earlier = two_back.strftime("%Y-%m")
    reconciliation = run(finance, period)  # the later month first; the earlier stays open
    reconciliation_confirm(actor=manager, reconciliation_id=reconciliation.pk)
    reconciliation_confirm(actor=finance2, reconciliation_id=reconciliation.pk)
    period_close(actor=finance, period=period)
    assert not ClosedPeriod.objects.filter(period=earlier).exists()

    with pytest.raises(PermissionRefused):
        period_reopen(actor=finance, period=period, reason="补录")
    with pytest.raises(InvalidInput) as no_reason:
        period_reopen(actor=vp, period=period, reason="  ")
    assert "reason" in no_reason.value.errors
    with pytest.raises(RuleViolation):
        period_reopen(actor=vp, period=earlier, reason="补录")
    assert ClosedPeriod.objects.filter(period=period).exists()

    period_reopen(actor=vp, period=period, reason="补录一张漏记的签收单")

    assert not ClosedPeriod.objects.filter(period=period).exists()
    history = list(PeriodEvent.objects.filter(period=period).values_list("action", "reason"))
    assert history[-2:] == [("closed", ""), ("reopened", "补录一张漏记的签收单")]
    # nothing was posted since: the confirmed run still agrees and the month closes again
    period_close(actor=finance, period=period)
    assert ClosedPeriod.objects.filter(period=period).exists()


def test_a_rejected_run_goes_back_and_a_new_run_asks_again(run, books, finance, manager):
    from approvals.services import approval_decide

    reconciliation = run(finance)
    approval_decide(
        actor=manager,
        request_id=reconciliation.approval_request.pk,
        approve=False,
        comment="合同 1 的开票金额不对",
    )
    assert Reconciliation.objects.get(pk=reconciliation.pk).status == "returned"

    again = run(finance)
    assert again.status == "computed"
    assert again.approval_request.status == RequestStatus.PENDING


@pytest.mark.rule("R20", "R22")
def test_the_confirmation_waits_in_the_inbox_and_is_decided_from_its_page(
    run, books, finance, finance2, manager, client
):
    reconciliation = run(finance)
    request = reconciliation.approval_request

    client.force_login(manager)
    inbox = client.get("/approvals/")
    assert inbox.status_code == 200
    assert previous_period() in inbox.content.decode()
    detail = client.get(f"/approvals/{request.pk}/")
    assert detail.status_code == 200
    assert "Month-end reconciliation" in detail.content.decode()
    decided = client.post(f"/approvals/{request.pk}/decide/", {"decision": "approve"})
    assert decided.status_code in (200, 302)

    client.force_login(finance2)
    client.post(f"/approvals/{request.pk}/decide/", {"decision": "approve"})
    assert Reconciliation.objects.get(pk=reconciliation.pk).status == "confirmed"


@pytest.mark.rule("R19", "R20")
def test_the_run_prepares_the_months_commission_slips_once(run, books, finance, clerk):
    from finance.models import CommissionSlip

    first = run(finance)
    slip = CommissionSlip.objects.get(period=previous_period())
    assert (slip.salesperson, slip.status) == (books.salesperson, "draft")
    assert first.summary["commission"]["created"] == 1

    again = run(finance)
    assert CommissionSlip.objects.filter(period=previous_period()).count() == 1
    assert again.summary["commission"]["created"] == 0
