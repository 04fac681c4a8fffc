"""The contract PDF (R9): rendered from the template `contracts/pdf/contract.html` by
WeasyPrint with a CJK font, by a Celery task, and kept in the default storage under a name
that changes whenever the contract changes — so a cached file is never stale and a changed
contract renders anew."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from approvals.models import DecisionKind
from approvals.selectors import document_approvals
from core.money import amount_in_words, money
from core.pdf import render_pdf


def contract_pdf_name(contract) -> str:
    """Storage name of the PDF of this version of the contract (its latest history record)."""
    version = contract.history.order_by("-history_id").values_list("history_id", flat=True)
    return f"contracts/pdf/{contract.pk}-{version.first() or 0}.pdf"


def _percent(rate, places: int = 2) -> str:
    return f"{rate * 100:.{places}f}".rstrip("0").rstrip(".")


def contract_pdf_context(contract) -> dict:
    """What the contract template shows; role names etc. are translated by the caller's
    active language (render_pdf uses Chinese)."""
    lines = list(contract.lines.select_related("product"))
    approvals = document_approvals(document=contract)
    decisions = [
        d for a in approvals for d in a.decisions.all() if d.decision == DecisionKind.APPROVED
    ]

    def person(decision) -> dict:
        return {
            "role": decision.get_role_display(),
            "name": decision.user.get_full_name() or decision.user.username,
            "date": decision.decided_at,
        }

    first_payment = money(contract.gross_amount * contract.first_payment_ratio)
    return {
        "contract": contract,
        "company": settings.COMPANY,
        "lines": lines,
        "totals": {
            "net": contract.net_amount,
            "tax": contract.tax_amount,
            "gross": contract.gross_amount,
        },
        "amount_words": amount_in_words(contract.gross_amount),
        "terms": {
            "first_payment_percent": _percent(contract.first_payment_ratio),
            "first_payment": first_payment,
            "first_payment_words": amount_in_words(first_payment),
            "interest_percent": _percent(contract.interest_rate_daily, 4),
            "threshold_percent": _percent(contract.invoice_threshold),
        },
        # The co-signers of R8, then every approval of the contract's submissions.
        "signers": [person(d) for d in decisions if d.role in {"sales_head", "finance"}],
        "approvers": [person(d) for d in decisions],
        "signed_on": contract.signed_on,
    }


def contract_pdf_render(contract) -> str:
    """Render this version of the contract unless it is already stored; returns its name."""
    name = contract_pdf_name(contract)
    if not default_storage.exists(name):
        with translation.override("zh-hans"):
            context = contract_pdf_context(contract)
        pdf = render_pdf("contracts/pdf/contract.html", context)
        default_storage.save(name, ContentFile(pdf))
    return name


def contract_pdf_bytes(contract) -> bytes:
    """The PDF of the contract as it is now: the cached file, rendered first if missing (the
    task normally has done it already; a download never waits for a queue)."""
    name = contract_pdf_render(contract)
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def contract_pdf_response(contract):
    from django.http import HttpResponse

    response = HttpResponse(contract_pdf_bytes(contract), content_type="application/pdf")
    filename = f"{contract.number or f'contract-draft-{contract.pk}'}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
