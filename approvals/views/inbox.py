"""Approval pages (R21, R22): the inbox managers work in, and one request with its document and
history (delegations: `approvals.views.delegations`). Each view parses its input, calls the
engine's services or selectors, and renders; every rule is the engine's.

The inbox works without JavaScript (form POST, then a redirect back to the same list); with
htmx the same POST answers with the list panel only, and the navigation badge is updated in
the same response (hx-swap-oob).
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from approvals import selectors, services
from approvals.documents import document_model
from approvals.forms import COMMENT_MAX, BulkDecisionForm, DecisionForm, InboxFilterForm
from approvals.models import ApprovalRequest, RequestStatus
from core.errors import DomainError, InvalidInput
from core.pages import PAGE_SIZE
from core.permissions import has_role
from core.roles import Role


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _reason(error: DomainError) -> str:
    """The sentence of a refusal; for bad input, the messages of the fields it names."""
    field_messages = [m for msgs in error.errors.values() for m in msgs]
    return " ".join(field_messages) if field_messages else error.detail


def _label(approval: ApprovalRequest) -> str:
    return f"{approval.get_document_type_display()} {approval.display_number}"


# --- the inbox ------------------------------------------------------------------------------


def _with_documents(rows: list[ApprovalRequest]) -> None:
    """Give each row its document's page and PDF (R22: one click away): one query per
    document type on the page, however many rows."""
    ids_by_type: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        ids_by_type[row.document_type].append(row.document_id)
    documents = {
        document_type: document_model(document_type).objects.in_bulk(ids)
        for document_type, ids in ids_by_type.items()
    }
    for row in rows:
        document = documents[row.document_type].get(row.document_id)
        row.document_url = document.approval_document_url() if document else None
        row.pdf_url = document.approval_pdf_url() if document else None


def _inbox_context(request, params: QueryDict) -> dict:
    filter_form = InboxFilterForm(params)
    page = Paginator(
        selectors.inbox_for(user=request.user, **filter_form.filters()), PAGE_SIZE
    ).get_page(params.get("page"))
    rows = list(page.object_list)
    now = timezone.now()
    for row in rows:
        row.age = timesince(row.created_at, now, depth=1)
        row.waiting_for = [step.get_role_display() for step in row.open_steps]
    _with_documents(rows)
    without_page = params.copy()
    without_page.pop("page", None)
    return {
        "filter_form": filter_form,
        "page_obj": page,
        "rows": rows,
        "query": without_page.urlencode(),
        "current_query": params.urlencode(),
        "filtered": any(v not in (None, "") for v in filter_form.filters().values()),
        "can_audit": has_role(request.user, Role.GENERAL_MANAGER),
    }


@login_required
@require_GET
def inbox(request):
    context = _inbox_context(request, request.GET)
    context["bulk_form"] = BulkDecisionForm(initial={"query": context["current_query"]})
    return render(request, "approvals/inbox.html", context)


def _decide_each(request, *, ids: list[int], approve: bool, comment: str) -> dict:
    """Each item in its own call to the engine (its own transaction): a refusal of one leaves
    the others decided."""
    visible = {
        r.pk: r
        for r in selectors.approval_list(user=request.user)
        .filter(pk__in=ids)
        .prefetch_related(None)  # only the labels are needed
    }
    done: list[str] = []
    refused: list[dict] = []
    for pk in ids:
        label = _label(visible[pk]) if pk in visible else f"#{pk}"
        try:
            decided = services.approval_decide(
                actor=request.user,
                request_id=pk,
                approve=approve,
                comment=comment,
                ip_address=_client_ip(request),
            )
        except DomainError as error:
            refused.append({"label": label, "code": error.code, "reason": _reason(error)})
        else:
            done.append(_label(decided))  # a contract signed last is called by its new number
    return {"approve": approve, "done": done, "refused": refused}


def _outcome_messages(request, outcome: dict) -> None:
    if outcome["done"]:
        text = _("Approved: %(items)s.") if outcome["approve"] else _("Rejected: %(items)s.")
        messages.success(request, text % {"items": ", ".join(outcome["done"])})
    for item in outcome["refused"]:
        messages.error(
            request,
            _("%(item)s was not decided: %(reason)s")
            % {"item": item["label"], "reason": item["reason"]},
        )


@login_required
@require_POST
def decide_many(request):
    """Approve the ticked items with one comment, or reject one (with its reason)."""
    form = BulkDecisionForm(request.POST)
    query = QueryDict(request.POST.get("query", ""))
    outcome = None
    if form.is_valid():
        outcome = _decide_each(
            request,
            ids=form.cleaned_data["ids"],
            approve=form.cleaned_data["action"] == BulkDecisionForm.APPROVE,
            comment=form.cleaned_data["comment"],
        )
    if request.htmx:
        context = _inbox_context(request, query)
        if outcome is not None:
            # Decided: a fresh action bar; the report above it says what was refused.
            form = BulkDecisionForm(initial={"query": context["current_query"]})
        context.update(bulk_form=form, outcome=outcome, oob_badge=True)
        return render(request, "approvals/_inbox_panel.html", context)
    if outcome is not None:
        _outcome_messages(request, outcome)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    url = reverse("approval-inbox")
    return redirect(f"{url}?{query.urlencode()}" if query else url)


# --- one request ------------------------------------------------------------------------------


def _detail_context(request, approval: ApprovalRequest) -> dict:
    model = document_model(approval.document_type)
    document = model.approval_detail_queryset().filter(pk=approval.document_id).first()
    steps = list(approval.steps.all())
    decisions = list(approval.decisions.all())  # prefetched with user and on_behalf_of
    by_step = {d.step_id: d for d in decisions if d.step_id}
    for step in steps:
        step.decision = by_step.get(step.pk)
    pending = approval.status == RequestStatus.PENDING
    may_decide = pending and selectors.approval_may_decide(user=request.user, request=approval)
    authors = {approval.requested_by_id}
    if document is not None:
        authors.add(document.approval_author().pk)
    return {
        "approval": approval,
        "document": document,
        "document_template": model.approval_template,
        "document_url": document.approval_document_url() if document else None,
        "pdf_url": document.approval_pdf_url() if document else None,
        "steps": steps,
        "decisions": decisions,
        "waiting_for": [s.get_role_display() for s in approval.open_steps],
        "may_decide": may_decide,
        "may_withdraw": pending and request.user.pk in authors,
        "form_errors": {},
    }


def _render_detail(request, approval, *, status: int = 200, refusal=None, form_errors=None):
    context = _detail_context(request, approval)
    context.update(refusal=refusal, form_errors=form_errors or {}, posted=request.POST)
    return render(request, "approvals/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, pk: int):
    return _render_detail(request, selectors.approval_get(user=request.user, request_id=pk))


@login_required
@require_POST
def decide(request, pk: int):
    """Approve or reject one request. A refusal (R21) is shown on the page in words, with its
    status (the code is the API's); the engine wrote nothing."""
    approval = selectors.approval_get(user=request.user, request_id=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        errors = {f"{request.POST.get('decision', '')}_{k}": v for k, v in form.errors.items()}
        return _render_detail(request, approval, status=400, form_errors=errors)
    approve = form.cleaned_data["decision"] == BulkDecisionForm.APPROVE
    try:
        decided = services.approval_decide(
            actor=request.user,
            request_id=approval.pk,
            approve=approve,
            comment=form.cleaned_data["comment"],
            ip_address=_client_ip(request),
        )
    except InvalidInput as error:
        prefix = form.cleaned_data["decision"]
        errors = {f"{prefix}_{field}": msgs for field, msgs in error.errors.items()}
        return _render_detail(request, approval, status=400, form_errors=errors)
    except DomainError as error:
        return _render_detail(request, approval, status=error.status_code, refusal=error)
    text = _("Approved: %(items)s.") if approve else _("Rejected: %(items)s.")
    messages.success(request, text % {"items": _label(decided)})
    return redirect("approval-inbox")


@login_required
@require_POST
def withdraw(request, pk: int):
    approval = selectors.approval_get(user=request.user, request_id=pk)
    try:
        services.approval_withdraw(
            actor=request.user,
            request_id=approval.pk,
            comment=request.POST.get("comment", "")[:COMMENT_MAX],
        )
    except DomainError as error:
        return _render_detail(request, approval, status=error.status_code, refusal=error)
    messages.success(request, _("Withdrawn: %(items)s.") % {"items": _label(approval)})
    return redirect("approval-detail", pk=approval.pk)
