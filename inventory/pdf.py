"""The shipping notice (发货单, with the company's copy and the customer's copy to sign, R12,
R14) and the gate pass (出门证, R13) as PDFs: inventory/templates/inventory/pdf/shipping_notice.html
and gate_pass.html, on core's pdf/base.html, laid out by WeasyPrint with the CJK font (core.pdf).

Rendered when asked, not cached: a notice is short, and its PDF shows its state (gate pass,
exit, signature) as it is now. The pages and the API both answer with these responses."""

import io

import barcode
from barcode.writer import SVGWriter
from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.safestring import mark_safe

from approvals.models import DecisionKind, RequestStatus
from core.errors import NotVisible
from core.money import amount_in_words
from core.pdf import render_pdf
from inventory.models import SHIPPING_OUT

# The copies of a shipping notice, each on its own page: the company keeps the first, the
# customer signs and returns the second (the signed copy that makes the delivery revenue, R14).
NOTICE_COPIES = (
    {"key": "company", "title": "第一联 存根联（公司留存）", "to_sign": False},
    {"key": "customer", "title": "第二联 客户签收联（签字盖章后交回）", "to_sign": True},
)


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _approvers(notice) -> list[dict]:
    """Who approved the notice (R12): the approving decisions of its latest request, each
    with the person's full name, role and date. Empty until it is approved."""
    request = notice.approval_request
    if request is None or request.status != RequestStatus.APPROVED:
        return []
    return [
        {
            "name": _person(decision.user),
            "role": decision.get_role_display(),
            "date": decision.decided_at,
        }
        for decision in request.decisions.select_related("user").order_by("decided_at", "id")
        if decision.decision == DecisionKind.APPROVED
    ]


def gate_pass_barcode_svg(number: str) -> str:
    """The gate pass number as a Code 128 barcode (inline SVG, no text under it: the number
    is printed beside it), so the guard's scanner reads what /gate/ asks for (R13)."""
    out = io.BytesIO()
    barcode.get("code128", number, writer=SVGWriter()).write(
        out,
        options={"write_text": False, "module_width": 0.3, "module_height": 14, "quiet_zone": 4},
    )
    svg = out.getvalue().decode()
    # Inline in the HTML: the XML declaration and doctype of a standalone file go.
    return mark_safe(svg[svg.index("<svg") :])


def shipping_notice_pdf_context(notice) -> dict:
    lines = list(notice.lines.select_related("product", "contract_line"))
    return {
        "notice": notice,
        "contract": notice.contract,
        "customer": notice.customer,
        "warehouse": notice.warehouse,
        "company": settings.COMPANY,
        "lines": lines,
        "total_quantity": sum((line.quantity for line in lines), 0),
        "amount_words": amount_in_words(notice.gross_amount),
        "status": notice.get_status_display(),
        "prepared_by": _person(notice.created_by),
        "approvers": _approvers(notice),
        "issued_by": _person(notice.issued_by),
        "copies": NOTICE_COPIES,
    }


def gate_pass_pdf_context(notice) -> dict:
    return {
        "notice": notice,
        "customer": notice.customer,
        "contract": notice.contract,
        "warehouse": notice.warehouse,
        "company": settings.COMPANY,
        "lines": list(notice.lines.select_related("product")),
        "issued_by": _person(notice.issued_by),
        "exited_by": _person(notice.exited_by),
        "barcode_svg": gate_pass_barcode_svg(notice.gate_pass_no),
    }


def _render(template: str, context_of, notice) -> bytes:
    with translation.override("zh-hans"):  # status names etc. in the document's language
        context = context_of(notice)
    return render_pdf(template, context)


def shipping_notice_pdf_bytes(notice) -> bytes:
    return _render("inventory/pdf/shipping_notice.html", shipping_notice_pdf_context, notice)


def gate_pass_pdf_bytes(notice) -> bytes:
    """Only for a notice the warehouse has issued (issued, shipped or delivered): before that
    there is no gate pass — a 404 for the pages and the API alike."""
    if notice.status not in SHIPPING_OUT or not notice.gate_pass_no:
        raise NotVisible()
    return _render("inventory/pdf/gate_pass.html", gate_pass_pdf_context, notice)


def _response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def shipping_notice_pdf_response(notice) -> HttpResponse:
    return _response(shipping_notice_pdf_bytes(notice), f"{notice.number}.pdf")


def gate_pass_pdf_response(notice) -> HttpResponse:
    return _response(gate_pass_pdf_bytes(notice), f"{notice.gate_pass_no}.pdf")
