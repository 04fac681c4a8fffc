"""Browser pages for receipts (R16): the list with filters and totals, the entry form with the
allocation grid (the customer's open contracts, oldest due first, with what each has left to
collect — type an amount per contract, or let it go oldest due first), one receipt with its
allocations, "allocate what is on account" and "reverse" (reason required). Rights and rules
are the services'; the pages only hide the buttons a user cannot use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.formats import format_amount
from core.listing import ListFilterForm, list_totals, selector_filters
from core.pages import (
    form_add_domain_error,
    offer_late_booking,
    paginate,
    querystring_without_page,
)
from core.permissions import has_role, require_role
from core.spreadsheets import export_response
from finance import selectors, services
from finance.forms import ReceiptForm, ReverseForm, allocation_amounts
from finance.models import ReceiptStatus
from finance.services.receipts import RECEIPT_KEEPERS


@login_required
def receipt_list(request):
    require_role(request.user, *selectors.RECEIPT_READERS)
    filter_form = ListFilterForm(request.GET, statuses=ReceiptStatus.choices)
    filters = selector_filters(filter_form.values())
    receipts = selectors.receipt_search(user=request.user, **filters)
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.receipt_sheet(receipts))
    return render(
        request,
        "finance/receipt_list.html",
        {
            "page_obj": paginate(request, receipts),
            "filter_form": filter_form,
            "query": querystring_without_page(request),
            "totals": list_totals(receipts, amount="amount", allocated="allocated"),
            "can_create": has_role(request.user, *RECEIPT_KEEPERS),
        },
        status=400 if filter_form.errors else 200,
    )


def _grid(customer_id, data=None, errors=None) -> list[dict]:
    """The allocation grid: the customer's open contracts (R16) with what was typed."""
    if not customer_id:
        return []
    rows = selectors.open_contracts(customer_id=customer_id)
    for row in rows:
        pk = row["contract"].pk
        row["typed"] = (data or {}).get(f"allocate-{pk}", "")
        row["errors"] = (errors or {}).get(pk, [])
    return rows


def _grid_errors(error: DomainError, allocations: list[dict]) -> dict:
    """`allocations.N.x` refusals of the service → errors beside row N's contract."""
    found: dict = {}
    for field, texts in (error.errors or {}).items():
        parts = field.split(".")
        if parts[0] == "allocations" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(allocations):
                found.setdefault(allocations[index]["contract"], []).extend(texts)
    return found


@login_required
@require_http_methods(["GET", "POST"])
def receipt_create(request):
    require_role(request.user, *RECEIPT_KEEPERS)
    status = 200
    if request.method == "POST":
        form = ReceiptForm(request.POST, user=request.user)
        customer_id = request.POST.get("customer", "")
        rows = _grid(customer_id if customer_id.isdigit() else None, request.POST)
        allocations, grid_errors = allocation_amounts(request.POST, rows)
        status = 400
        if form.is_valid() and not grid_errors:
            data = dict(form.cleaned_data)
            auto = request.POST.get("auto") == "on" and not allocations
            try:
                receipt = services.receipt_create(
                    actor=request.user,
                    customer_id=data.pop("customer").pk,
                    allocations=None if auto else allocations,
                    **data,
                )
                messages.success(
                    request,
                    _("Receipt %(number)s recorded; %(left)s stays on account.")
                    % {"number": receipt.number, "left": format_amount(receipt.unallocated)},
                )
                return redirect("receipt-detail", pk=receipt.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
                offer_late_booking(form, error, field="received_on")
                grid_errors = _grid_errors(error, allocations)
                status = error.status_code
        rows = _grid(customer_id if customer_id.isdigit() else None, request.POST, grid_errors)
    else:
        customer_id = request.GET.get("customer", "")
        form = ReceiptForm(
            user=request.user, initial={"customer": customer_id if customer_id.isdigit() else None}
        )
        rows = _grid(customer_id if customer_id.isdigit() else None)
    return render(request, "finance/receipt_form.html", {"form": form, "rows": rows}, status=status)


def _detail_page(request, receipt, *, reverse_form=None, rows=None, status=200):
    keeper = has_role(request.user, *RECEIPT_KEEPERS)
    can_allocate = keeper and receipt.status == ReceiptStatus.POSTED and receipt.unallocated > 0
    return render(
        request,
        "finance/receipt_detail.html",
        {
            "receipt": receipt,
            "can_allocate": can_allocate,
            "can_reverse": keeper and receipt.status == ReceiptStatus.POSTED,
            "rows": rows
            if rows is not None
            else (_grid(receipt.customer_id) if can_allocate else []),
            "reverse_form": reverse_form or ReverseForm(),
        },
        status=status,
    )


@login_required
def receipt_detail(request, pk: int):
    require_role(request.user, *selectors.RECEIPT_READERS)
    return _detail_page(request, selectors.receipt_get(user=request.user, receipt_id=pk))


@login_required
@require_POST
def receipt_action(request, pk: int, action: str):
    """Finance's buttons: allocate what is on account (typed per contract, or oldest due
    first) and reverse with a reason."""
    receipt = selectors.receipt_get(user=request.user, receipt_id=pk)
    if action == "allocate":
        rows = _grid(receipt.customer_id, request.POST)
        allocations, grid_errors = allocation_amounts(request.POST, rows)
        if not grid_errors:
            try:
                services.receipt_allocate(
                    actor=request.user,
                    receipt_id=receipt.pk,
                    allocations=allocations or None,
                )
                messages.success(
                    request, _("Receipt %(number)s allocated.") % {"number": receipt.number}
                )
                return redirect("receipt-detail", pk=receipt.pk)
            except DomainError as error:
                messages.error(request, error.detail)
                grid_errors = _grid_errors(error, allocations)
                status = error.status_code
        else:
            status = 400
        receipt = selectors.receipt_get(user=request.user, receipt_id=pk)
        rows = _grid(receipt.customer_id, request.POST, grid_errors)
        return _detail_page(request, receipt, rows=rows, status=status)
    if action != "reverse":
        raise Http404
    form = ReverseForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.receipt_reverse(
                actor=request.user, receipt_id=receipt.pk, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request, _("Receipt %(number)s reversed.") % {"number": receipt.number}
            )
            return redirect("receipt-detail", pk=receipt.pk)
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status_code
    return _detail_page(request, receipt, reverse_form=form, status=status)
