"""Commission slips (R19; issue 13 items 1 and 6): computed from the journal's collections per
contract and month × the contract's rate, less the interest accrued in the month on the
salesperson's overdue contracts, never below zero with the rest carried to the next month;
recomputed while draft, frozen at submit; approved by finance → VP of finance → GM (R21), the
approval and the payment posted to the journal."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from celery.result import EagerResult
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from approvals.services import approval_decide
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.models import ClosedPeriod
from core.periods import period_of
from finance import commission
from finance.models import CommissionSlip, CommissionSlipStatus, JournalEntry
from finance.selectors import (
    commission_department,
    commission_figures,
    commission_figures_by_period,
    commission_live,
    commission_slip_figures,
    commission_slip_get,
    commission_total_for_period,
    commission_totals_by_period,
)
from finance.services import (
    commission_slip_cancel,
    commission_slip_create,
    commission_slip_pay,
    commission_slip_recompute,
    commission_slip_submit,
    commission_slips_prepare,
    receipt_allocate,
    receipt_create,
    receipt_reverse,
)
from finance.tasks import commission_slips_prepare as prepare_task
from tests.finance.conftest import collect, due

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = timezone.localdate
THIS_MONTH = period_of(timezone.localdate())
CENT = Decimal("0.01")


@pytest.fixture
def vp(make_user):
    return make_user("finance_vp", username="vp.finance")


def approve_all(slip, *approvers):
    request_id = CommissionSlip.objects.get(pk=slip.pk).approval_request.pk
    for approver in approvers:
        approval_decide(actor=approver, request_id=request_id, approve=True)
    return CommissionSlip.objects.get(pk=slip.pk)


def entry_lines(slip):
    return [
        sorted(entry.lines.values_list("account__code", "debit", "credit"))
        for entry in JournalEntry.objects.filter(source_type="commission_slip", source_id=slip.pk)
    ]


# -- the arithmetic, pure ----------------------------------------------------------------------


amounts = st.decimals(min_value=Decimal("-5000"), max_value=Decimal("50000"), places=2)
interests = st.decimals(min_value=Decimal("0"), max_value=Decimal("3000"), places=2)


@pytest.mark.rule("R19")
@hsettings(max_examples=80, deadline=None)
@given(
    months=st.lists(
        st.tuples(st.dictionaries(st.integers(1, 4), amounts, max_size=4), interests),
        min_size=1,
        max_size=8,
    )
)
def test_every_month_total_less_carry_out_is_gross_less_offset_less_carry_in(months):
    rates = {1: Decimal("0.0200"), 2: Decimal("0.0150"), 3: Decimal("0.0500"), 4: Decimal("0")}
    collected, interest = {}, {}
    for index, (by_contract, month_interest) in enumerate(months):
        period = commission.period_add("2025-01", index)
        collected[period] = by_contract
        interest[period] = {1: month_interest}
    target = commission.period_add("2025-01", len(months) - 1)
    periods = commission.periods_between("2025-01", target)

    figures = commission.walk(
        target=target, collected=collected, interest=interest, rates=rates, keep=periods
    )

    carried = Decimal("0.00")
    for period in periods:
        month = figures[period]
        assert month.carried_in == carried
        assert month.total >= 0 and month.carried_out >= 0
        assert not (month.total > 0 and month.carried_out > 0)
        assert month.total - month.carried_out == month.gross - month.offset - month.carried_in
        assert month.gross == sum(line.amount for line in month.lines)
        for line in month.lines:
            assert line.amount == (line.collected * line.rate).quantize(CENT, ROUND_HALF_UP)
        carried = month.carried_out


@pytest.mark.rule("R19")
def test_a_month_without_activity_carries_the_deficit_unchanged():
    figures = commission.walk(
        target="2025-04",
        collected={"2025-01": {1: Decimal("1000.00")}, "2025-04": {1: Decimal("10000.00")}},
        interest={"2025-01": {1: Decimal("50.00")}},
        rates={1: Decimal("0.0200")},
        keep=["2025-02", "2025-03"],
    )

    assert [figures[p].carried_out for p in ("2025-02", "2025-03")] == [Decimal("30.00")] * 2
    assert (figures["2025-04"].carried_in, figures["2025-04"].total) == (
        Decimal("30.00"),
        Decimal("170.00"),
    )


@pytest.mark.rule("R19")
def test_a_frozen_slip_anchors_the_carry_with_its_stored_figure():
    figures = commission.walk(
        target="2025-03",
        collected={"2025-01": {1: Decimal("1.00")}, "2025-03": {1: Decimal("1000.00")}},
        interest={"2025-01": {1: Decimal("999.00")}},
        rates={1: Decimal("0.0200")},
        anchor=("2025-02", Decimal("7.00")),
    )

    assert figures["2025-03"].carried_in == Decimal("7.00")
    assert figures["2025-03"].total == Decimal("13.00")


# -- from the journal -----------------------------------------------------------------------------


@pytest.fixture
def carry(contract, second_contract, finance):
    """The clerk's two contracts at 2.5 % (the price list's rate): A (`contract`) has
    10,000.00 overdue from Jul 1 2026 (5.00 interest a day) until it is collected on Sep 1;
    B (`second_contract`) collects 5,000.00 in July, 5,000.00 in August and 20,000.00 in
    September."""
    assert contract.commission_rate == second_contract.commission_rate == Decimal("0.0250")
    due(contract, "10000.00", D(2026, 6, 30))
    collect(finance, second_contract, "5000.00", D(2026, 7, 15))
    collect(finance, second_contract, "5000.00", D(2026, 8, 10))
    collect(finance, contract, "10000.00", D(2026, 9, 1))
    collect(finance, second_contract, "20000.00", D(2026, 9, 20))
    return contract, second_contract


@pytest.mark.rule("R19")
def test_an_offset_larger_than_the_commission_is_carried_over_twice(carry, clerk):
    a, b = carry

    july = commission_live(salesperson=clerk, period="2026-07")
    august = commission_live(salesperson=clerk, period="2026-08")
    september = commission_live(salesperson=clerk, period="2026-09")

    # July: 125.00 on B, 31 days × 5.00 interest on A → nothing paid, 30.00 carried.
    assert [
        (line.contract_id, line.collected, line.amount, line.interest) for line in july.lines
    ] == [
        (a.pk, Decimal("0.00"), Decimal("0.00"), Decimal("155.00")),
        (b.pk, Decimal("5000.00"), Decimal("125.00"), Decimal("0.00")),
    ]
    assert (july.gross, july.offset, july.carried_in, july.total, july.carried_out) == (
        Decimal("125.00"),
        Decimal("155.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("30.00"),
    )
    # August: 125.00 − 155.00 − 30.00 → carried again, 60.00.
    assert (august.carried_in, august.total, august.carried_out) == (
        Decimal("30.00"),
        Decimal("0.00"),
        Decimal("60.00"),
    )
    # September: A collected on the 1st stops its interest; 250.00 + 500.00 − 60.00.
    assert september.offset == Decimal("0.00")
    assert [(line.contract_id, line.amount) for line in september.lines] == [
        (a.pk, Decimal("250.00")),
        (b.pk, Decimal("500.00")),
    ]
    assert (september.carried_in, september.total, september.carried_out) == (
        Decimal("60.00"),
        Decimal("690.00"),
        Decimal("0.00"),
    )

    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-09")
    assert (slip.gross, slip.carried_in, slip.total, slip.status) == (
        Decimal("750.00"),
        Decimal("60.00"),
        Decimal("690.00"),
        CommissionSlipStatus.DRAFT,
    )
    assert slip.lines.count() == 2


@pytest.mark.rule("R19")
def test_partial_collections_count_in_the_month_each_is_dated(contract, finance, clerk):
    collect(finance, contract, "1234.56", D(2026, 5, 31))
    collect(finance, contract, "1000.00", D(2026, 6, 1))
    collect(finance, contract, "0.30", D(2026, 6, 30))  # 25.0075 → 25.01 on the month's line

    may = commission_live(salesperson=clerk, period="2026-05")
    june = commission_live(salesperson=clerk, period="2026-06")

    assert (may.collected, may.total) == (Decimal("1234.56"), Decimal("30.86"))
    assert (june.collected, june.total) == (Decimal("1000.30"), Decimal("25.01"))


@pytest.mark.rule("R19")
def test_a_receipt_on_account_earns_nothing_until_it_is_allocated(contract, finance, clerk):
    receipt = receipt_create(
        actor=finance,
        customer_id=contract.customer_id,
        amount=Decimal("8000.00"),
        method="bank_transfer",
        received_on=D(2026, 10, 5),
        allocations=[],  # on account: no contract, like a cash sale without one
    )

    assert commission_live(salesperson=clerk, period="2026-10").lines == []
    assert commission_slips_prepare(actor=finance, period="2026-10")["created"] == 0

    receipt_allocate(
        actor=finance,
        receipt_id=receipt.pk,
        allocations=[{"contract": contract.pk, "amount": "8000.00"}],
    )

    # The allocation is dated today: it counts in this month, not in October.
    assert commission_live(salesperson=clerk, period="2026-10").lines == []
    assert commission_live(salesperson=clerk, period=THIS_MONTH).total == Decimal("200.00")


@pytest.mark.rule("R19", "R21", "R24")
def test_a_receipt_reversed_after_approval_is_corrected_by_the_next_slip(
    contract, finance, vp, gm, clerk
):
    receipt = collect(finance, contract, "50000.00", D(2026, 10, 12))
    october = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    commission_slip_submit(actor=clerk, slip_id=october.pk)
    october = approve_all(october, finance, vp, gm)
    assert (october.status, october.total) == (CommissionSlipStatus.APPROVED, Decimal("1250.00"))

    receipt_reverse(actor=finance, receipt_id=receipt.pk, reason="退票")

    october.refresh_from_db()
    assert (october.status, october.total, october.collected) == (
        CommissionSlipStatus.APPROVED,
        Decimal("1250.00"),
        Decimal("50000.00"),
    )
    assert commission_slip_figures(october).total == Decimal("1250.00")
    now = commission_slip_create(actor=clerk, salesperson=clerk, period=THIS_MONTH)
    line = now.lines.get()
    assert (line.contract_id, line.collected, line.amount) == (
        contract.pk,
        Decimal("-50000.00"),
        Decimal("-1250.00"),
    )
    assert (now.gross, now.total, now.carried_out) == (
        Decimal("-1250.00"),
        Decimal("0.00"),
        Decimal("1250.00"),
    )


@pytest.mark.rule("R19")
def test_a_slip_is_frozen_at_submit_and_a_later_allocation_changes_only_the_live_figure(
    contract, finance, clerk
):
    collect(finance, contract, "10000.00", D(2026, 10, 2))
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    commission_slip_submit(actor=clerk, slip_id=slip.pk)

    collect(finance, contract, "5000.00", D(2026, 10, 20))

    slip = commission_slip_get(user=clerk, slip_id=slip.pk)
    assert (slip.status, slip.total) == (CommissionSlipStatus.SUBMITTED, Decimal("250.00"))
    assert commission_slip_figures(slip).total == Decimal("250.00")
    assert commission_live(salesperson=clerk, period="2026-10").total == Decimal("375.00")
    assert slip.number == f"TC-{TODAY().year}-00001"
    with pytest.raises(RuleViolation) as refused:
        commission_slip_recompute(actor=clerk, slip_id=slip.pk)
    assert refused.value.code == "invalid_transition"


@pytest.mark.rule("R19")
def test_a_draft_is_recomputed_on_every_read_and_stored_by_recompute(contract, finance, clerk):
    collect(finance, contract, "10000.00", D(2026, 10, 2))
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")

    collect(finance, contract, "5000.00", D(2026, 10, 20))

    read = commission_slip_get(user=clerk, slip_id=slip.pk)
    assert read.total == Decimal("250.00")  # stored when prepared
    assert commission_slip_figures(read).total == Decimal("375.00")  # what every read shows
    commission_slip_recompute(actor=clerk, slip_id=slip.pk)
    slip.refresh_from_db()
    assert (slip.total, slip.lines.get().collected) == (Decimal("375.00"), Decimal("15000.00"))


@pytest.mark.rule("R19")
def test_the_next_months_carry_comes_from_the_frozen_slip(carry, clerk, finance, vp, gm):
    august = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-08")
    commission_slip_submit(actor=clerk, slip_id=august.pk)
    approve_all(august, finance, vp, gm)
    # A July receipt recorded late would change the live chain, not the approved August slip.
    collect(finance, carry[1], "10000.00", D(2026, 7, 31))

    assert commission_live(salesperson=clerk, period="2026-08").carried_in == Decimal("0.00")
    assert commission_live(salesperson=clerk, period="2026-09").carried_in == Decimal("60.00")


@pytest.mark.rule("R19")
def test_the_figures_of_many_months_at_once_are_each_months_own(
    carry, clerk, finance, vp, gm, make_user
):
    """A list of drafts from several months reads them in one go (issue 14 item 6): the
    same figures as month by month, each carry from its own frozen anchor."""
    other = make_user("sales_clerk", username="clerk.zhang")
    august = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-08")
    commission_slip_submit(actor=clerk, slip_id=august.pk)
    approve_all(august, finance, vp, gm)
    collect(finance, carry[1], "10000.00", D(2026, 7, 31))  # late: changes July, not August
    wanted = {p: [clerk.pk, other.pk] for p in ("2026-06", "2026-07", "2026-08", "2026-09")}

    together = commission_figures_by_period(wanted)

    assert together == {
        period: commission_figures(period=period, salesperson_ids=ids)
        for period, ids in wanted.items()
    }
    assert together["2026-09"][clerk.pk].carried_in == Decimal("60.00")  # from August's slip
    assert commission_totals_by_period(["2026-08", "2026-09"]) == {
        "2026-08": commission_total_for_period(period="2026-08"),
        "2026-09": commission_total_for_period(period="2026-09"),
    }


# -- the approval chain and the journal (R21, DESIGN §4) ---------------------------------------


@pytest.mark.rule("R19", "R21")
def test_the_chain_refuses_self_approval_and_the_wrong_step_then_books_and_pays(
    contract, finance, vp, gm, make_user
):
    collect(finance, contract, "25000.00", D(2026, 9, 3))
    slip = commission_slip_create(actor=finance, salesperson=contract.salesperson, period="2026-09")
    commission_slip_submit(actor=finance, slip_id=slip.pk)
    request_id = CommissionSlip.objects.get(pk=slip.pk).approval_request.pk

    with pytest.raises(PermissionRefused) as own:
        approval_decide(actor=finance, request_id=request_id, approve=True)
    assert own.value.code == "self_approval_forbidden"
    with pytest.raises(PermissionRefused) as early:
        approval_decide(actor=gm, request_id=request_id, approve=True)
    assert early.value.code == "not_your_step"
    both = make_user("finance", "finance_vp", username="fin.both")
    approval_decide(actor=both, request_id=request_id, approve=True)
    with pytest.raises(PermissionRefused) as twice:
        approval_decide(actor=both, request_id=request_id, approve=True)
    assert twice.value.code == "duplicate_approver"
    assert not JournalEntry.objects.filter(source_type="commission_slip").exists()

    slip = approve_all(slip, vp, gm)

    assert (slip.status, slip.approved_on) == (CommissionSlipStatus.APPROVED, TODAY())
    entry = JournalEntry.objects.get(source_type="commission_slip", source_id=slip.pk)
    assert (entry.date, entry.source_number) == (TODAY(), slip.number)
    assert entry_lines(slip) == [[("2211", 0, Decimal("625.00")), ("6601", Decimal("625.00"), 0)]]

    commission_slip_pay(actor=finance, slip_id=slip.pk)

    slip.refresh_from_db()
    assert (slip.status, slip.paid_on, slip.paid_by) == (
        CommissionSlipStatus.PAID,
        TODAY(),
        finance,
    )
    assert entry_lines(slip)[1] == [("1002", 0, Decimal("625.00")), ("2211", Decimal("625.00"), 0)]
    with pytest.raises(RuleViolation) as again:
        commission_slip_pay(actor=finance, slip_id=slip.pk)
    assert again.value.code == "invalid_transition"


@pytest.mark.rule("R19", "R21")
def test_a_rejected_slip_returns_to_draft_keeps_its_number_and_is_recomputed(
    contract, finance, clerk
):
    collect(finance, contract, "10000.00", D(2026, 10, 2))
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    commission_slip_submit(actor=clerk, slip_id=slip.pk)
    number = CommissionSlip.objects.get(pk=slip.pk).number
    request_id = CommissionSlip.objects.get(pk=slip.pk).approval_request.pk
    approval_decide(actor=finance, request_id=request_id, approve=False, comment="再核对")
    collect(finance, contract, "5000.00", D(2026, 10, 20))

    slip = commission_slip_get(user=clerk, slip_id=slip.pk)
    assert (slip.status, slip.number) == (CommissionSlipStatus.DRAFT, number)
    assert commission_slip_figures(slip).total == Decimal("375.00")
    commission_slip_submit(actor=clerk, slip_id=slip.pk)
    slip.refresh_from_db()
    assert (slip.number, slip.total) == (number, Decimal("375.00"))


@pytest.mark.rule("R19")
def test_a_zero_slip_is_approved_and_paid_without_an_entry(contract, clerk, finance, vp, gm):
    due(contract, "10000.00", D(2026, 6, 30))  # interest only: nothing to pay
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-07")
    assert (slip.offset, slip.total, slip.carried_out) == (
        Decimal("155.00"),
        Decimal("0.00"),
        Decimal("155.00"),
    )
    commission_slip_submit(actor=clerk, slip_id=slip.pk)
    approve_all(slip, finance, vp, gm)
    commission_slip_pay(actor=finance, slip_id=slip.pk)

    assert CommissionSlip.objects.get(pk=slip.pk).status == CommissionSlipStatus.PAID
    assert not JournalEntry.objects.filter(source_type="commission_slip").exists()


@pytest.mark.rule("R19", "R20")
def test_paying_into_a_closed_month_is_refused_naming_the_date(contract, clerk, finance, vp, gm):
    collect(finance, contract, "10000.00", D(2026, 10, 2))
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    commission_slip_submit(actor=clerk, slip_id=slip.pk)
    approve_all(slip, finance, vp, gm)
    ClosedPeriod.objects.create(period=THIS_MONTH)

    with pytest.raises(RuleViolation) as refused:
        commission_slip_pay(actor=finance, slip_id=slip.pk)

    assert refused.value.code == "period_closed" and list(refused.value.errors) == ["paid_on"]
    slip.refresh_from_db()
    assert slip.status == CommissionSlipStatus.APPROVED and slip.paid_on is None
    assert len(entry_lines(slip)) == 1


@pytest.mark.rule("R19", "R25")
def test_a_payment_date_in_the_future_or_before_the_approval_is_refused(
    contract, clerk, finance, vp, gm
):
    collect(finance, contract, "10000.00", D(2026, 10, 2))
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    commission_slip_submit(actor=clerk, slip_id=slip.pk)
    approve_all(slip, finance, vp, gm)

    for day in (TODAY() + datetime.timedelta(days=1), TODAY() - datetime.timedelta(days=1), "x"):
        with pytest.raises(InvalidInput) as refused:
            commission_slip_pay(actor=finance, slip_id=slip.pk, paid_on=day)
        assert list(refused.value.errors) == ["paid_on"]
    assert CommissionSlip.objects.get(pk=slip.pk).status == CommissionSlipStatus.APPROVED


# -- rights and refusals (R23, R25) --------------------------------------------------------------


@pytest.mark.rule("R19", "R23")
def test_a_clerk_prepares_and_sees_only_their_own_slips(contract, clerk, make_user, finance):
    other = make_user("sales_clerk", username="clerk.zhang")
    with pytest.raises(PermissionRefused) as refused:
        commission_slip_create(actor=clerk, salesperson=other, period="2026-10")
    assert list(refused.value.errors) == ["salesperson"]

    theirs = commission_slip_create(actor=finance, salesperson=other, period="2026-10")
    with pytest.raises(NotVisible):
        commission_slip_get(user=clerk, slip_id=theirs.pk)
    with pytest.raises(NotVisible):
        commission_slip_submit(actor=clerk, slip_id=theirs.pk)
    assert commission_slip_get(user=finance, slip_id=theirs.pk) == theirs


@pytest.mark.rule("R19")
def test_only_finance_pays_and_only_preparers_prepare(contract, clerk, finance, vp, gm, make_user):
    collect(finance, contract, "10000.00", D(2026, 10, 2))
    with pytest.raises(PermissionRefused):
        commission_slip_create(actor=make_user("warehouse"), salesperson=clerk, period="2026-10")
    with pytest.raises(PermissionRefused):
        commission_slips_prepare(actor=clerk, period="2026-10")
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    commission_slip_submit(actor=clerk, slip_id=slip.pk)
    approve_all(slip, finance, vp, gm)

    for actor in (clerk, vp, gm):
        with pytest.raises(PermissionRefused):
            commission_slip_pay(actor=actor, slip_id=slip.pk)
    assert CommissionSlip.objects.get(pk=slip.pk).status == CommissionSlipStatus.APPROVED


@pytest.mark.rule("R19", "R25")
@pytest.mark.parametrize("period", ["2026-13", "26-10", "", None, "next"])
def test_a_malformed_period_is_refused_naming_it(clerk, period):
    with pytest.raises(InvalidInput) as refused:
        commission_slip_create(actor=clerk, salesperson=clerk, period=period)

    assert list(refused.value.errors) == ["period"]
    assert not CommissionSlip.objects.exists()


@pytest.mark.rule("R19", "R20")
def test_a_month_after_the_current_one_is_refused(clerk):
    following = commission.period_add(THIS_MONTH, 1)

    with pytest.raises(InvalidInput) as refused:
        commission_slip_create(actor=clerk, salesperson=clerk, period=following)

    assert list(refused.value.errors) == ["period"]


@pytest.mark.rule("R19", "R25")
def test_an_unknown_or_non_selling_salesperson_is_refused_naming_it(finance, make_user):
    for who in ("nobody", 999999, make_user("warehouse", username="wh.x")):
        with pytest.raises(InvalidInput) as refused:
            commission_slip_create(actor=finance, salesperson=who, period="2026-10")
        assert list(refused.value.errors) == ["salesperson"]


@pytest.mark.rule("R19")
def test_one_slip_per_salesperson_and_month_until_it_is_cancelled(clerk):
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")

    with pytest.raises(RuleViolation) as refused:
        commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    assert refused.value.code == "duplicate_commission_slip"

    commission_slip_cancel(actor=clerk, slip_id=slip.pk)
    again = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    assert again.pk != slip.pk
    with pytest.raises(RuleViolation) as cancelled:
        commission_slip_cancel(actor=clerk, slip_id=slip.pk)
    assert cancelled.value.code == "invalid_transition"
    with pytest.raises(RuleViolation) as submitted:
        commission_slip_submit(actor=clerk, slip_id=slip.pk)
    assert submitted.value.code == "invalid_transition"


# -- the month's preparation, the task and the summaries --------------------------------------


@pytest.mark.rule("R19", "R20")
def test_preparing_a_month_twice_changes_nothing(carry, clerk, finance, make_user):
    other = make_user("sales_clerk", username="clerk.idle")  # no activity: no slip

    first = commission_slips_prepare(actor=finance, period="2026-08")
    history = CommissionSlip.history.count()
    again = commission_slips_prepare(actor=finance, period="2026-08")

    assert (first["created"], first["recomputed"]) == (1, 0)
    assert (again["created"], again["recomputed"], again["unchanged"]) == (0, 0, 1)
    assert CommissionSlip.history.count() == history
    slip = CommissionSlip.objects.get()
    assert (slip.salesperson, slip.period, slip.carried_out) == (
        clerk,
        "2026-08",
        Decimal("60.00"),
    )
    assert not CommissionSlip.objects.filter(salesperson=other).exists()

    collect(finance, carry[1], "1000.00", D(2026, 8, 30))
    third = commission_slips_prepare(actor=finance, period="2026-08")
    assert (third["created"], third["recomputed"]) == (0, 1)
    slip.refresh_from_db()
    assert slip.carried_out == Decimal("35.00")


@pytest.mark.rule("R19")
def test_preparing_leaves_submitted_slips_frozen(carry, clerk, finance):
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-09")
    commission_slip_submit(actor=clerk, slip_id=slip.pk)
    collect(finance, carry[1], "1000.00", D(2026, 9, 30))

    result = commission_slips_prepare(actor=finance, period="2026-09")

    assert (result["created"], result["frozen"]) == (0, 1)
    assert CommissionSlip.objects.get(pk=slip.pk).total == Decimal("690.00")


@pytest.mark.rule("R19")
def test_the_task_prepares_the_month_inline_as_the_system(carry, clerk):
    result = prepare_task.delay("2026-09")

    assert isinstance(result, EagerResult)
    assert result.get()["created"] == 1
    slip = CommissionSlip.objects.get()
    assert (slip.created_by.username, slip.total) == ("o2c-system", Decimal("690.00"))


@pytest.mark.rule("R19", "R20")
def test_the_months_total_adds_frozen_slips_and_live_drafts(carry, clerk, finance, make_user):
    other = make_user("sales_clerk", username="clerk.zhang")
    frozen = commission_slip_create(actor=finance, salesperson=clerk, period="2026-09")
    commission_slip_submit(actor=finance, slip_id=frozen.pk)
    commission_slip_create(actor=finance, salesperson=other, period="2026-09")  # 0.00 draft

    assert commission_total_for_period(period="2026-09") == Decimal("690.00")


@pytest.mark.rule("R19")
def test_the_departments_accrual_pools_every_contract_with_its_year_to_date(carry):
    accrual = commission_department(period="2026-09")

    rows = {row["period"]: row for row in accrual["rows"]}
    assert list(rows)[:2] == ["2026-01", "2026-02"] and len(rows) == 9
    assert (rows["2026-07"]["total"], rows["2026-07"]["carried_out"]) == (
        Decimal("0.00"),
        Decimal("30.00"),
    )
    assert rows["2026-09"]["total"] == Decimal("690.00")
    assert accrual["year_to_date"] == rows["2026-09"]["cumulative"] == Decimal("690.00")


@pytest.mark.rule("R19", "R20")
@pytest.mark.celery_worker
def test_worker_prepares_the_month_once(celery_live_worker, carry, clerk):
    first = prepare_task.delay("2026-09")
    assert not isinstance(first, EagerResult)
    assert first.get(timeout=30) == {
        "period": "2026-09",
        "created": 1,
        "recomputed": 0,
        "unchanged": 0,
        "frozen": 0,
    }
    assert prepare_task.delay("2026-09").get(timeout=30)["unchanged"] == 1
    assert CommissionSlip.objects.get().total == Decimal("690.00")
