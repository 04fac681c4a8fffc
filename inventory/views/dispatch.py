"""Browser pages for service dispatch and acceptance (R15): the list, the clerk's form (one of
their active contracts, scheduled date, description), one dispatch with the contract's first
payment against what is collected (why a submit may be refused `first_payment_required`), its
approval and history, and the buttons: submit, cancel, complete with the acceptance report
number. Rights and rules are the services'; the pages only hide the buttons a user cannot use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import approval_panel, documents_with_approvals
from contracts import selectors as contract_selectors
from contracts.models import ContractStatus
from core.errors import DomainError
from core.history import history_rows
from core.listing import ListFilterForm, selector_filters
from core.pages import (
    document_action,
    form_add_domain_error,
    paginate,
    querystring_without_page,
)
from core.permissions import has_role, require_role
from core.roles import Role
from core.spreadsheets import export_response
from inventory import selectors, services
from inventory.forms import DispatchCompleteForm, ServiceDispatchForm
from inventory.models import ServiceDispatchStatus
from inventory.services.dispatch import DISPATCH_AUTHORS

# Who may record the acceptance (the service's check; here only to show the form).
DISPATCH_COMPLETERS = (Role.SALES_CLERK, Role.SALES_MANAGER)


@login_required
def dispatch_list(request):
    contract = request.GET.get("contract", "").strip()
    filter_form = ListFilterForm(request.GET, statuses=ServiceDispatchStatus.choices)
    filters = selector_filters(filter_form.values())
    filters.pop("customer_id")  # a customer is filtered by name here
    filters["contract"] = int(contract) if contract.isdigit() else None
    dispatches = selectors.service_dispatch_list(user=request.user, **filters)
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.service_dispatch_sheet(dispatches))
    page = paginate(request, dispatches)
    page.object_list = documents_with_approvals(page.object_list)
    return render(
        request,
        "inventory/dispatch_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filter_form": filter_form,
            "query": querystring_without_page(request),
            "can_create": has_role(request.user, *DISPATCH_AUTHORS),
        },
        status=400 if filter_form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispatch_edit(request, pk: int | None = None):
    require_role(request.user, *DISPATCH_AUTHORS)  # before showing a form they cannot use
    dispatch = None
    if pk is not None:
        dispatch = selectors.service_dispatch_get(user=request.user, dispatch_id=pk)
        if dispatch.status != ServiceDispatchStatus.DRAFT:
            messages.error(request, _("A service dispatch changes only in draft."))
            return redirect("service-dispatch-detail", pk=dispatch.pk)
    status = 200
    contract = _contract_for_form(request, dispatch)
    if request.method == "POST":
        form = ServiceDispatchForm(request.POST, user=request.user, dispatch=dispatch)
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if dispatch is None:
                    data["contract"] = data["contract"].pk
                    saved = services.service_dispatch_create(actor=request.user, data=data)
                else:
                    saved = services.service_dispatch_update(
                        actor=request.user, dispatch_id=dispatch.pk, data=data
                    )
                messages.success(
                    request,
                    _("Service dispatch %(number)s saved as a draft.") % {"number": saved.number},
                )
                return redirect("service-dispatch-detail", pk=saved.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
                status = error.status_code
    elif dispatch is not None:
        form = ServiceDispatchForm(
            user=request.user,
            dispatch=dispatch,
            initial={"scheduled_on": dispatch.scheduled_on, "description": dispatch.description},
        )
    else:
        form = ServiceDispatchForm(
            user=request.user, initial={"contract": contract.pk if contract else None}
        )
    return render(
        request,
        "inventory/dispatch_form.html",
        {"form": form, "dispatch": dispatch, **_first_payment(contract)},
        status=status,
    )


def _contract_for_form(request, dispatch):
    """The dispatch's contract, or the active contract chosen (POST) or preselected / changed
    (`?contract=`, the htmx reload) among those the clerk may see (R23); else None."""
    if dispatch is not None:
        return dispatch.contract
    raw = str(request.POST.get("contract") or request.GET.get("contract") or "").strip()
    if not raw.isdigit():
        return None
    return (
        contract_selectors.contract_list(
            user=request.user, status=ContractStatus.ACTIVE, with_lines=False
        )
        .filter(pk=int(raw))
        .first()
    )


def _first_payment(contract) -> dict:
    """The contract's first payment against what is collected: why a submit may be refused
    `first_payment_required` (R15)."""
    if contract is None:
        return {"contract": None}
    collected = contract.ledger.collected
    return {
        "contract": contract,
        "first_payment": contract.first_payment_amount,
        "collected": collected,
        "first_payment_in": collected >= contract.first_payment_amount,
    }


def _detail_page(request, dispatch, *, complete_form=None, status=200):
    is_draft = dispatch.status == ServiceDispatchStatus.DRAFT
    is_author = has_role(request.user, *DISPATCH_AUTHORS)
    payment = _first_payment(dispatch.contract)
    waiting = dispatch.status in (ServiceDispatchStatus.DRAFT, ServiceDispatchStatus.SUBMITTED)
    return render(
        request,
        "inventory/dispatch_detail.html",
        {
            "dispatch": dispatch,
            **payment,
            # R15: submitting or approving now would be refused; say so once, plainly.
            "first_payment_missing": waiting and not payment["first_payment_in"],
            **approval_panel(user=request.user, document=dispatch, is_draft=is_draft),
            "is_author": is_author,
            "can_edit": is_author and is_draft,
            "can_complete": dispatch.status == ServiceDispatchStatus.APPROVED
            and has_role(request.user, *DISPATCH_COMPLETERS),
            "complete_form": complete_form or DispatchCompleteForm(),
            "history": history_rows(dispatch),
        },
        status=status,
    )


@login_required
def dispatch_detail(request, pk: int):
    return _detail_page(request, selectors.service_dispatch_get(user=request.user, dispatch_id=pk))


@login_required
@require_POST
def dispatch_action(request, pk: int, action: str):
    """The clerk's buttons: submit and cancel (draft); complete with the acceptance report
    number (approved), whose refusal is shown on its form."""
    dispatch = selectors.service_dispatch_get(user=request.user, dispatch_id=pk)
    actions = {
        "submit": (
            services.service_dispatch_submit,
            _("Service dispatch %(number)s submitted to the sales manager."),
        ),
        "cancel": (services.service_dispatch_cancel, _("Service dispatch %(number)s cancelled.")),
    }
    if action in actions:
        service, done = actions[action]
        return document_action(
            request,
            document=dispatch,
            run=lambda d: service(actor=request.user, dispatch_id=d.pk),
            done=done,
            redirect_to="service-dispatch-detail",
        )
    if action != "complete":
        raise Http404
    form = DispatchCompleteForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.service_dispatch_complete(
                actor=request.user,
                dispatch_id=dispatch.pk,
                acceptance_report_no=form.cleaned_data["acceptance_report_no"],
            )
            messages.success(
                request,
                _("Service dispatch %(number)s completed: accepted by the customer.")
                % {"number": dispatch.number},
            )
            return redirect("service-dispatch-detail", pk=dispatch.pk)
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status_code
    return _detail_page(request, dispatch, complete_form=form, status=status)
