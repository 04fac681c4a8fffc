"""Browser pages for credit change requests (R2): list, propose, edit a draft, submit, cancel,
and one request with its approval and history. Rights are the services'; the pages only
hide the buttons a user cannot use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import (
    approval_panel,
    documents_with_approvals,
)
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
from sales import selectors
from sales.forms import CreditChangeForm
from sales.models import CreditChangeStatus
from sales.services import credit


@login_required
def credit_change_list(request):
    filter_form = ListFilterForm(request.GET, statuses=CreditChangeStatus.choices)
    filters = selector_filters(filter_form.values())
    page = paginate(request, selectors.credit_change_list(user=request.user, **filters))
    page.object_list = documents_with_approvals(page.object_list)
    return render(
        request,
        "sales/credit_change_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filter_form": filter_form,
            "query": querystring_without_page(request),
            "can_propose": has_role(request.user, *credit.PROPOSERS),
        },
        status=400 if filter_form.errors else 200,
    )


@login_required
def credit_change_detail(request, pk: int):
    change = selectors.credit_change_get(user=request.user, change_id=pk)
    is_author = change.created_by_id == request.user.pk
    is_draft = change.status == CreditChangeStatus.DRAFT
    panel = approval_panel(user=request.user, document=change, is_draft=is_draft)
    pending = panel["pending"]
    return render(
        request,
        "sales/credit_change_detail.html",
        {
            "change": change,
            "customer": change.customer,
            **panel,
            "is_author": is_author,
            "can_edit": is_author and is_draft,
            "can_withdraw": is_author and pending is not None,
            "history": history_rows(change),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def credit_change_create(request):
    require_role(request.user, *credit.PROPOSERS)  # before showing a form they cannot use
    if request.method == "POST":
        form = CreditChangeForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                change = credit.credit_change_create(
                    actor=request.user, customer_id=data.pop("customer").pk, **data
                )
                messages.success(
                    request,
                    _("Credit change %(number)s saved as a draft. Submit it for approval.")
                    % {"number": change.number},
                )
                return redirect("credit-change-detail", pk=change.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
    else:
        initial = {}
        customer_id = request.GET.get("customer", "")
        if customer_id.isdigit():
            customer = selectors.customer_list(user=request.user).filter(pk=customer_id).first()
            if customer is not None:
                initial = {
                    "customer": customer.pk,
                    "credit_limit": customer.credit_limit,
                    "credit_days": customer.credit_days,
                    "risk_level": customer.risk_level,
                }
        form = CreditChangeForm(user=request.user, initial=initial)
    return render(
        request,
        "sales/credit_change_form.html",
        {"form": form, "change": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def credit_change_edit(request, pk: int):
    change = selectors.credit_change_get(user=request.user, change_id=pk)
    if request.method == "POST":
        form = CreditChangeForm(request.POST, user=request.user, with_customer=False)
        if form.is_valid():
            try:
                credit.credit_change_update(
                    actor=request.user, change_id=change.pk, **form.cleaned_data
                )
                messages.success(
                    request, _("Credit change %(number)s saved.") % {"number": change.number}
                )
                return redirect("credit-change-detail", pk=change.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
    else:
        if change.created_by_id != request.user.pk or change.status != CreditChangeStatus.DRAFT:
            messages.error(request, _("Only the author may change a request, and only in draft."))
            return redirect("credit-change-detail", pk=change.pk)
        form = CreditChangeForm(
            user=request.user,
            with_customer=False,
            initial={
                "credit_limit": change.credit_limit,
                "credit_days": change.credit_days,
                "risk_level": change.risk_level,
                "reason": change.reason,
            },
        )
    return render(
        request,
        "sales/credit_change_form.html",
        {"form": form, "change": change, "customer": change.customer},
        status=400 if request.method == "POST" else 200,
    )


def _act(request, pk: int, *, run, done: str):
    change = selectors.credit_change_get(user=request.user, change_id=pk)
    return document_action(
        request, document=change, run=run, done=done, redirect_to="credit-change-detail"
    )


@login_required
@require_POST
def credit_change_submit(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda c: credit.credit_change_submit(actor=request.user, change_id=c.pk),
        done=_("Credit change %(number)s submitted to the general manager."),
    )


@login_required
@require_POST
def credit_change_cancel(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda c: credit.credit_change_cancel(actor=request.user, change_id=c.pk),
        done=_("Credit change %(number)s cancelled."),
    )


@login_required
@require_POST
def credit_change_withdraw(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda c: credit.credit_change_withdraw(actor=request.user, change_id=c.pk),
        done=_("Credit change %(number)s withdrawn to draft."),
    )
