"""Browser pages of the bank statement import (issue 12 item 4): the statements, the upload,
and the review page — each line with its status (matched, unmatched, duplicate, invalid with
its errors by column, imported with its receipt), for a line still to confirm a customer
select prefilled with the match and the customer's open contracts, oldest due first, with an
amount per contract (the line's amount spread over them, to change or clear). Confirm imports
the lines ticked, all or nothing (`finance.services.bank_statement_confirm`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError
from core.pages import form_add_domain_error, paginate
from core.permissions import has_role, require_role
from finance import selectors, services
from finance.forms import BankConfirmForm, BankStatementUploadForm
from finance.models import BankStatementLineStatus
from finance.services.bank import COLUMNS, STATEMENT_KEEPERS

COLUMN_LABELS = {
    "date": gettext_lazy("Date"),
    "amount": gettext_lazy("Amount"),
    "payer": gettext_lazy("Payer"),
    "reference": gettext_lazy("Reference"),
}


@login_required
def statement_list(request):
    page = paginate(request, selectors.bank_statement_list(user=request.user))
    return render(
        request,
        "finance/bank_statement_list.html",
        {"page_obj": page, "can_upload": has_role(request.user, *STATEMENT_KEEPERS)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def statement_upload(request):
    require_role(request.user, *STATEMENT_KEEPERS)  # before showing a form they cannot use
    status = 200
    if request.method == "POST":
        form = BankStatementUploadForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            try:
                statement = services.bank_statement_upload(
                    actor=request.user, upload=form.cleaned_data["file"]
                )
                messages.success(
                    request,
                    _("Statement %(number)s read: check the lines and confirm.")
                    % {"number": statement.number},
                )
                return redirect("bank-statement-detail", pk=statement.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
                status = error.status_code
    else:
        form = BankStatementUploadForm()
    columns = [(COLUMN_LABELS[column], names) for column, names in COLUMNS.items()]
    return render(
        request,
        "finance/bank_statement_upload.html",
        {"form": form, "columns": columns},
        status=status,
    )


def _posted_customers(request, lines) -> dict[int, int]:
    """{line pk: customer id} as chosen on the page (POST), for the contracts to show."""
    chosen = {}
    for line in lines:
        raw = request.POST.get(f"customer-{line.row}", "")
        if raw.isdigit():
            chosen[line.pk] = int(raw)
    return chosen


def _error_columns(line) -> list[tuple[str, list[str]]]:
    return [(str(COLUMN_LABELS.get(c, c)), msgs) for c, msgs in (line.errors or {}).items()]


def _line_rows(lines, form) -> list[dict]:
    reviews = {item["line"].pk: item for item in form.review_rows()}
    return [
        {
            "line": line,
            "review": reviews.get(line.pk),
            "errors": _error_columns(line),
            "status_label": BankStatementLineStatus(line.shown_status).label,
        }
        for line in lines
    ]


def _live_contracts(form, statement) -> None:
    """A customer chosen for a line reloads that line's contracts in place (htmx)."""
    for item in form.rows:
        row = item["line"].row
        url = reverse("bank-statement-line-contracts", args=[statement.pk, row])
        form.fields[f"customer-{row}"].widget.attrs.update(
            {
                "hx-get": url,
                "hx-target": f"#contracts-{row}",
                "hx-swap": "outerHTML",
                "hx-include": "this",
            }
        )


@login_required
@require_http_methods(["GET", "POST"])
def statement_detail(request, pk: int):
    statement = selectors.bank_statement_get(user=request.user, statement_id=pk)
    lines = list(statement.lines.all())
    can_confirm = has_role(request.user, *STATEMENT_KEEPERS)
    chosen = _posted_customers(request, lines) if request.method == "POST" else {}
    proposals = selectors.bank_line_proposals(lines, customers=chosen)
    choices = selectors.customer_choices(
        including={line.customer_id for line in lines if line.customer_id} | set(chosen.values())
    )
    form = BankConfirmForm(
        request.POST if request.method == "POST" else None,
        lines=lines,
        proposals=proposals,
        customer_choices=choices,
    )
    status = 200
    if request.method == "POST":
        require_role(request.user, *STATEMENT_KEEPERS)
        status = 400
        if form.is_valid():
            chosen_lines = form.confirm_lines()
            try:
                _saved, receipts = services.bank_statement_confirm(
                    actor=request.user, statement_id=statement.pk, lines=chosen_lines
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)d line imported: receipt %(numbers)s.",
                        "%(count)d lines imported: receipts %(numbers)s.",
                        len(receipts),
                    )
                    % {"count": len(receipts), "numbers": ", ".join(r.number for r in receipts)},
                )
                return redirect("bank-statement-detail", pk=statement.pk)
            except DomainError as error:
                status = error.status_code
                rest = {
                    field: msgs
                    for field, msgs in error.errors.items()
                    if not form.add_confirm_error(chosen_lines, field, msgs)
                }
                form_add_domain_error(form, type(error)(error.code, error.detail, rest))
    _live_contracts(form, statement)
    counts = {value: 0 for value in BankStatementLineStatus.values}
    for line in lines:
        counts[line.shown_status] += 1
    return render(
        request,
        "finance/bank_statement_detail.html",
        {
            "statement": statement,
            "form": form,
            "lines": _line_rows(lines, form),
            "counts": [(label, counts[value]) for value, label in BankStatementLineStatus.choices],
            "can_confirm": can_confirm and bool(form.rows),
        },
        status=status,
    )


@login_required
@require_GET
def statement_line_contracts(request, pk: int, row: int):
    """htmx: the open contracts of the customer chosen for one line, with the line's amount
    spread over them (the review page swaps them in when the customer changes)."""
    statement = selectors.bank_statement_get(user=request.user, statement_id=pk)
    line = next((ln for ln in statement.lines.all() if ln.row == row), None)
    raw = request.GET.get(f"customer-{row}", "")
    proposals = {}
    if line is not None and raw.isdigit():
        proposals = selectors.bank_line_proposals([line], customers={line.pk: int(raw)})
    form = BankConfirmForm(
        lines=[line] if line is not None else [], proposals=proposals, customer_choices=[]
    )
    review = form.review_rows()
    return render(
        request,
        "finance/bank_line_contracts.html",
        {"item": review[0] if review else None, "row": row, "customer_chosen": raw.isdigit()},
    )
