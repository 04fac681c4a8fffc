"""Commission (R19), the pure computation: no database, only months and amounts, so the
arithmetic is tested exactly and shared by the slips, the live figure, the month-end summary
and the department's accrual (部门提成). The reads that feed it: finance/selectors.py.

For one salesperson (or the whole department) and one month:

    line amount  = collected on the contract in the month × the contract's rate, to the cent
                   (ROUND_HALF_UP; a receipt reversed in the month makes it negative)
    gross        = Σ line amounts
    offset       = Σ interest accrued in the month on the contracts (R18)
    total        = max(0, gross − offset − carried_in)        — a slip never goes below zero
    carried_out  = max(0, offset + carried_in − gross)        — the deficit, to the next month

and `carried_in` is the month before's `carried_out`: the stored figure of a frozen slip (in
approval, approved or paid), else computed here, month by month, from the first month with
activity (at most `CARRY_MONTHS` back) — so `total − carried_out = gross − offset − carried_in`
holds every month.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from core.money import money

ZERO = Decimal("0.00")
# How far back the carry chain is followed when no frozen slip anchors it (ten years).
CARRY_MONTHS = 120


def period_add(period: str, months: int) -> str:
    """`YYYY-MM` moved by `months` (negative: back)."""
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def periods_between(first: str, last: str) -> list[str]:
    """The months from `first` to `last`, both included (empty when `last` < `first`)."""
    months, period = [], first
    while period <= last:
        months.append(period)
        period = period_add(period, 1)
    return months


@dataclass
class CommissionLine:
    contract_id: int
    collected: Decimal
    rate: Decimal
    amount: Decimal
    interest: Decimal
    contract_number: str = ""


@dataclass
class CommissionFigures:
    period: str
    lines: list[CommissionLine] = field(default_factory=list)
    collected: Decimal = ZERO
    gross: Decimal = ZERO
    offset: Decimal = ZERO
    carried_in: Decimal = ZERO
    total: Decimal = ZERO
    carried_out: Decimal = ZERO

    def as_dict(self) -> dict:
        return {
            "collected": self.collected,
            "gross": self.gross,
            "offset": self.offset,
            "carried_in": self.carried_in,
            "total": self.total,
            "carried_out": self.carried_out,
        }


def month_figures(
    *,
    period: str,
    collected: Mapping[int, Decimal],
    interest: Mapping[int, Decimal],
    rates: Mapping[int, Decimal],
    carried_in: Decimal,
    numbers: Mapping[int, str] | None = None,
) -> CommissionFigures:
    """One month: a line per contract with money collected (≠ 0) or interest (> 0) in it."""
    numbers = numbers or {}
    lines = []
    for contract_id in sorted(set(collected) | set(interest)):
        amount_collected = money(collected.get(contract_id, ZERO))
        amount_interest = money(interest.get(contract_id, ZERO))
        if not amount_collected and not amount_interest:
            continue
        rate = Decimal(rates[contract_id])
        lines.append(
            CommissionLine(
                contract_id=contract_id,
                collected=amount_collected,
                rate=rate,
                amount=money(amount_collected * rate),
                interest=amount_interest,
                contract_number=numbers.get(contract_id, ""),
            )
        )
    gross = sum((line.amount for line in lines), ZERO)
    offset = sum((line.interest for line in lines), ZERO)
    carried_in = money(carried_in)
    net = gross - offset - carried_in
    return CommissionFigures(
        period=period,
        lines=lines,
        collected=sum((line.collected for line in lines), ZERO),
        gross=gross,
        offset=offset,
        carried_in=carried_in,
        total=max(net, ZERO),
        carried_out=max(-net, ZERO),
    )


def walk(
    *,
    target: str,
    collected: Mapping[str, Mapping[int, Decimal]],
    interest: Mapping[str, Mapping[int, Decimal]],
    rates: Mapping[int, Decimal],
    anchor: tuple[str, Decimal] | None = None,
    numbers: Mapping[int, str] | None = None,
    keep: Iterable[str] = (),
) -> dict[str, CommissionFigures]:
    """The figures of `target` (and of the months in `keep`), the carry followed month by
    month: from after `anchor` (period, carried_out of a frozen slip) or from the first month
    with activity in `collected` / `interest` (period → contract → amount), at most
    `CARRY_MONTHS` before `target`. Months without activity carry the deficit unchanged."""
    floor = period_add(target, -CARRY_MONTHS)
    carried = ZERO
    start = floor
    if anchor is not None and anchor[0] >= floor:
        start, carried = period_add(anchor[0], 1), Decimal(anchor[1])
    active = {p for p in set(collected) | set(interest) if start <= p < target}
    wanted = set(keep) | {target}
    result: dict[str, CommissionFigures] = {}
    for period in sorted(active | {p for p in wanted if start <= p <= target}):
        figures = month_figures(
            period=period,
            collected=collected.get(period, {}),
            interest=interest.get(period, {}),
            rates=rates,
            carried_in=carried,
            numbers=numbers,
        )
        carried = figures.carried_out
        if period in wanted:
            result[period] = figures
    if target not in result:  # an anchor at or after the target: nothing to walk
        result[target] = month_figures(
            period=target,
            collected=collected.get(target, {}),
            interest=interest.get(target, {}),
            rates=rates,
            carried_in=carried,
            numbers=numbers,
        )
    return result
