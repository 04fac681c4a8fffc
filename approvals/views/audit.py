"""The audit trail for the general manager (issue 16, item 6): logins, failed logins (and
lockouts) and every approval decision, newest first, filtered by kind, user and dates."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from approvals.forms import AuditFilterForm
from approvals.selectors import AUDIT_LIMIT, audit_events


@login_required
@require_GET
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = audit_events(
        user=request.user,
        kind=filters.get("kind") or "",
        username=filters.get("username") or "",
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    return render(
        request,
        "approvals/audit.html",
        {"form": form, "events": events, "limit": AUDIT_LIMIT},
    )
