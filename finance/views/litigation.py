"""Litigation follow-up (R18): the list of contracts overdue more than 90 days, a case's owner,
status and notes, and the button that posts a month's overdue interest now."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.history import history_rows
from core.pages import form_add_domain_error, paginate, querystring_without_page
from core.permissions import has_role
from finance import selectors, services
from finance.forms import InterestRunForm, LitigationFilterForm, LitigationForm
from finance.models import LitigationStatus


@login_required
def litigation_list(request):
    filters = LitigationFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    status = values.get("status") or ""
    cases = selectors.litigation_list(
        user=request.user,
        status="" if status == "all" else status,
        search=(values.get("q") or "").strip(),
    )
    if not status:
        cases = cases.exclude(status=LitigationStatus.CLOSED)
    page = paginate(request, cases)
    return render(
        request,
        "finance/litigation_list.html",
        {
            "page_obj": page,
            "filter_form": filters,
            "query": querystring_without_page(request),
            "interest_form": InterestRunForm(
                initial={"period": services.interest.previous_period()}
            )
            if has_role(request.user, *services.INTEREST_POSTERS)
            else None,
        },
    )


@login_required
def litigation_edit(request, pk: int):
    case = selectors.litigation_get(user=request.user, case_id=pk)
    if request.method == "POST":
        form = LitigationForm(request.POST, current_owner=case.owner)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["owner"] = data["owner"].username
            try:
                services.litigation_update(actor=request.user, case_id=case.pk, data=data)
                messages.success(request, _("The case is saved."))
                return redirect("litigation-list")
            except DomainError as error:
                form_add_domain_error(form, error)
    else:
        form = LitigationForm(
            initial={"owner": case.owner.username, "status": case.status, "notes": case.notes},
            current_owner=case.owner,
        )
    return render(
        request,
        "finance/litigation_form.html",
        {"case": case, "form": form, "history": history_rows(case)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def interest_post(request):
    """Finance posts a month's overdue interest now (R18); a month posted posts nothing."""
    form = InterestRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the month as YYYY-MM."))
        return redirect("litigation-list")
    try:
        result = services.interest_post_month(
            actor=request.user, period=form.cleaned_data["period"]
        )
    except DomainError as error:
        reasons = [m for msgs in error.errors.values() for m in msgs]
        messages.error(request, " ".join([error.detail, *reasons]))
    else:
        messages.success(
            request,
            _("Interest for %(period)s: %(posted)d contracts posted, %(amount)s in total.")
            % {
                "period": result["period"],
                "posted": result["posted"],
                "amount": result["amount"],
            },
        )
    return redirect("litigation-list")
