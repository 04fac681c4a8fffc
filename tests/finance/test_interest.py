"""Overdue interest (R18, R20; issue 12 item 6): computed live between the days the overdue
changes, rounded once a month, posted monthly (Dr 1122 / Cr 6603, the ledger's accrued moved
to posted), idempotent, on demand, by the beat task, the command and the API."""

import datetime
from decimal import Decimal

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from contracts.models import ContractLedger
from core.errors import InvalidInput, PermissionRefused, RuleViolation
from core.models import ClosedPeriod
from core.system import system_user
from finance import interest
from finance.models import InterestPosting, JournalEntry
from finance.selectors import contract_interest_accrued, contract_interest_for_period
from finance.services import interest_post_month, interests_accrue
from finance.tasks import interest_post_month as interest_post_month_task
from finance.tasks import overdue_daily
from tests.finance.conftest import collect, due

pytestmark = pytest.mark.django_db
D = datetime.date
RATE = Decimal("0.0005")


def ledger(contract):
    return ContractLedger.objects.get(contract=contract)


# -- the computation ----------------------------------------------------------------------------


@pytest.mark.rule("R18")
def test_interest_across_a_month_end_is_split_exactly_by_the_days_in_each_month():
    """100,000.00 overdue from Nov 28 (due Nov 27) and collected Dec 3: Nov 28, 29, 30 in
    November (150.00), Dec 1 and 2 in December (100.00); the day of the receipt earns none."""
    result = interest.interest_by_month(
        dues=[(D(2025, 11, 27), Decimal("100000.00"))],
        allocations=[(D(2025, 12, 3), Decimal("100000.00"))],
        rate_daily=RATE,
        start=D(2025, 11, 1),
        end=D(2025, 12, 31),
    )

    assert result == {"2025-11": Decimal("150.00"), "2025-12": Decimal("100.00")}


@pytest.mark.rule("R18")
def test_on_the_due_date_nothing_is_overdue_and_from_the_next_day_it_is():
    steps = interest.overdue_steps([(D(2025, 3, 10), Decimal("500.00"))], [])

    assert interest.overdue_on(steps, D(2025, 3, 10)) == 0
    assert interest.overdue_on(steps, D(2025, 3, 11)) == Decimal("500.00")


@pytest.mark.rule("R18")
def test_interest_is_rounded_once_a_month_not_once_a_day():
    """333.33 × 0.05 % = 0.166665 a day: three days are 0.499995 → 0.50 (rounding each day
    would give 0.51)."""
    result = interest.interest_by_month(
        dues=[(D(2025, 6, 26), Decimal("333.33"))],
        allocations=[(D(2025, 6, 30), Decimal("333.33"))],
        rate_daily=RATE,
        start=D(2025, 6, 1),
        end=D(2025, 6, 30),
    )

    assert result == {"2025-06": Decimal("0.50")}


@pytest.mark.rule("R18")
def test_a_part_payment_lowers_the_overdue_from_its_day_and_an_advance_never_earns_interest():
    dues = [(D(2025, 1, 31), Decimal("1000.00")), (D(2025, 2, 14), Decimal("2000.00"))]
    allocations = [(D(2025, 1, 20), Decimal("1500.00")), (D(2025, 2, 20), Decimal("1000.00"))]

    result = interest.interest_by_month(
        dues=dues,
        allocations=allocations,
        rate_daily=Decimal("0.001"),
        start=D(2025, 1, 1),
        end=D(2025, 2, 28),
    )

    # Feb 15–19: 3000 − 1500 = 1500 × 5 days; Feb 20–28: 500 × 9 days → 7.5 + 4.5.
    assert result == {"2025-02": Decimal("12.00")}


day_offsets = st.integers(min_value=0, max_value=120)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@pytest.mark.rule("R18")
@hsettings(max_examples=60, deadline=None)
@given(
    dues=st.lists(st.tuples(day_offsets, amounts), max_size=5),
    allocations=st.lists(st.tuples(day_offsets, amounts), max_size=5),
)
def test_piecewise_sums_equal_the_sum_day_by_day(dues, allocations):
    start = D(2025, 1, 15)
    dues = [(start + datetime.timedelta(days=n), a) for n, a in dues]
    allocations = [(start + datetime.timedelta(days=n), a) for n, a in allocations]
    end = start + datetime.timedelta(days=130)
    expected: dict[str, Decimal] = {}
    day = start
    while day <= end:
        owed = sum((a for d, a in dues if d < day), Decimal("0"))
        paid = sum((a for d, a in allocations if d <= day), Decimal("0"))
        key = f"{day.year:04d}-{day.month:02d}"
        expected[key] = expected.get(key, Decimal("0")) + max(owed - paid, Decimal("0")) * RATE
        day += datetime.timedelta(days=1)
    expected = {
        k: v.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") for k, v in expected.items()
    }
    expected = {k: v for k, v in expected.items() if v > 0}

    got = interest.interest_by_month(
        dues=dues, allocations=allocations, rate_daily=RATE, start=start, end=end
    )

    assert got == expected


