"""Gapless document numbers (R8): a counter row per (series, year), locked with
SELECT ... FOR UPDATE and incremented in the caller's transaction, so a rolled-back document
gives its number back and two concurrent documents never share one.

The increment is one `UPDATE ... SET last = last + 1 ... RETURNING last` (PostgreSQL, SQLite
3.35+): the UPDATE takes the same row lock a SELECT ... FOR UPDATE would, and holds it to the
end of the transaction, in one round trip instead of two (issue 14)."""

from django.db import IntegrityError, connections, router, transaction

from core.models import NumberCounter


def number_next(*, series: str, year: int = 0) -> int:
    """Take the next number of `series` for `year` (0 for series that never restart).

    Must run inside the transaction that saves the numbered document.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next() must run inside the document's transaction")
    taken = _increment(series=series, year=year)
    if taken is None:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(series=series, year=year, last=0)
        except IntegrityError:
            pass  # created by a concurrent transaction; its row is locked below
        taken = _increment(series=series, year=year)
    return taken


def _increment(*, series: str, year: int) -> int | None:
    """The counter's next number, its row locked until the transaction ends; None if the
    series has no row for the year yet."""
    connection = connections[router.db_for_write(NumberCounter)]
    table, last, series_column, year_column = (
        connection.ops.quote_name(name)
        for name in (NumberCounter._meta.db_table, "last", "series", "year")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + 1 "
            f"WHERE {series_column} = %s AND {year_column} = %s RETURNING {last}",
            [series, year],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def document_number(*, prefix: str, series: str, width: int = 5) -> str:
    """`PREFIX-YYYY-NNNNN`, gapless per year of the business date (R8)."""
    from django.utils import timezone

    year = timezone.localdate().year
    return f"{prefix}-{year}-{number_next(series=series, year=year):0{width}d}"
