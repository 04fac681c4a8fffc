"""Reads of the approval engine: the inbox (R22), request lists, one request's history, and
the delegations in force. Selectors never import services."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from approvals.models import (
    ApprovalRequest,
    Decision,
    DecisionKind,
    Delegation,
    DocumentType,
    RequestStatus,
    RequestStep,
    StepStatus,
)
from core.errors import NotVisible
from core.permissions import sees_all_customers, user_roles
from core.prefetch import set_prefetched


def delegations_active(user, *, on: date | None = None) -> QuerySet[Delegation]:
    """The delegations `user` holds on `on` (default today): not revoked, in their range."""
    on = on or timezone.localdate()
    return Delegation.objects.filter(
        delegate=user, revoked_at__isnull=True, valid_from__lte=on, valid_to__gte=on
    )


def delegations_of(user) -> tuple[list[Delegation], list[Delegation]]:
    """(given, received): the delegations `user` gave and those they received, all dates. One
    person's delegations are few: two plain queries, no pagination."""
    given = list(Delegation.objects.filter(delegator=user).select_related("delegate"))
    received = list(Delegation.objects.filter(delegate=user).select_related("delegator"))
    return given, received


def delegation_list(*, user) -> QuerySet[Delegation]:
    """The delegations `user` gave or received (the API's list)."""
    return Delegation.objects.filter(Q(delegator=user) | Q(delegate=user)).select_related(
        "delegator", "delegate"
    )


def _open_step(role_q: Q) -> Exists:
    return Exists(
        RequestStep.objects.filter(role_q, request=OuterRef("pk"), status=StepStatus.OPEN)
    )


def _decidable_by(user) -> Q:
    """Pending requests with an open step the user holds (own role, or a role delegated to
    them today, not for the delegator's own documents), which they did not submit and on
    which they have not decided yet (R21)."""
    roles = user_roles(user)
    may = Q(_open_step(Q(role__in=roles))) if roles else Q(pk__in=[])
    delegations = delegations_active(user).values_list("role", "delegator_id")
    for role, delegator_id in delegations:
        may |= Q(_open_step(Q(role=role))) & ~Q(requested_by_id=delegator_id)
    decided = Exists(
        Decision.objects.filter(
            request=OuterRef("pk"),
            user=user,
            decision__in=[DecisionKind.APPROVED, DecisionKind.REJECTED],
        )
    )
    return Q(status=RequestStatus.PENDING) & may & ~Q(requested_by=user) & ~Q(decided)


def _with_steps_and_decisions(qs: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    # The list shows the requester's name only: leave the password hash and the rest behind.
    return (
        qs.select_related("requested_by")
        .defer(
            "requested_by__password",
            "requested_by__last_login",
            "requested_by__email",
            "requested_by__date_joined",
        )
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=RequestStep.objects.filter(status=StepStatus.OPEN),
                to_attr="open_steps",
            ),
            Prefetch(
                "decisions",
                queryset=Decision.objects.select_related("user", "on_behalf_of"),
            ),
        )
    )


def approval_loaded(request: ApprovalRequest, *, open_steps, decisions) -> ApprovalRequest:
    """Attach to `request` what `_with_steps_and_decisions` would fetch — its open steps
    (`open_steps`) and its decisions, each with its user and on-behalf-of loaded — from rows
    the caller holds already (the engine, right after it wrote them): the API answers with the
    approval without reading it again (issue 14)."""
    request.open_steps = list(open_steps)
    set_prefetched(request, "decisions", sorted(decisions, key=lambda d: (d.decided_at, d.pk)))
    return request


def approval_is_loaded(request: ApprovalRequest) -> bool:
    """Whether `request` carries its requester, open steps and decisions with their users (as
    from `_with_steps_and_decisions` or `approval_loaded`): serialising it reads nothing."""
    cache = getattr(request, "_prefetched_objects_cache", {})
    if not hasattr(request, "open_steps") or "decisions" not in cache:
        return False
    if not ApprovalRequest.requested_by.is_cached(request):
        return False
    users, behalf = Decision.user, Decision.on_behalf_of
    return all(
        users.is_cached(d) and (d.on_behalf_of_id is None or behalf.is_cached(d))
        for d in cache["decisions"]
    )


# Where a service leaves the approval request it has just opened or decided for a document,
# for the API's answer only (`approvals.api.serializers.DocumentApprovalField`): never read as
# the document's latest request elsewhere, where it could go stale.
ANSWERED = "_approval_request_answered"


