"""Reads of the finance app (aging, the journal, commission and reconciliation figures): every
read a page, an endpoint or a report needs, with its joins, and R23 applied through
`core.permissions.visible_to`. Selectors never import services."""

from django.db.models import Prefetch, QuerySet

from finance.models import JournalEntry, JournalLine

# Who reads the journal: finance and those who answer for it.
JOURNAL_READERS = ("finance", "finance_vp", "general_manager")


def journal_entries(
    *, contract: int | None = None, customer: int | None = None, account: str = ""
) -> QuerySet[JournalEntry]:
    """Posted entries, oldest first, their lines and accounts prefetched (two queries for any
    number of entries); filtered by contract, customer or an account's code."""
    qs = JournalEntry.objects.prefetch_related(
        Prefetch("lines", JournalLine.objects.select_related("account").order_by("id"))
    )
    if contract is not None:
        qs = qs.filter(contract_id=contract)
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if account:
        qs = qs.filter(lines__account__code=account).distinct()
    return qs.order_by("date", "id")
