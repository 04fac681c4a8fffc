"""PDF documents of the sales app: the quotation 报价单 / bid 投标报价单 (R27), rendered by
`core.pdf.render_pdf` (WeasyPrint with the CJK font) from `sales/pdf/quotation.html`, in
Chinese whatever the UI language. Orders, credit changes and price lists are read on their
pages. A quotation is a page or two, rendered when it is asked for (no cache: a draft changes
until it is submitted)."""

from django.conf import settings
from django.utils import translation

from approvals.models import DecisionKind
from approvals.selectors import document_approvals
from core.money import amount_in_words
from core.pdf import render_pdf


def quotation_pdf_context(quotation) -> dict:
    approvals = document_approvals(document=quotation)
    latest = approvals[0] if approvals else None
    approvers = [
        {
            "role": decision.get_role_display(),
            "name": decision.user.get_full_name() or decision.user.username,
            "date": decision.decided_at,
        }
        for decision in (latest.decisions.all() if latest is not None else [])
        if decision.decision == DecisionKind.APPROVED
    ]
    party = quotation.customer if quotation.customer_id is not None else None
    return {
        "quotation": quotation,
        "is_bid": quotation.kind == "bid",
        "company": settings.COMPANY,
        "party_name": quotation.party_name,
        "party": party,
        "lead": quotation.lead,
        "lines": list(quotation.lines.all()),
        "amount_words": amount_in_words(quotation.gross_amount),
        "approvers": approvers,
    }


def quotation_pdf_bytes(quotation) -> bytes:
    with translation.override("zh-hans"):
        context = quotation_pdf_context(quotation)
    return render_pdf("sales/pdf/quotation.html", context)