def inbox_for(
    *,
    user,
    document_type: str = "",
    search: str = "",
    min_amount: Decimal | None = None,
    older_than_days: int | None = None,
) -> QuerySet[ApprovalRequest]:
    """What the user may decide now, oldest first (R22)."""
    qs = ApprovalRequest.objects.filter(_decidable_by(user))
    if document_type:
        qs = qs.filter(document_type=document_type)
    if search:
        qs = qs.filter(Q(document_number__icontains=search) | Q(customer_name__icontains=search))
    if min_amount is not None:
        qs = qs.filter(amount__gte=min_amount)
    if older_than_days:
        qs = qs.filter(created_at__lte=timezone.now() - timedelta(days=older_than_days))
    return _with_steps_and_decisions(qs).order_by("created_at", "id")


def inbox_count(*, user, limit: int | None = None) -> int:
    """How many requests the user may decide now; with `limit`, counted up to it only."""
    qs = ApprovalRequest.objects.filter(_decidable_by(user))
    return qs[:limit].count() if limit else qs.count()


def approval_list(
    *, user, status: str = "", document_type: str = "", document_id: int | None = None
) -> QuerySet[ApprovalRequest]:
    """Requests the user may see: all for roles that see all customers (R23); for a clerk,
    those they submitted, decided or may decide — a request names its customer but not the
    customer's owner, so the clerk's rule is about taking part, not `visible_to`."""
    qs = ApprovalRequest.objects.all()
    if not sees_all_customers(user):
        decided = Exists(Decision.objects.filter(request=OuterRef("pk"), user=user))
        qs = qs.filter(Q(requested_by=user) | Q(decided) | _decidable_by(user))
    if status:
        qs = qs.filter(status=status)
    if document_type:
        qs = qs.filter(document_type=document_type)
    if document_id is not None:
        qs = qs.filter(document_id=document_id)
    return _with_steps_and_decisions(qs).order_by("created_at", "id")


def approval_get(*, user, request_id: int) -> ApprovalRequest:
    request = approval_list(user=user).filter(pk=request_id).first()
    if request is None:
        raise NotVisible()
    return request


def approvals_for_documents(*, document_type: str, document_ids) -> dict[int, ApprovalRequest]:
    """The latest request of each document, for lists of documents (one query, not N)."""
    latest: dict[int, ApprovalRequest] = {}
    qs = _with_steps_and_decisions(
        ApprovalRequest.objects.filter(
            document_type=document_type, document_id__in=list(document_ids)
        )
    ).order_by("created_at", "id")
    for request in qs:
        latest[request.document_id] = request
    return latest


def approval_may_decide(*, user, request: ApprovalRequest) -> bool:
    """Whether the request is in the user's inbox now (R21, R22: `_decidable_by` for one
    request). When its steps and decisions are loaded already (`approval_get`, `approval_list`,
    `approval_panel`), answered from them: no query but the user's roles and, when none of
    them is open, their delegations (issue 14). Else one query."""
    loaded = _loaded_steps_and_decisions(request)
    if loaded is None:
        return ApprovalRequest.objects.filter(_decidable_by(user), pk=request.pk).exists()
    open_roles, decisions = loaded
    if (
        request.status != RequestStatus.PENDING
        or user.pk is None
        or request.requested_by_id == user.pk
        or not open_roles
    ):
        return False
    decided = {DecisionKind.APPROVED, DecisionKind.REJECTED}
    if any(d.user_id == user.pk and d.decision in decided for d in decisions):
        return False
    if open_roles & user_roles(user):
        return True
    return (
        delegations_active(user)
        .filter(role__in=open_roles)
        .exclude(delegator_id=request.requested_by_id)
        .exists()
    )


def _loaded_steps_and_decisions(request: ApprovalRequest) -> tuple[set[str], list] | None:
    """(roles of the open steps, decisions) of a request fetched with them, else None."""
    cache = getattr(request, "_prefetched_objects_cache", {})
    if "decisions" not in cache:
        return None
    if hasattr(request, "open_steps"):  # _with_steps_and_decisions
        steps = request.open_steps
    elif "steps" in cache:
        steps = request.steps.all()
    else:
        return None
    return {s.role for s in steps if s.status == StepStatus.OPEN}, list(request.decisions.all())


def documents_with_approvals(documents) -> list:
    """The documents with their latest approval attached (`document.approval_request`), for
    a page of a list: one query and its prefetches for the page, not one per row."""
    documents = list(documents)
    if not documents:
        return documents
    latest = approvals_for_documents(
        document_type=str(documents[0].approval_document_type),
        document_ids=[d.pk for d in documents],
    )
    for document in documents:
        document.__dict__["_approval_request"] = latest.get(document.pk)
    return documents


