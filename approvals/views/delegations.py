"""Delegation pages (委托, R21): my delegations given and received, give one of my roles to a
colleague for a date range, revoke one early. The rules are the services'."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals import selectors, services
from approvals.forms import DelegationForm
from core.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request):
    """My delegations given and received; give one of my roles to a colleague."""
    form = DelegationForm(request.POST or None, actor=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                delegation = services.delegation_create(
                    actor=request.user,
                    delegate=data["delegate"],
                    role=data["role"],
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                )
            except DomainError as error:
                for field, msgs in error.errors.items():
                    for message in msgs:
                        form.add_error(field if field in form.fields else None, message)
                if not error.errors:
                    form.add_error(None, error.detail)
            else:
                messages.success(
                    request,
                    _("%(role)s delegated to %(user)s.")
                    % {"role": delegation.get_role_display(), "user": delegation.delegate},
                )
                return redirect("approval-delegations")
        status = 400
    given, received = selectors.delegations_of(request.user)
    return render(
        request,
        "approvals/delegations.html",
        {
            "form": form,
            "can_delegate": bool(form.fields["role"].choices),
            "given": given,
            "received": received,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_POST
def delegation_revoke(request, pk: int):
    delegation = services.delegation_revoke(actor=request.user, delegation_id=pk)
    messages.success(
        request,
        _("Delegation of %(role)s to %(user)s revoked.")
        % {"role": delegation.get_role_display(), "user": delegation.delegate},
    )
    return redirect("approval-delegations")
