"""PDFs of finance documents, rendered by `core.pdf.render_pdf` (WeasyPrint, the CJK font) from
templates under `finance/templates/finance/pdf/`.

The invoice request (开票通知单, R17): what finance asks the tax system to invoice — the buyer's
tax details (name, tax id, address and phone, bank and account), the contract and its lines,
this invoice's net, tax and gross in figures and in words, what the contract has collected and
invoiced, and who requested and approved it; a red invoice names the invoice (and fapiao) it
reverses. Rendered when asked, not cached: it is short, and shows the invoice as it is now.

The statement of account (对账单) the customer signs and returns (`statement_pdf_bytes`).
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone, translation

from approvals.models import DecisionKind, RequestStatus
from core.money import amount_in_words
from core.pdf import render_pdf
from finance.selectors import invoice_figures


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _approvers(invoice) -> list[dict]:
    """Who approved the invoice (the VP of finance): empty until it is approved."""
    request = invoice.approval_request
    if request is None or request.status != RequestStatus.APPROVED:
        return []
    return [
        {"name": _person(d.user), "role": d.get_role_display(), "date": d.decided_at}
        for d in request.decisions.select_related("user").order_by("decided_at", "id")
        if d.decision == DecisionKind.APPROVED
    ]


def invoice_request_pdf_context(invoice) -> dict:
    contract = invoice.contract
    return {
        "invoice": invoice,
        "contract": contract,
        "figures": invoice_figures(contract=contract),
        "company": settings.COMPANY,
        "lines": list(contract.lines.select_related("product")),
        "amount_words": amount_in_words(invoice.amount),
        "status": invoice.get_status_display(),
        "requested_by": _person(invoice.created_by),
        "approvers": _approvers(invoice),
    }


def invoice_request_pdf_bytes(invoice) -> bytes:
    with translation.override("zh-hans"):  # status names etc. in the document's language
        context = invoice_request_pdf_context(invoice)
    return render_pdf("finance/pdf/invoice_request.html", context)


def invoice_request_pdf_response(invoice) -> HttpResponse:
    response = HttpResponse(invoice_request_pdf_bytes(invoice), content_type="application/pdf")
    name = invoice.number or f"invoice-draft-{invoice.pk}"
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


def statement_pdf_bytes(statement: dict) -> bytes:
    """对账单 of `selectors.customer_statement`: the company, the customer, the period, the
    lines with opening and closing balances, and a signature and seal block for both sides.
    Rendered on demand: a statement is read, not stored."""
    closing = statement["closing_balance"]
    context = {
        **statement,
        "company": settings.COMPANY,
        "printed_on": timezone.localdate(),
        "closing_words": amount_in_words(abs(closing)),
    }
    return render_pdf("finance/pdf/statement.html", context)


def statement_pdf_response(statement: dict) -> HttpResponse:
    customer = statement["customer"]
    response = HttpResponse(statement_pdf_bytes(statement), content_type="application/pdf")
    filename = f"statement-{customer.code}-{statement['from']:%Y%m%d}-{statement['to']:%Y%m%d}"
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


def commission_slip_pdf_context(slip) -> dict:
    """提成单 (R19): whose and which month, a line per contract, the offset, the carry and the
    total in figures and in words, who prepared, approved and paid it. A draft shows its live
    figures (R19: recomputed while draft), a submitted slip its frozen ones."""
    from finance.selectors import commission_slip_figures

    figures = commission_slip_figures(slip)
    request = slip.approval_request
    approvers = []
    if request is not None:
        approvers = [
            {"name": _person(d.user), "role": d.get_role_display(), "date": d.decided_at}
            for d in request.decisions.select_related("user").order_by("decided_at", "id")
            if d.decision == DecisionKind.APPROVED
        ]
    return {
        "slip": slip,
        "figures": figures,
        "company": settings.COMPANY,
        "salesperson": _person(slip.salesperson),
        "prepared_by": _person(slip.created_by),
        "paid_by": _person(slip.paid_by),
        "status": slip.get_status_display(),
        "total_words": amount_in_words(figures.total),
        "approvers": approvers,
        "printed_on": timezone.localdate(),
    }


def commission_slip_pdf_bytes(slip) -> bytes:
    with translation.override("zh-hans"):
        context = commission_slip_pdf_context(slip)
    return render_pdf("finance/pdf/commission_slip.html", context)


def commission_slip_pdf_response(slip) -> HttpResponse:
    response = HttpResponse(commission_slip_pdf_bytes(slip), content_type="application/pdf")
    name = slip.number or f"commission-draft-{slip.pk}"
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response
