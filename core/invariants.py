"""The books' invariants, checked from the rows (issue 16): what the counters kept by the
services (exposure, the contract ledger, stock, reservations, number counters) say against
what the documents and the journal they summarise say, plus the rules no counter keeps (the
journal balances, every approved document carries its decisions).

One registry. Each app declares its checks in `<app>/invariants.py` with `register_invariant`
(found by `autodiscover`, as Django's admin finds `admin.py`); a check is a function of no
argument that returns its `Break`s, computed in set-based SQL — grouped aggregates compared in
one or a few statements, never a query per customer or contract — so it runs on a database of a
million orders. Several apps may add to one check (the exposure: sales keeps the counter,
finance knows what was collected).

`run_invariants()` runs them in one read-only snapshot (PostgreSQL: REPEATABLE READ), so a
check comparing a counter with its rows in two statements never sees a write half way. Used by
`manage.py check_invariants`, after every load and fault test, and nightly by
`core.tasks.invariants_check`, which mails finance on a break.

Numbered documents (R8) register their series here too (`register_numbered`): the core check
`numbers` reads them against `NumberCounter`.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, IntegerField, Max, Min, Model
from django.db.models.functions import Cast, Substr
from django.utils.module_loading import autodiscover_modules

from core.money import money, quantity


@dataclass(frozen=True)
class Break:
    """One broken invariant: which check, about what ("customer C00001"), what the rows say it
    should be, what was found, and a sentence a person can act on."""

    check: str
    subject: str
    expected: str
    found: str
    sentence: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Invariant:
    name: str
    label: str
    funcs: list[Callable[[], Iterable[Break]]] = field(default_factory=list)


@dataclass
class Result:
    name: str
    label: str
    breaks: list[Break]

    @property
    def ok(self) -> bool:
        return not self.breaks

    def as_dict(self) -> dict:
        return {
            "check": self.name,
            "label": self.label,
            "ok": self.ok,
            "breaks": [b.as_dict() for b in self.breaks],
        }


_REGISTRY: dict[str, Invariant] = {}
_discovered = False


def register_invariant(name: str, label: str, func: Callable[[], Iterable[Break]]) -> None:
    """Add `func` to the check `name` (created on first use, in registration order)."""
    invariant = _REGISTRY.setdefault(name, Invariant(name=name, label=label))
    if func not in invariant.funcs:
        invariant.funcs.append(func)


def autodiscover() -> None:
    """Import every installed app's `invariants` module once."""
    global _discovered
    if not _discovered:
        autodiscover_modules("invariants")
        _discovered = True


def invariant_names() -> list[str]:
    autodiscover()
    return list(_REGISTRY)


def run_invariants(names: Iterable[str] | None = None) -> list[Result]:
    """The chosen checks (all by default, in registration order), in one read-only snapshot
    when not already inside a transaction. An unknown name is a ValueError naming it."""
    autodiscover()
    chosen = list(names) if names else list(_REGISTRY)
    unknown = [n for n in chosen if n not in _REGISTRY]
    if unknown:
        raise ValueError(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(_REGISTRY)}")
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        return [_run(_REGISTRY[n]) for n in chosen]
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return [_run(_REGISTRY[n]) for n in chosen]


def _run(invariant: Invariant) -> Result:
    breaks: list[Break] = []
    for func in invariant.funcs:
        breaks.extend(func())
    return Result(name=invariant.name, label=invariant.label, breaks=breaks)


def report_lines(results: list[Result], *, limit: int = 50) -> list[str]:
    """The readable report: one line per check (ok / N breaks), then its breaks (the first
    `limit` of each check)."""
    lines = []
    for result in results:
        if result.ok:
            lines.append(f"{result.name:<10} ok      {result.label}")
            continue
        count = len(result.breaks)
        lines.append(f"{result.name:<10} {count} break{'s' if count > 1 else ''}  {result.label}")
        for broken in result.breaks[:limit]:
            lines.append(
                f"    {broken.subject}: {broken.sentence} "
                f"(expected {broken.expected}, found {broken.found})"
            )
        if count > limit:
            lines.append(f"    … and {count - limit} more")
    return lines


