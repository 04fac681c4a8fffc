"""Finance's month-end page (R20, issue 13 item 5): the months with their status, the run's
progress (polled with htmx while it works), the differences it found with their drill-down to
the contract and its journal lines and an XLSX export, the co-sign of the sales manager and
finance, the close and the reopen, the month's history, and the management summary per month
with its trend chart. Rights and rules are the services'; the pages hide the buttons a user
cannot use and show every refusal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from approvals.selectors import approval_may_decide
from core.errors import DomainError
from core.pages import document_action, form_add_domain_error, paginate, querystring_without_page
from core.permissions import has_role, require_role
from core.spreadsheets import export_response
from finance import selectors_monthend as monthend
from finance.forms import DifferenceFilterForm, MonthEndRunForm, PeriodReopenForm
from finance.models import Reconciliation, ReconciliationStatus
from finance.selectors import JOURNAL_READERS
from finance.services import (
    MONTH_END_STARTERS,
    PERIOD_CLOSERS,
    PERIOD_REOPENERS,
    month_end_start,
    period_close,
    period_reopen,
    reconciliation_confirm,
)
from finance.services.interest import previous_period

DIFFERENCES_PAGE = 50


def _detail_url(period: str) -> str:
    return reverse("month-end-detail", args=[period])


def _list_page(request, *, run_form=None, status=200):
    summary = monthend.month_summary()
    return render(
        request,
        "finance/month_end_list.html",
        {
            "months": monthend.periods_overview(),
            "run_form": run_form
            or (
                MonthEndRunForm(initial={"period": previous_period()})
                if has_role(request.user, *MONTH_END_STARTERS)
                else None
            ),
            "summary": summary,
            "chart": monthend.summary_chart(summary),
            "has_commission": any(row["commission"] is not None for row in summary),
        },
        status=status,
    )


@login_required
def month_end_list(request):
    require_role(request.user, *monthend.MONTH_END_READERS)
    return _list_page(request)


@login_required
@require_POST
def month_end_run(request):
    """Finance starts (or starts again) a month's run; a refusal is shown beside the month."""
    require_role(request.user, *monthend.MONTH_END_READERS)
    form = MonthEndRunForm(request.POST)
    status = 400
    if form.is_valid():
        period = form.cleaned_data["period"].strip()
        try:
            month_end_start(actor=request.user, period=period)
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status_code
        else:
            return redirect(_detail_url(period))
    return _list_page(request, run_form=form, status=status)


def _detail_context(request, period: str) -> dict:
    month = monthend.period_overview(period)
    run: Reconciliation | None = month["reconciliation"]
    user = request.user
    context = {
        "month": month,
        "run": run,
        "period": period,
        "history": monthend.period_history(period),
        "can_run": has_role(user, *MONTH_END_STARTERS)
        and month["status"] != monthend.CLOSED
        and not month["running"],
        "can_close": has_role(user, *PERIOD_CLOSERS)
        and month["status"] == ReconciliationStatus.CONFIRMED,
        "can_reopen": has_role(user, *PERIOD_REOPENERS) and month["status"] == monthend.CLOSED,
        "reopen_form": PeriodReopenForm(),
        "journal_link": has_role(user, *JOURNAL_READERS),
        "summary": run.summary if run is not None else {},
    }
    if run is None:
        return context
    filters = DifferenceFilterForm(request.GET or None)
    values = filters.values()
    differences = monthend.reconciliation_differences(run, **values)
    confirmations = monthend.reconciliation_confirmations(run)
    request_ = confirmations["request"]
    may_confirm = (
        run.status == ReconciliationStatus.COMPUTED
        and request_ is not None
        and confirmations["pending"]
        and approval_may_decide(user=user, request=request_)
    )
    waiting_roles = {step.role for step in confirmations.get("waiting", [])}
    context.update(
        {
            "filter_form": filters,
            "differences": paginate(request, differences, per_page=DIFFERENCES_PAGE),
            "differences_totals": monthend.differences_totals(differences),
            "query": querystring_without_page(request),
            "confirmations": confirmations,
            "may_confirm": may_confirm,
            # R21: the person who started the run holds a waiting role but does not confirm it.
            "own_run": not may_confirm
            and run.status == ReconciliationStatus.COMPUTED
            and run.started_by_id == user.pk
            and has_role(user, *waiting_roles),
            "commission": monthend.commission_of(period),
        }
    )
    return context


@login_required
def month_end_detail(request, period: str):
    require_role(request.user, *monthend.MONTH_END_READERS)
    period = monthend.period_checked(period)
    if "export" in request.GET:
        run = Reconciliation.objects.filter(period=period).first()
        if run is None:
            raise Http404
        differences = monthend.reconciliation_differences(
            run, **DifferenceFilterForm(request.GET).values()
        )
        return export_response(request.GET["export"], monthend.differences_sheet(run, differences))
    context = _detail_context(request, period)
    return render(request, "finance/month_end_detail.html", context)


@login_required
def month_end_progress(request, period: str):
    """The progress partial the detail page polls every second while the run works; once the
    run is finished it is returned without its trigger (the polling stops), and an htmx poll
    also asks the browser to reload the page, to show what the run found."""
    require_role(request.user, *monthend.MONTH_END_READERS)
    period = monthend.period_checked(period)
    month = monthend.period_overview(period)
    response = render(
        request,
        "finance/_month_end_progress.html",
        {"month": month, "run": month["reconciliation"], "period": period},
    )
    if request.htmx and not month["running"]:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def month_end_action(request, period: str, action: str):
    """The month's buttons: confirm (the sales manager and finance, R20/R21), close
    (finance, once confirmed) and reopen (the VP of finance, with a reason)."""
    require_role(request.user, *monthend.MONTH_END_READERS)
    period = monthend.period_checked(period)
    run = Reconciliation.objects.filter(period=period).first()
    document = run if run is not None else Reconciliation(period=period)
    back = _detail_url(period)
    if action == "confirm":
        return document_action(
            request,
            document=document,
            run=lambda r: reconciliation_confirm(actor=request.user, reconciliation_id=r.pk),
            done=_("Month-end reconciliation of %(number)s confirmed."),
            redirect_to=lambda saved, ok: back,
        )
    if action == "close":
        return document_action(
            request,
            document=document,
            run=lambda r: period_close(actor=request.user, period=period),
            done=_("%(number)s is closed."),
            redirect_to=lambda saved, ok: back,
        )
    if action != "reopen":
        raise Http404
    form = PeriodReopenForm(request.POST)
    form.is_valid()
    try:
        period_reopen(actor=request.user, period=period, reason=form.cleaned_data.get("reason", ""))
    except DomainError as error:
        form_add_domain_error(form, error)
        context = _detail_context(request, period)
        context.update({"reopen_form": form, "can_reopen": True})
        return render(request, "finance/month_end_detail.html", context, status=error.status_code)
    messages.success(request, _("%(period)s is open again.") % {"period": period})
    return redirect(back)
