"""The contract PDF (R9): rendered from the template `contracts/pdf/contract.html` by
WeasyPrint with a CJK font, by a Celery task, and kept in the default storage under a name
that changes whenever the contract changes — so a cached file is never stale and a changed
contract renders anew. Its articles: the lines, the payment article as the terms read, the
interest and invoice terms, then the clauses of the contract's own clause set."""

from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from approvals.models import DecisionKind
from approvals.selectors import document_approvals
from core.formats import format_amount, format_percent
from core.money import amount_in_words, money
from core.pdf import render_pdf


def contract_pdf_name(contract) -> str:
    """Storage name of the PDF of this version of the contract (its latest history record)."""
    version = contract.history.order_by("-history_id").values_list("history_id", flat=True)
    return f"contracts/pdf/{contract.pk}-{version.first() or 0}.pdf"


_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(number: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 24 → 二十四: the numbers of a contract's articles."""
    tens, units = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_DIGITS[tens]}十")
    return head + (_DIGITS[units] if units else "") if number else _DIGITS[0]


def payment_clause(*, first_payment_ratio: Decimal, credit_days: int, gross: Decimal) -> str:
    """The payment article (R9) as the terms read: a first payment, then the balance paid
    before shipment (款到发货) when there are no credit days, or within the credit days of
    the signed delivery; with neither, cash on delivery (货到付款)."""
    first = money(gross * first_payment_ratio)
    first_text = (
        f"合同生效后，乙方应支付合同总金额的 {format_percent(first_payment_ratio)} 作为首付款，"
        f"计人民币 {format_amount(first)} 元（大写：{amount_in_words(first)}）"
    )
    if first_payment_ratio >= 1:
        return (
            f"合同生效后，乙方应一次付清合同全部价款，计人民币 {format_amount(first)} 元"
            f"（大写：{amount_in_words(first)}）；甲方收到全部价款后安排发货（款到发货）。"
        )
    if credit_days == 0 and first_payment_ratio > 0:
        return f"{first_text}；余款于发货前付清，甲方收到全部价款后安排发货（款到发货）。"
    if credit_days == 0:
        return "乙方于货物送达、签收时一次付清全部价款（货到付款）。"
    if first_payment_ratio > 0:
        return f"{first_text}；乙方自收到货物并签收之日起 {credit_days} 天内付清余款。"
    return f"乙方自收到货物并签收之日起 {credit_days} 天内付清全部价款。"


class _Placeholders(dict):
    def __missing__(self, key):  # a name the PDF cannot fill stays as typed
        return "{" + key + "}"


def contract_clauses(contract, *, first_number: int) -> list[dict]:
    """The clauses of the contract's own clause set (the version active when it was drafted),
    numbered on from the terms, their placeholders filled from the contract."""
    clause_set = contract.clause_set
    if clause_set is None:
        return []
    values = _Placeholders(
        seller=settings.COMPANY["name"],
        buyer=contract.customer.name,
        credit_days=contract.credit_days,
        first_payment_percent=format_percent(contract.first_payment_ratio),
        interest_percent=format_percent(contract.interest_rate_daily),
        invoice_threshold_percent=format_percent(contract.invoice_threshold),
        warranty_months=clause_set.warranty_months,
        acceptance_days=clause_set.acceptance_days,
    )
    return [
        {
            "number": chinese_ordinal(first_number + index),
            "heading": clause.heading,
            "text": clause.text.format_map(values),
        }
        for index, clause in enumerate(clause_set.clauses.all())
    ]


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
        "payment": payment_clause(
            first_payment_ratio=contract.first_payment_ratio,
            credit_days=contract.credit_days,
            gross=contract.gross_amount,
        ),
        # Articles 一 to 四 are the lines and the terms; the clause set's follow.
        "clauses": contract_clauses(contract, first_number=5),
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
