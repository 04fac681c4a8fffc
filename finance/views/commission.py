"""Browser pages for commission slips (提成单, R19): the list with its filters, totals, XLSX
export, the salesperson's live figure of this month and the department's accrual (部门提成);
the form to prepare a slip (a clerk: their own, R23); one slip with its lines, offset, carry,
total, approval and history and the buttons — recompute, submit, cancel, pay — and its PDF.
Rights and rules are the services'; the pages only hide the buttons a user cannot use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import approval_panel, documents_with_approvals
from core.errors import DomainError
from core.history import history_rows
from core.pages import document_action, form_add_domain_error, paginate, querystring_without_page
from core.periods import period_of
from core.permissions import has_role, require_role
from core.spreadsheets import export_response
from finance import selectors, services
from finance.forms import CommissionPayForm, CommissionSlipFilterForm, CommissionSlipForm
from finance.models import CommissionSlipStatus
from finance.pdf import commission_slip_pdf_response
from finance.services.commission import (
    COMMISSION_MANAGERS,
    COMMISSION_PAYERS,
    COMMISSION_PREPARERS,
)


def _is_salesperson(user) -> bool:
    return has_role(user, *COMMISSION_PREPARERS) and not has_role(user, *COMMISSION_MANAGERS)


@login_required
def commission_slip_list(request):
    require_role(request.user, *selectors.COMMISSION_READERS)
    filter_form = CommissionSlipFilterForm(request.GET, statuses=CommissionSlipStatus.choices)
    filters = filter_form.values()
    slips = selectors.commission_slips_with_figures(
        selectors.commission_slip_list(user=request.user, **filters)
    )
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.commission_slip_sheet(slips))
    page = paginate(request, slips)
    page.object_list = documents_with_approvals(page.object_list)
    this_month = period_of(timezone.localdate())
    department = None
    if has_role(request.user, *selectors.COMMISSION_DEPARTMENT_READERS):
        department = selectors.commission_department(period=filters.get("period") or this_month)
    mine = None
    if _is_salesperson(request.user):
        mine = selectors.commission_live(salesperson=request.user, period=this_month)
    return render(
        request,
        "finance/commission_slip_list.html",
        {
            "page_obj": page,
            "filter_form": filter_form,
            "totals": selectors.commission_slip_totals(slips),
            "query": querystring_without_page(request),
            "can_create": has_role(request.user, *COMMISSION_PREPARERS),
            "can_prepare_all": has_role(request.user, *COMMISSION_MANAGERS),
            "department": department,
            "mine": mine,
            "this_month": this_month,
        },
        status=400 if filter_form.errors else 200,
    )


def _salespeople(user) -> list[tuple[int, str]]:
    if has_role(user, *COMMISSION_MANAGERS):
        return selectors.commission_salespeople()
    return [(user.pk, user.get_full_name() or user.username)]  # R23: a clerk prepares their own


@login_required
@require_http_methods(["GET", "POST"])
def commission_slip_create(request):
    require_role(request.user, *COMMISSION_PREPARERS)
    salespeople = _salespeople(request.user)
    status = 200
    if request.method == "POST":
        form = CommissionSlipForm(request.POST, salespeople=salespeople)
        status = 400
        if form.is_valid():
            try:
                slip = services.commission_slip_create(
                    actor=request.user,
                    salesperson=form.cleaned_data["salesperson"],
                    period=form.cleaned_data["period"].strip(),
                )
                messages.success(
                    request,
                    _("Commission slip for %(period)s saved as a draft.") % {"period": slip.period},
                )
                return redirect("commission-slip-detail", pk=slip.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
                status = error.status_code
    else:
        form = CommissionSlipForm(
            salespeople=salespeople,
            initial={
                "salesperson": request.GET.get("salesperson") or request.user.pk,
                "period": request.GET.get("period") or period_of(timezone.localdate()),
            },
        )
    return render(request, "finance/commission_slip_form.html", {"form": form}, status=status)


def _detail_page(request, slip, *, pay_form=None, status=200):
    is_draft = slip.status == CommissionSlipStatus.DRAFT
    acts_for = has_role(request.user, *COMMISSION_MANAGERS) or (
        has_role(request.user, *COMMISSION_PREPARERS) and slip.salesperson_id == request.user.pk
    )
    return render(
        request,
        "finance/commission_slip_detail.html",
        {
            "slip": slip,
            "figures": selectors.commission_slip_figures(slip),
            **approval_panel(user=request.user, document=slip, is_draft=is_draft),
            "can_edit": acts_for and is_draft,
            "can_pay": has_role(request.user, *COMMISSION_PAYERS)
            and slip.status == CommissionSlipStatus.APPROVED,
            "pay_form": pay_form or CommissionPayForm(),
            "history": history_rows(slip),
        },
        status=status,
    )


@login_required
def commission_slip_detail(request, pk: int):
    require_role(request.user, *selectors.COMMISSION_READERS)
    return _detail_page(request, selectors.commission_slip_get(user=request.user, slip_id=pk))


@login_required
def commission_slip_pdf(request, pk: int):
    require_role(request.user, *selectors.COMMISSION_READERS)
    return commission_slip_pdf_response(
        selectors.commission_slip_get(user=request.user, slip_id=pk)
    )


@login_required
@require_POST
def commission_slip_prepare(request):
    """Finance or a sales manager prepares the month's slips now (what the month-end run does)."""
    require_role(request.user, *COMMISSION_MANAGERS)
    period = (request.POST.get("period") or "").strip() or period_of(timezone.localdate())
    try:
        result = services.commission_slips_prepare(actor=request.user, period=period)
    except DomainError as error:
        reasons = [m for msgs in error.errors.values() for m in msgs]
        messages.error(request, " ".join([error.detail, *reasons]))
        return redirect("commission-slip-list")
    messages.success(
        request,
        _("%(period)s: %(created)s slips created, %(recomputed)s drafts recomputed.") % result,
    )
    return redirect(f"{reverse('commission-slip-list')}?period={result['period']}")


@login_required
@require_POST
def commission_slip_action(request, pk: int, action: str):
    """The buttons: recompute, submit and cancel (draft), pay (approved; its refusal is shown
    on its form)."""
    require_role(request.user, *selectors.COMMISSION_READERS)
    slip = selectors.commission_slip_get(user=request.user, slip_id=pk)
    actions = {
        "recompute": (
            services.commission_slip_recompute,
            _("Commission slip %(number)s recomputed."),
        ),
        "submit": (
            services.commission_slip_submit,
            _("Commission slip %(number)s submitted to finance."),
        ),
        "cancel": (services.commission_slip_cancel, _("Commission slip %(number)s cancelled.")),
    }
    if action in actions:
        service, done = actions[action]
        return document_action(
            request,
            document=slip,
            run=lambda s: service(actor=request.user, slip_id=s.pk),
            done=done,
            redirect_to="commission-slip-detail",
            message_args=lambda saved: {"number": saved.display_number},
        )
    if action != "pay":
        raise Http404
    form = CommissionPayForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.commission_slip_pay(
                actor=request.user, slip_id=slip.pk, paid_on=form.cleaned_data["paid_on"]
            )
            messages.success(
                request, _("Commission slip %(number)s paid.") % {"number": slip.display_number}
            )
            return redirect("commission-slip-detail", pk=slip.pk)
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status_code
    slip = selectors.commission_slip_get(user=request.user, slip_id=pk)
    return _detail_page(request, slip, pay_form=form, status=status)
