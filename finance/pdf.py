"""PDFs of finance documents, rendered by `core.pdf.render_pdf` (WeasyPrint, CJK font) from
templates under `finance/templates/finance/pdf/`: the statement of account (对账单) the customer
signs and returns; later the invoice request and the commission slip."""

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from core.money import amount_in_words
from core.pdf import render_pdf


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
