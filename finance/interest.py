"""Overdue interest (R18), the pure computation: no database, only dates and amounts, so it is
tested exactly and used alike by the live figure, the monthly posting and commission (R19).

A contract's overdue amount on day d is

    overdue(d) = max(Σ dues with due_on < d − Σ live allocations with allocated_on ≤ d, 0)

- a due is overdue from the day after its due date (on the due date itself it is due, not yet
  overdue), as `contracts.selectors.contract_due_figures` reads it;
- money counts as collected on the day it is allocated from (`Allocation.allocated_on`: the
  receipt's date, or the later day it was allocated) — `≤`, as the ledger's `collected`
  already holds what was allocated today when `contract_due_figures` reads it. So a receipt
  on the day a due falls past due stops the interest before its first day.

Interest on day d is overdue(d) × the contract's daily rate. It is summed piecewise between the
days on which overdue changes (a due falling past due, an allocation) and month ends — never
day by day — and rounded to the cent (ROUND_HALF_UP) once per calendar month: the month is the
period in which interest is posted (R18, R20), so a month's posted interest and the sum of
the months shown as accrued agree to the cent.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from core.money import money
from core.periods import period_of

ZERO = Decimal("0")
ONE_DAY = datetime.timedelta(days=1)


def month_bounds(period: str) -> tuple[datetime.date, datetime.date]:
    """(first day, last day) of a `YYYY-MM` period."""
    year, month = int(period[:4]), int(period[5:7])
    first = datetime.date(year, month, 1)
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first, following - ONE_DAY


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def overdue_steps(
    dues: Iterable[tuple[datetime.date, Decimal]],
    allocations: Iterable[tuple[datetime.date, Decimal]],
) -> list[tuple[datetime.date, Decimal]]:
    """The overdue amount as a step function: [(from day, overdue from that day on)], days
    ascending, starting at the first change. Before the first step the overdue is 0."""
    changes: dict[datetime.date, Decimal] = {}
    for due_on, amount in dues:
        day = due_on + ONE_DAY  # overdue from the day after the due date
        changes[day] = changes.get(day, ZERO) + Decimal(amount)
    for allocated_on, amount in allocations:
        changes[allocated_on] = changes.get(allocated_on, ZERO) - Decimal(amount)
    steps, running = [], ZERO
    for day in sorted(changes):
        running += changes[day]
        steps.append((day, max(running, ZERO)))
    return steps


def overdue_on(steps: list[tuple[datetime.date, Decimal]], day: datetime.date) -> Decimal:
    amount = ZERO
    for start, value in steps:
        if start > day:
            break
        amount = value
    return amount


def overdue_day_sums(
    steps: list[tuple[datetime.date, Decimal]], start: datetime.date, end: datetime.date
) -> dict[str, Decimal]:
    """Σ overdue(d) over the days d in [start, end], per month (`YYYY-MM`), unrounded: the
    overdue "amount-days" of each month. Months with none are left out."""
    sums: dict[str, Decimal] = {}
    if end < start or not steps:
        return sums
    # Segments of constant overdue: [steps[i].day, steps[i+1].day - 1], the last one open.
    for index, (seg_start, amount) in enumerate(steps):
        if amount <= 0:
            continue
        seg_end = steps[index + 1][0] - ONE_DAY if index + 1 < len(steps) else end
        lo, hi = max(seg_start, start), min(seg_end, end)
        while lo <= hi:  # split at month ends
            month_end = min(_next_month(lo) - ONE_DAY, hi)
            key = period_of(lo)
            sums[key] = sums.get(key, ZERO) + amount * ((month_end - lo).days + 1)
            lo = month_end + ONE_DAY
    return sums


def interest_by_month(
    *,
    dues: Iterable[tuple[datetime.date, Decimal]],
    allocations: Iterable[tuple[datetime.date, Decimal]],
    rate_daily: Decimal,
    start: datetime.date,
    end: datetime.date,
) -> dict[str, Decimal]:
    """Interest on the overdue amount for the days in [start, end], per month, each month
    rounded to the cent once (ROUND_HALF_UP); months with no interest are left out."""
    steps = overdue_steps(dues, allocations)
    result = {}
    for period, amount_days in overdue_day_sums(steps, start, end).items():
        interest = money(amount_days * Decimal(rate_daily))
        if interest > 0:
            result[period] = interest
    return result


def first_overdue_day(dues: Iterable[tuple[datetime.date, Decimal]]) -> datetime.date | None:
    days = [due_on + ONE_DAY for due_on, _amount in dues]
    return min(days) if days else None
