from celery import shared_task

from contracts.models import Contract
from contracts.pdf import contract_pdf_render


@shared_task(name="contracts.tasks.contract_pdf_render", acks_late=True)
def render_contract_pdf(contract_id: int) -> str | None:
    """Render and store the contract's PDF (idempotent: an existing version is kept)."""
    contract = (
        Contract.objects.select_related("customer", "salesperson", "clause_set")
        .filter(pk=contract_id)
        .first()
    )
    return contract_pdf_render(contract) if contract else None


@shared_task(name="contracts.tasks.ledger_age", acks_late=True)
def ledger_age(as_of: str | None = None) -> int:
    """R18, daily: set every delivered contract's `due` and `overdue` as of the day."""
    from datetime import date

    from django.utils import timezone

    from contracts.services import ledgers_age

    return ledgers_age(as_of=date.fromisoformat(as_of) if as_of else timezone.localdate())