# -- shared helpers for the apps' checks ---------------------------------------------------------
def fetch(sql: str, params: Iterable | dict = ()) -> list[tuple]:
    """Rows of one statement on the primary (the invariants read what was committed)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def table(model: type[Model]) -> str:
    return connections[DEFAULT_DB_ALIAS].ops.quote_name(model._meta.db_table)


def cents(value) -> Decimal:
    """A sum read back as money (SQLite sums decimals as floats: the cent is the unit)."""
    return money(Decimal(str(value if value is not None else 0)))


def units(value) -> Decimal:
    """A sum of quantities read back (3 places)."""
    return quantity(Decimal(str(value if value is not None else 0)))


# -- numbers (R8) --------------------------------------------------------------------------------
@dataclass(frozen=True)
class NumberedSeries:
    model: type[Model]
    field: str
    series: str
    prefix: str


_SERIES: list[NumberedSeries] = []


def register_numbered(model: type[Model], *, field: str, series: str, prefix: str) -> None:
    """A document numbered `PREFIX-YYYY-NNNN…` from `core.numbering.document_number(series=)`."""
    entry = NumberedSeries(model=model, field=field, series=series, prefix=prefix)
    if entry not in _SERIES:
        _SERIES.append(entry)


def numbered_series() -> list[NumberedSeries]:
    autodiscover()
    return list(_SERIES)


_NUMBER = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<year>\d{4})-(?P<seq>\d+)$")


def _series_breaks(entry: NumberedSeries, counters: dict[tuple[str, int], int]) -> list[Break]:
    """One grouped query per series: per year the count, distinct count, min and max of the
    sequence part; gapless and unique means count = distinct = max = the counter's last and
    min = 1. Only a broken year is read number by number, to name what is missing or twice."""
    start = len(entry.prefix) + 2  # 1-based: after "PREFIX-"
    numbered = entry.model._default_manager.filter(**{f"{entry.field}__regex": _form(entry)})
    per_year = (
        numbered.annotate(
            _year=Cast(Substr(entry.field, start, 4), IntegerField()),
            _seq=Cast(Substr(entry.field, start + 5), IntegerField()),
        )
        .values("_year")
        .annotate(
            count=Count("pk"),
            distinct=Count(entry.field, distinct=True),
            low=Min("_seq"),
            high=Max("_seq"),
        )
        .order_by("_year")
    )
    breaks = []
    seen_years = set()
    for row in per_year:
        year = row["_year"]
        seen_years.add(year)
        last = counters.get((entry.series, year), 0)
        if row["count"] == row["distinct"] == row["high"] == last and row["low"] == 1:
            continue
        breaks.append(_explain(entry, year, last))
    malformed = (
        entry.model._default_manager.exclude(**{f"{entry.field}__isnull": True})
        .exclude(**{entry.field: ""})
        .exclude(**{f"{entry.field}__regex": _form(entry)})
        .values_list(entry.field, flat=True)[:10]
    )
    for number in malformed:
        breaks.append(
            Break(
                check="numbers",
                subject=f"{entry.series} {number}",
                expected=f"{entry.prefix}-YYYY-N",
                found=number,
                sentence=f"The number is not of the {entry.series} series' form.",
            )
        )
    for (series, year), last in counters.items():
        if series == entry.series and last and year not in seen_years:
            breaks.append(
                Break(
                    check="numbers",
                    subject=f"series {series} {year}",
                    expected=f"{entry.prefix}-{year}-1 … {last}",
                    found="no document",
                    sentence=(
                        f"The counter issued {last} numbers in {year} but no {entry.series} "
                        "carries one."
                    ),
                )
            )
    return breaks


def _form(entry: NumberedSeries) -> str:
    return rf"^{entry.prefix}-[0-9]{{4}}-[0-9]+$"


def _explain(entry: NumberedSeries, year: int, last: int) -> Break:
    numbers = list(
        entry.model._default_manager.filter(
            **{f"{entry.field}__startswith": f"{entry.prefix}-{year:04d}-"}
        ).values_list(entry.field, flat=True)
    )
    seqs = [int(m["seq"]) for m in map(_NUMBER.match, numbers) if m]
    twice = sorted(s for s, times in collections.Counter(seqs).items() if times > 1)
    missing = sorted(set(range(1, last + 1)) - set(seqs))
    beyond = sorted(s for s in set(seqs) if s > last)
    parts = []
    if missing:
        parts.append(f"missing {_some(missing)}")
    if twice:
        parts.append(f"issued twice {_some(twice)}")
    if beyond:
        parts.append(f"beyond the counter {_some(beyond)}")
    return Break(
        check="numbers",
        subject=f"series {entry.series} {year}",
        expected=f"{entry.prefix}-{year}-1 … {last}, each once",
        found=f"{len(seqs)} numbers, {len(set(seqs))} distinct",
        sentence=f"The {entry.series} numbers of {year} are not gapless and unique: "
        + "; ".join(parts or ["they do not match the counter"])
        + ".",
    )


def _some(values: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f" (+{len(values) - limit} more)" if len(values) > limit else "")


def numbers_gapless() -> list[Break]:
    from core.models import NumberCounter

    counters = {
        (series, year): last
        for series, year, last in NumberCounter.objects.values_list("series", "year", "last")
    }
    breaks = []
    for entry in numbered_series():
        breaks += _series_breaks(entry, counters)
    return breaks


register_invariant(
    "numbers", "document numbers gapless and unique per series and year (R8)", numbers_gapless
)


# -- the nightly run ---------------------------------------------------------------------------
def invariants_check_and_mail() -> dict:
    """Run every check (the nightly beat task); on a break mail the report to the active users
    holding the finance role, as the approval and reminder mails are sent (Django's mail, the
    site's language). What it found, as a dict the task returns."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.utils import translation
    from django.utils.translation import gettext as _

    from core.roles import Role

    results = run_invariants()
    broken = [r for r in results if not r.ok]
    summary = {
        "checks": len(results),
        "broken": {r.name: len(r.breaks) for r in broken},
        "mailed": 0,
    }
    if not broken:
        return summary
    to = sorted(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.FINANCE)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    if not to:
        return summary
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[O2C] Invariants broken: %(checks)s") % {
            "checks": ", ".join(r.name for r in broken)
        }
        intro = _(
            "The nightly check of the books found what follows. Nothing was changed; find the "
            "cause before the month is closed. Run `manage.py check_invariants` to see it again."
        )
    body = "\n".join([intro, "", *report_lines(results), "", settings.SITE_URL])
    send_mail(str(subject), body, settings.DEFAULT_FROM_EMAIL, to)
    summary["mailed"] = len(to)
    return summary
