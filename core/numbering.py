"""Gapless document numbers (R8): a counter row per (series, year), locked with
SELECT ... FOR UPDATE and incremented in the caller's transaction, so a rolled-back document
gives its number back and two concurrent documents never share one."""

from django.db import IntegrityError, transaction

from core.models import NumberCounter


def number_next(*, series: str, year: int = 0) -> int:
    """Take the next number of `series` for `year` (0 for series that never restart).

    Must run inside the transaction that saves the numbered document.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next() must run inside the document's transaction")
    counter = NumberCounter.objects.select_for_update().filter(series=series, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(series=series, year=year, last=0)
        except IntegrityError:
            pass  # created by a concurrent transaction; lock it below
        counter = NumberCounter.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def document_number(*, prefix: str, series: str, width: int = 5) -> str:
    """`PREFIX-YYYY-NNNNN`, gapless per year of the business date (R8)."""
    from django.utils import timezone

    year = timezone.localdate().year
    return f"{prefix}-{year}-{number_next(series=series, year=year):0{width}d}"