# -- live figure and monthly posting ------------------------------------------------------------


@pytest.fixture
def overdue_nov28(contract, finance):
    """100,000.00 due Nov 27 2025, collected Dec 3 2025, at the contract's 0.05 % a day."""
    assert contract.interest_rate_daily == RATE
    due(contract, "100000.00", D(2025, 11, 27))
    collect(finance, contract, "100000.00", D(2025, 12, 3))
    return contract


@pytest.mark.rule("R18")
def test_the_ledger_shows_the_interest_accrued_live_before_any_posting(overdue_nov28, finance, api):
    body = api.as_user(finance).get(f"/api/v1/contracts/{overdue_nov28.pk}/ledger/").json()

    assert body["interest_accrued"] == "250.00"
    assert body["interest"] == "0.00"


@pytest.mark.rule("R18", "R20")
def test_posting_november_posts_its_three_days_and_leaves_december_accrued(
    overdue_nov28, finance, api
):
    result = interest_post_month(actor=finance, period="2025-11")

    assert result["posted"] == 1 and result["amount"] == Decimal("150.00")
    entry = JournalEntry.objects.get(source_type="interest")
    assert entry.date == D(2025, 11, 30)
    assert (entry.contract_id, entry.customer_id) == (overdue_nov28.pk, overdue_nov28.customer_id)
    assert sorted(entry.lines.values_list("account__code", "debit", "credit")) == [
        ("1122", Decimal("150.00"), Decimal("0.00")),
        ("6603", Decimal("0.00"), Decimal("150.00")),
    ]
    kept = ledger(overdue_nov28)
    assert (kept.interest, kept.interest_accrued) == (Decimal("150.00"), Decimal("100.00"))
    body = api.as_user(finance).get(f"/api/v1/contracts/{overdue_nov28.pk}/ledger/").json()
    assert (body["interest"], body["interest_accrued"]) == ("150.00", "100.00")

    december = interest_post_month(actor=finance, period="2025-12")
    assert december["amount"] == Decimal("100.00")
    kept = ledger(overdue_nov28)
    assert (kept.interest, kept.interest_accrued) == (Decimal("250.00"), Decimal("0.00"))


@pytest.mark.rule("R18", "R20")
def test_a_second_run_posts_nothing(overdue_nov28, finance):
    interest_post_month(actor=finance, period="2025-11")

    again = interest_post_month(actor=finance, period="2025-11")

    assert (again["posted"], again["amount"], again["already_posted"]) == (0, 0, 1)
    assert JournalEntry.objects.filter(source_type="interest").count() == 1
    assert InterestPosting.objects.get().amount == Decimal("150.00")
    assert ledger(overdue_nov28).interest == Decimal("150.00")


@pytest.mark.rule("R18")
def test_a_month_without_overdue_posts_nothing(contract, finance):
    due(contract, "5000.00", D(2025, 11, 30))  # overdue from Dec 1

    assert interest_post_month(actor=finance, period="2025-11")["posted"] == 0
    assert contract_interest_for_period(contract_id=contract.pk, period="2025-12") == Decimal(
        "77.50"
    )


@pytest.mark.rule("R18")
def test_the_daily_job_keeps_the_ledgers_figure_at_the_live_value(overdue_nov28, finance):
    assert ledger(overdue_nov28).interest_accrued == 0

    assert interests_accrue(as_of=D(2025, 11, 30)) == 1
    assert ledger(overdue_nov28).interest_accrued == Decimal("150.00")
    assert interests_accrue(as_of=timezone.localdate()) == 1
    assert ledger(overdue_nov28).interest_accrued == Decimal("250.00")
    assert contract_interest_accrued(contract_id=overdue_nov28.pk) == Decimal("250.00")


@pytest.mark.rule("R18", "R25")
@pytest.mark.parametrize("period", ["2025-13", "2025-1", "", "next", None])
def test_a_malformed_period_is_refused_naming_it(finance, period):
    with pytest.raises(InvalidInput) as refused:
        interest_post_month(actor=finance, period=period)

    assert list(refused.value.errors) == ["period"]


@pytest.mark.rule("R18")
def test_the_current_month_is_not_posted_before_it_is_over(overdue_nov28, finance):
    with pytest.raises(InvalidInput) as refused:
        interest_post_month(actor=finance, period=timezone.localdate().strftime("%Y-%m"))

    assert list(refused.value.errors) == ["period"]
    assert not InterestPosting.objects.exists()


