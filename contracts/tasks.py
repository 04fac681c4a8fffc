from celery import shared_task

from contracts.models import Contract
from contracts.pdf import contract_pdf_render


@shared_task(name="contracts.tasks.contract_pdf_render", acks_late=True)
def render_contract_pdf(contract_id: int) -> str | None:
    """Render and store the contract's PDF (idempotent: an existing version is kept)."""
    contract = Contract.objects.filter(pk=contract_id).first()
    return contract_pdf_render(contract) if contract else None
