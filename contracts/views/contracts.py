"""Browser pages of contracts (R8, R9): list, draft from an order, one contract with its
approval, history and ledger, terms edit in draft, submit, withdraw, PDF. Rights are the
services'; the pages only hide the buttons a user cannot use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import (
    approval_panel,
    documents_with_approvals,
)
from contracts import selectors, services
from contracts.forms import ContractTermsForm, contract_filters
from contracts.models import ContractStatus
from contracts.pdf import contract_pdf_response
from core.errors import DomainError, NotVisible
from core.history import history_rows
from core.listing import list_totals
from core.pages import document_action, form_add_domain_error, paginate, querystring_without_page
from core.permissions import has_role
from core.roles import Role
from core.spreadsheets import export_response
from sales import selectors as sales_selectors
from sales.models import OrderStatus

# Who follows a contract's invoices (finance.selectors.INVOICE_READERS, repeated here:
# contracts does not import finance, DESIGN §5): finance, its VP, the GM and sales.
INVOICE_READERS = (
    Role.FINANCE,
    Role.FINANCE_VP,
    Role.GENERAL_MANAGER,
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
)


@login_required
def contract_list(request):
    filter_form, filters = contract_filters(request.GET)
    if "export" in request.GET:
        contracts = selectors.contract_list(user=request.user, with_lines=False, **filters)
        return export_response(request.GET["export"], selectors.contract_sheet(contracts))
    contracts = selectors.contract_list(user=request.user, **filters)
    page = paginate(request, contracts)
    page.object_list = documents_with_approvals(page.object_list)
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filter_form": filter_form,
            "totals": list_totals(contracts, gross="gross_amount"),
            "query": querystring_without_page(request),
            "can_draft": has_role(request.user, *services.CONTRACT_AUTHORS),
        },
        status=400 if filter_form.errors else 200,
    )


@login_required
def contract_detail(request, pk: int):
    contract = selectors.contract_get(user=request.user, contract_id=pk)
    is_draft = contract.status == ContractStatus.DRAFT
    is_author = has_role(request.user, *services.CONTRACT_AUTHORS) and (
        contract.created_by_id == request.user.pk or contract.customer.owner_id == request.user.pk
    )
    panel = approval_panel(user=request.user, document=contract, is_draft=is_draft)
    pending = panel["pending"]
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "lines": contract.lines.all(),
            "ledger": selectors.ledger_figures(contract=contract),
            **panel,
            "is_author": is_author,
            "can_edit": is_author and is_draft,
            "can_withdraw": is_author and pending is not None,
            "history": history_rows(contract),
            # Fulfilment starts from an active contract (R10: planner; R12, R15: the clerk).
            "may_plan": has_role(request.user, Role.PLANNER),
            "may_ship": has_role(request.user, Role.SALES_CLERK),
            # Invoices (R17): finance requests them; sales and the executives follow them.
            "may_invoice": has_role(request.user, Role.FINANCE),
            "may_see_invoices": has_role(request.user, *INVOICE_READERS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request):
    """Draft a contract from an approved order: `/contracts/new/?order=ID` shows the order,
    the button posts it."""
    raw = request.POST.get("order") or request.GET.get("order", "")
    order = None
    if str(raw).isdigit():
        order = sales_selectors.order_list(user=request.user).filter(pk=int(raw)).first()
    if order is None:
        raise NotVisible()
    if request.method == "POST":
        try:
            contract = services.contract_draft(actor=request.user, order_id=order.pk)
            messages.success(
                request,
                _("Contract drafted from order %(number)s. Check the terms and submit it.")
                % {"number": order.number},
            )
            return redirect("contract-detail", pk=contract.pk)
        except DomainError as error:
            reasons = [m for msgs in error.errors.values() for m in msgs]
            messages.error(request, " ".join([error.detail, *reasons]))
    existing = getattr(order, "contract", None) if order.status == OrderStatus.CONTRACTED else None
    return render(
        request,
        "contracts/contract_new.html",
        {
            "order": order,
            "existing": existing,
            "can_draft": order.status == OrderStatus.APPROVED
            and has_role(request.user, *services.CONTRACT_AUTHORS),
        },
        status=409 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def contract_edit(request, pk: int):
    contract = selectors.contract_get(user=request.user, contract_id=pk)
    if request.method == "POST":
        form = ContractTermsForm(request.POST)
        if form.is_valid():
            try:
                services.contract_update_terms(
                    actor=request.user, contract_id=contract.pk, terms=form.cleaned_data
                )
                messages.success(request, _("Contract terms saved."))
                return redirect("contract-detail", pk=contract.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
    else:
        if contract.status != ContractStatus.DRAFT:
            messages.error(request, _("The terms of a contract change only in draft."))
            return redirect("contract-detail", pk=contract.pk)
        form = ContractTermsForm(
            initial={field: getattr(contract, field) for field in contract.TERMS}
        )
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "contract": contract},
        status=400 if request.method == "POST" else 200,
    )


def _act(request, pk: int, *, run, done: str):
    """A button of the contract page: the service's outcome as a message (core.pages)."""
    contract = selectors.contract_get(user=request.user, contract_id=pk)
    return document_action(
        request, document=contract, run=run, done=done, redirect_to="contract-detail"
    )


@login_required
@require_POST
def contract_submit(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda c: services.contract_submit(actor=request.user, contract_id=c.pk),
        done=_("Contract submitted for co-sign by the head of sales and finance."),
    )


@login_required
@require_POST
def contract_withdraw(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda c: services.contract_withdraw(actor=request.user, contract_id=c.pk),
        done=_("Contract withdrawn to draft."),
    )


@login_required
def contract_pdf(request, pk: int):
    return contract_pdf_response(selectors.contract_get(user=request.user, contract_id=pk))