@pytest.mark.rule("R18", "R20")
def test_a_closed_month_is_refused_and_nothing_is_posted(overdue_nov28, finance):
    ClosedPeriod.objects.create(period="2025-11")

    with pytest.raises(RuleViolation) as refused:
        interest_post_month(actor=finance, period="2025-11")

    assert refused.value.code == "period_closed"
    assert not InterestPosting.objects.exists() and ledger(overdue_nov28).interest == 0


@pytest.mark.rule("R18")
def test_only_finance_or_the_system_posts_interest(overdue_nov28, clerk):
    with pytest.raises(PermissionRefused):
        interest_post_month(actor=clerk, period="2025-11")
    assert not InterestPosting.objects.exists()

    assert interest_post_month(actor=system_user(), period="2025-11")["posted"] == 1
    assert JournalEntry.objects.get(source_type="interest").posted_by.username == "o2c-system"


# -- on demand: the API and the command -------------------------------------------------------


@pytest.mark.rule("R18")
def test_finance_posts_a_month_through_the_api_and_a_retry_posts_nothing(
    overdue_nov28, finance, api
):
    client = api.as_user(finance)

    first = client.post("/api/v1/interest-postings/", {"period": "2025-11"}, format="json")
    again = client.post("/api/v1/interest-postings/", {"period": "2025-11"}, format="json")

    assert first.status_code == 200, first.content
    assert first.json() | {"checked": 0} == {
        "period": "2025-11",
        "checked": 0,
        "posted": 1,
        "amount": "150.00",
        "already_posted": 0,
    }
    assert (again.json()["posted"], again.json()["already_posted"]) == (0, 1)
    listed = client.get("/api/v1/interest-postings/?period=2025-11").json()
    assert listed["count"] == 1 and listed["results"][0]["amount"] == "150.00"


@pytest.mark.rule("R18", "R25")
def test_the_api_names_a_bad_period_and_refuses_a_clerk(overdue_nov28, finance, clerk, api):
    bad = api.as_user(finance).post(
        "/api/v1/interest-postings/", {"period": "11/2025"}, format="json"
    )
    assert bad.status_code == 400 and "period" in bad.json()["errors"]

    refused = api.as_user(clerk).post(
        "/api/v1/interest-postings/", {"period": "2025-11"}, format="json"
    )
    assert refused.status_code == 403
    assert not InterestPosting.objects.exists()


@pytest.mark.rule("R18")
def test_the_command_posts_a_month_once(overdue_nov28, capsys):
    call_command("post_interest", "--period", "2025-11")
    call_command("post_interest", "--period", "2025-11")

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2025-11: 1 contracts posted, 150.00")
    assert out[1].startswith("2025-11: 0 contracts posted")
    with pytest.raises(CommandError):
        call_command("post_interest", "--period", "2025-99")


# -- the beat task through the real worker ----------------------------------------------------


def test_the_beat_schedule_posts_the_previous_month_on_the_first_and_runs_the_daily_job():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }

    monthly = schedule["finance.tasks.interest_post_month"]
    assert monthly.day_of_month == {1}
    assert "finance.tasks.overdue_daily" in schedule


@pytest.mark.rule("R18", "R20")
@pytest.mark.celery_worker
def test_worker_posts_the_month_once_and_the_daily_job_flags_nothing_twice(
    celery_live_worker, overdue_nov28
):
    first = interest_post_month_task.delay("2025-11")
    assert not isinstance(first, EagerResult)
    assert first.get(timeout=30) | {"checked": 0} == {
        "period": "2025-11",
        "checked": 0,
        "posted": 1,
        "amount": "150.00",
        "already_posted": 0,
    }
    assert interest_post_month_task.delay("2025-11").get(timeout=30)["posted"] == 0
    assert ledger(overdue_nov28).interest == Decimal("150.00")

    daily = overdue_daily.delay(timezone.localdate().isoformat()).get(timeout=30)
    assert daily["accrued"] == 1 and daily["opened"] == []
    assert ledger(overdue_nov28).interest_accrued == Decimal("100.00")


@pytest.mark.rule("R18", "R24")
def test_a_reversed_receipt_counts_nowhere_so_the_interest_runs_on(overdue_nov28, finance):
    from finance.services import receipt_reverse

    receipt = overdue_nov28.allocations.get().receipt
    receipt_reverse(actor=finance, receipt_id=receipt.pk, reason="退票")

    days = (timezone.localdate() - D(2025, 11, 28)).days + 1
    by_month = contract_interest_for_period(contract_id=overdue_nov28.pk, period="2025-12")
    assert by_month == Decimal("1550.00")  # all of December: 31 × 50.00
    assert contract_interest_accrued(contract_id=overdue_nov28.pk) == Decimal(50 * days)