def document_approvals(*, document) -> list[ApprovalRequest]:
    """Every submission of a document, newest first, each with all its steps and decisions
    (who, role, on behalf of, when, comment)."""
    return list(
        ApprovalRequest.objects.filter(
            document_type=str(document.approval_document_type), document_id=document.pk
        )
        .select_related("requested_by")
        .prefetch_related(
            "steps",
            Prefetch("decisions", queryset=Decision.objects.select_related("user", "on_behalf_of")),
        )
        .order_by("-created_at", "-id")
    )


def returned_decision(approval: ApprovalRequest | None) -> Decision | None:
    """The rejection that sent the document back to draft, if its latest submission was."""
    if approval is None or approval.status != RequestStatus.REJECTED:
        return None
    return next((d for d in approval.decisions.all() if d.decision == DecisionKind.REJECTED), None)


def approval_panel(*, user, document, is_draft: bool) -> dict:
    """What a document's page shows of its approval: every submission (`approvals`), the
    rejection that sent it back to draft (`returned`), the pending request (`pending`) and
    whether `user` may decide it now (`may_decide`)."""
    approvals = document_approvals(document=document)
    latest = approvals[0] if approvals else None
    pending = latest if latest is not None and latest.status == RequestStatus.PENDING else None
    return {
        "approvals": approvals,
        "returned": returned_decision(latest) if is_draft else None,
        "pending": pending,
        "may_decide": pending is not None and approval_may_decide(user=user, request=pending),
    }


def inbox_by_type(*, user) -> list[tuple[str, int]]:
    """What the user may decide now, counted per document type (the home page's chart), in
    the order `DocumentType` lists them; one aggregate query."""
    counts = dict(
        ApprovalRequest.objects.filter(_decidable_by(user))
        .order_by()
        .values_list("document_type")
        .annotate(n=Count("id"))
    )
    return [(label, counts[value]) for value, label in DocumentType.choices if counts.get(value)]


# --- the audit trail (issue 16, item 6) ---------------------------------------------------------

AUDIT_KINDS = ("login", "failed_login", "decision")
AUDIT_LIMIT = 300


def audit_events(
    *, user, kind: str = "", username: str = "", date_from=None, date_to=None
) -> list[dict]:
    """The latest AUDIT_LIMIT events, newest first, of who logged in (django-axes' access log,
    pages and API tokens alike), who failed to (and whether that locked them out), and every
    approval decision (R21): for the general manager only. One query per kind."""
    from axes.models import AccessFailureLog, AccessLog

    from core.permissions import require_role
    from core.roles import Role

    require_role(user, Role.GENERAL_MANAGER)

    def bounded(qs, time_field, user_field):
        if username:
            qs = qs.filter(**{f"{user_field}__iexact": username})
        if date_from:
            qs = qs.filter(**{f"{time_field}__date__gte": date_from})
        if date_to:
            qs = qs.filter(**{f"{time_field}__date__lte": date_to})
        return qs.order_by(f"-{time_field}")[:AUDIT_LIMIT]

    events: list[dict] = []
    if kind in ("", "login"):
        for row in bounded(AccessLog.objects.all(), "attempt_time", "username"):
            events.append(
                {
                    "kind": "login",
                    "at": row.attempt_time,
                    "username": row.username or "",
                    "ip_address": row.ip_address,
                    "detail": row.path_info,
                    "logout_at": row.logout_time,
                }
            )
    if kind in ("", "failed_login"):
        for row in bounded(AccessFailureLog.objects.all(), "attempt_time", "username"):
            events.append(
                {
                    "kind": "failed_login",
                    "at": row.attempt_time,
                    "username": row.username or "",
                    "ip_address": row.ip_address,
                    "detail": row.path_info,
                    "locked_out": row.locked_out,
                }
            )
    if kind in ("", "decision"):
        decisions = Decision.objects.select_related("user", "request", "on_behalf_of")
        for row in bounded(decisions, "decided_at", "user__username"):
            events.append(
                {
                    "kind": "decision",
                    "at": row.decided_at,
                    "username": row.user.username,
                    "ip_address": row.ip_address,
                    "detail": " ".join(
                        part
                        for part in (
                            str(row.request.get_document_type_display()),
                            row.request.document_number,
                            str(row.get_decision_display()),
                            str(row.get_role_display()) if row.role else "",
                            row.comment,
                        )
                        if part
                    ),
                    "request_id": row.request_id,
                }
            )
    events.sort(key=lambda event: event["at"], reverse=True)
    return events[:AUDIT_LIMIT]
