"""Browser pages for leads 潜在客户 (R26): my follow-ups, team overdue, capture, detail with the
contact log, log a contact, regrade, convert. Parse, call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.history import history_rows
from core.pages import form_add_domain_error, paginate, querystring_without_page
from core.permissions import has_role, require_role
from core.roles import Role
from sales import selectors
from sales.forms import (
    LeadCloseForm,
    LeadContactForm,
    LeadConvertForm,
    LeadForm,
    LeadGradeForm,
)
from sales.models import LeadGrade, LeadStatus
from sales.services import leads as lead_services
from sales.services.quotations import QUOTATION_AUTHORS

# Who watches the whole team's overdue follow-ups (R23: they see every lead).
TEAM_WATCH = (Role.SALES_MANAGER, Role.SALES_HEAD, Role.GENERAL_MANAGER)


def _filters(params, *, team: bool) -> dict:
    """The list's filters from the query: grade, status (not on the overdue list: only open
    leads fall due), owner (for who watches the team), search. Unknown values are ignored."""
    grade = params.get("grade", "")
    filters = {
        "grade": grade if grade in LeadGrade.values else "",
        "search": params.get("q", "").strip()[:100],
        "owner": params.get("owner", "").strip()[:150],
    }
    if not team:
        status = params.get("status", LeadStatus.OPEN)
        filters["status"] = "" if status == "all" or status not in LeadStatus.values else status
    return filters


def _list_page(request, *, title: str, team: bool):
    can_watch_team = has_role(request.user, *TEAM_WATCH)
    filters = _filters(request.GET, team=team)
    if not can_watch_team:
        filters["owner"] = ""  # R23: a clerk lists their own leads
    if team:
        leads = selectors.leads_team_overdue(user=request.user, **filters)
    else:
        leads = selectors.leads_my_follow_ups(user=request.user, **filters)
    return render(
        request,
        "sales/lead_list.html",
        {
            "page_obj": paginate(request, leads),
            "query": querystring_without_page(request),
            "title": title,
            "team": team,
            "now": timezone.now(),
            "filters": filters,
            "status_choice": request.GET.get("status", LeadStatus.OPEN),
            "grades": LeadGrade.choices,
            "statuses": LeadStatus.choices,
            "everyone": selectors.EVERYONE,
            "owners": selectors.lead_owner_choices() if can_watch_team else (),
            "can_create": has_role(request.user, *lead_services.LEAD_ROLES),
            "can_watch_team": can_watch_team,
        },
    )


@login_required
def lead_list(request):
    """My follow-ups: the user's open leads, overdue first (marked), then by due; filtered by
    grade, status, search and (for the sales manager, head and GM) owner."""
    return _list_page(request, title=_("My follow-ups"), team=False)


@login_required
def lead_team_overdue(request):
    """Every open overdue lead, for the sales manager, the head of sales and the GM."""
    if not has_role(request.user, *TEAM_WATCH):
        raise PermissionDenied
    return _list_page(request, title=_("Team follow-ups overdue"), team=True)


@login_required
@require_http_methods(["GET", "POST"])
def lead_create(request):
    require_role(request.user, *lead_services.LEAD_ROLES)  # before showing a form they cannot use
    if request.method == "POST":
        form = LeadForm(request.POST)
        if form.is_valid():
            try:
                lead = lead_services.lead_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Lead %(company)s captured.") % {"company": lead})
                return redirect("lead-detail", pk=lead.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
    else:
        form = LeadForm()
    return render(
        request,
        "sales/lead_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _detail_page(
    request, lead, *, contact_form=None, grade_form=None, convert_form=None, close_form=None
):
    is_open = lead.status == LeadStatus.OPEN
    return render(
        request,
        "sales/lead_detail.html",
        {
            "lead": lead,
            "now": timezone.now(),
            "contacts": selectors.lead_contacts(lead=lead),
            "is_open": is_open,
            "contact_form": contact_form
            or LeadContactForm(initial={"contacted_at": timezone.localtime().replace(second=0)}),
            "grade_form": grade_form
            or LeadGradeForm(initial={"grade": lead.grade, "grade_reason": lead.grade_reason}),
            "convert_form": convert_form or LeadConvertForm(),
            "close_form": close_form or LeadCloseForm(),
            "history": history_rows(lead),
            "can_quote": has_role(request.user, *QUOTATION_AUTHORS),  # R27
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def lead_detail(request, pk: int):
    return _detail_page(request, selectors.lead_get(user=request.user, lead_id=pk))


@login_required
@require_POST
def lead_contact(request, pk: int):
    """Log a contact; the service moves the next due (R26)."""
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    form = LeadContactForm(request.POST)
    if form.is_valid():
        try:
            lead_services.lead_contact_log(actor=request.user, lead_id=lead.pk, **form.cleaned_data)
            messages.success(request, _("Contact logged."))
            return redirect("lead-detail", pk=lead.pk)
        except DomainError as error:
            form_add_domain_error(form, error)
    return _detail_page(request, lead, contact_form=form)


@login_required
@require_POST
def lead_regrade(request, pk: int):
    """Change the grade; the service recomputes the due (R26)."""
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    form = LeadGradeForm(request.POST)
    if form.is_valid():
        try:
            lead_services.lead_update(actor=request.user, lead_id=lead.pk, **form.cleaned_data)
            messages.success(request, _("Grade saved."))
            return redirect("lead-detail", pk=lead.pk)
        except DomainError as error:
            form_add_domain_error(form, error)
    return _detail_page(request, lead, grade_form=form)


@login_required
@require_POST
def lead_convert(request, pk: int):
    """Convert into a customer; a duplicate is refused naming the existing customer."""
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    form = LeadConvertForm(request.POST)
    if form.is_valid():
        try:
            customer = lead_services.lead_convert(
                actor=request.user, lead_id=lead.pk, tax_id=form.cleaned_data["tax_id"]
            )
            messages.success(
                request, _("Lead converted into customer %(code)s.") % {"code": customer.code}
            )
            return redirect("customer-detail", pk=customer.pk)
        except DomainError as error:
            form_add_domain_error(form, error)
    return _detail_page(request, lead, convert_form=form)


@login_required
@require_POST
def lead_close(request, pk: int):
    """Close an open lead (no business); the reason, if given, is kept as its grade reason."""
    lead = selectors.lead_get(user=request.user, lead_id=pk)
    form = LeadCloseForm(request.POST)
    if form.is_valid():
        try:
            lead_services.lead_close(
                actor=request.user, lead_id=lead.pk, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("Lead %(company)s closed.") % {"company": lead.company})
            return redirect("lead-detail", pk=lead.pk)
        except DomainError as error:
            form_add_domain_error(form, error)
    return _detail_page(request, lead, close_form=form)
