"""The approval engine (R21): open a request when a document is submitted, decide its steps,
withdraw it, close it when the document lapses. One engine for every document type.

Entry points (a page, the API, a task calls them) are durable transactions: `approval_decide`,
`approval_withdraw`. The others run inside the transaction of the document's own service:
`approval_request_open` in every submit, `approval_lapse_document` in inventory's expiry,
`approval_withdraw_document` in a withdraw or cancel service (or, for a document page that has
none yet, on its own).
"""

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Case, F, FilteredRelation, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.documents import ApprovableDocument, approval_held, document_model
from approvals.models import (
    ApprovalPolicy,
    ApprovalRequest,
    Decision,
    DecisionKind,
    PolicyStep,
    RequestStatus,
    RequestStep,
    StepStatus,
)
from approvals.selectors import ANSWERED, approval_loaded, delegations_active
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.permissions import user_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _notify_step_opened(request_id: int) -> None:
    from approvals import tasks

    # robust: a mail server or broker that is down must not fail a decision already committed.
    transaction.on_commit(lambda: tasks.notify_step_opened.delay(request_id), robust=True)


def _notify_returned(request_id: int) -> None:
    from approvals import tasks

    transaction.on_commit(lambda: tasks.notify_returned.delay(request_id), robust=True)


def approval_policy_steps(document_type: str) -> list[PolicyStep]:
    """The steps of a document type's policy, in order: what `approval_request_open` copies.
    A submit service may read them before it takes a hot lock (the customer's, R4) and hand
    them over, so that the lock is held one query shorter (issue 14); same transaction."""
    return list(
        PolicyStep.objects.filter(policy__document_type=str(document_type)).order_by(
            "sequence", "role"
        )
    )


def approval_request_open(
    *,
    document: ApprovableDocument,
    actor: "User",
    on_hold: bool = False,
    policy_steps: list[PolicyStep] | None = None,
) -> ApprovalRequest:
    """Start the approval of a submitted document, inside the submit service's transaction.

    The steps of the document type's policy that apply (minimum amount, credit hold) are copied
    onto the request; the lowest sequence opens. A policy with no applicable step approves at
    once. A second pending request for the same document is refused.

    Three queries when steps apply (issue 14): the policy's steps (none when the caller read
    them in this transaction with `approval_policy_steps` and gives them as `policy_steps`),
    the request (inserted with its current sequence), the steps in one insert.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("approval_request_open() runs inside the submit transaction")
    document_type = str(document.approval_document_type)
    if policy_steps is None:
        policy_steps = approval_policy_steps(document_type)
    if not policy_steps and not ApprovalPolicy.objects.filter(document_type=document_type).exists():
        raise ApprovalPolicy.DoesNotExist(f"no approval policy for {document_type}")
    amount = document.approval_amount()
    customer = document.approval_customer()
    steps = [s for s in policy_steps if s.applies(amount=amount, on_hold=on_hold)]
    first = min((s.sequence for s in steps), default=None)
    request = ApprovalRequest(
        document_type=document_type,
        document_id=document.pk,
        document_number=document.approval_number(),
        requested_by=actor,
        amount=amount,
        customer_id=customer.pk if customer is not None else None,
        customer_name=customer.name if customer is not None else "",
        on_hold=on_hold,
        current_sequence=first,
    )
    try:
        # No savepoint (two round trips saved): the submit service has locked the document and
        # moved it out of draft, so a second pending request is a broken invariant, not a race.
        # The refusal leaves the caller's transaction to be rolled back, as every refusal does.
        request.save(force_insert=True)
    except IntegrityError as exc:
        raise RuleViolation(
            "invalid_transition", detail=_("This document is already waiting for approval.")
        ) from exc
    if not steps:
        request.approve()
        request.closed_at = timezone.now()
        request.save(update_fields=["status", "current_sequence", "closed_at"])
        with approval_held(document, request):
            document.approval_granted(request=request, actor=actor)
        _answer(document, approval_loaded(request, open_steps=[], decisions=[]))
        return request
    created = RequestStep.objects.bulk_create(
        RequestStep(
            request=request,
            sequence=s.sequence,
            role=s.role,
            status=StepStatus.OPEN if s.sequence == first else StepStatus.WAITING,
        )
        for s in steps
    )
    open_steps = [s for s in created if s.status == StepStatus.OPEN]
    _answer(document, approval_loaded(request, open_steps=open_steps, decisions=[]))
    _notify_step_opened(request.pk)
    return request


def _answer(document: ApprovableDocument, request: ApprovalRequest) -> None:
    """Leave the request just written, with its steps and decisions, on the document the
    service returns, for the API's answer (`approvals.selectors.ANSWERED`; issue 14)."""
    document.__dict__[ANSWERED] = request


def _document_of(request_id: int) -> ApprovableDocument:
    """Lock the document of a request: parents before children, as the submit services do,
    so that concurrent decisions and submits never deadlock."""
    # `get`, not `first`: no ORDER BY to compile and run for a lookup by primary key.
    try:
        document_type, document_id = ApprovalRequest.objects.values_list(
            "document_type", "document_id"
        ).get(pk=request_id)
    except ApprovalRequest.DoesNotExist:
        raise NotVisible() from None
    return document_model(document_type).objects.select_for_update().get(pk=document_id)


def _lock(request_id: int) -> tuple[ApprovalRequest, ApprovableDocument]:
    """Lock the document, then its request."""
    document = _document_of(request_id)
    request = ApprovalRequest.objects.select_for_update().get(pk=request_id)
    return request, document


def _lock_with_steps(request_id: int) -> tuple[ApprovalRequest, ApprovableDocument, list]:
    """Lock the document, then the request — read with its steps in the same query, each step
    annotated with who decided it (`decided_by`, `decided_for`: user and on-behalf-of of its
    approval or rejection; R21 allows one decision a step) and the rest of that decision, and
    the request with its requester: what the API answers with, in the same query (issue 14).
    The request's lock keeps them current: every write to a request's steps or decisions
    holds it."""
    document = _document_of(request_id)
    steps = list(
        RequestStep.objects.filter(request_id=request_id)
        .annotate(
            decision=FilteredRelation(
                "decisions",
                condition=Q(decisions__decision__in=[DecisionKind.APPROVED, DecisionKind.REJECTED]),
            ),
            decided_by=F("decision__user_id"),
            decided_for=F("decision__on_behalf_of_id"),
            decision_pk=F("decision__id"),
            decision_kind=F("decision__decision"),
            decision_role=F("decision__role"),
            decision_comment=F("decision__comment"),
            decision_at=F("decision__decided_at"),
            decided_by_name=F("decision__user__username"),
            decided_for_name=F("decision__on_behalf_of__username"),
        )
        .select_related("request__requested_by")
        .select_for_update(of=("request",))
        .order_by("sequence", "role")
    )
    if steps:
        request = steps[0].request
        for step in steps:
            step.request = request  # one object, not a copy per row
    else:  # approved when it opened (no step applied): decide() refuses it below
        request = ApprovalRequest.objects.select_for_update().get(pk=request_id)
    return request, document, steps


def _choose_step(*, request: ApprovalRequest, steps: list, actor: "User", role: str | None):
    """The open step the actor may decide, as (step, on_behalf_of_id) — R21."""
    if actor.pk == request.requested_by_id:
        raise PermissionRefused(
            "self_approval_forbidden", _("You cannot approve a document you submitted.")
        )
    decided = [(s.decided_by, s.decided_for) for s in steps if s.decided_by is not None]
    if any(actor.pk in pair for pair in decided):
        raise PermissionRefused(
            "duplicate_approver", _("You have already decided a step of this request.")
        )
    open_steps = [s for s in steps if s.status == StepStatus.OPEN]
    if role:
        open_steps = [s for s in open_steps if s.role == role]
    own = user_roles(actor)
    for step in open_steps:
        if step.role in own:
            return step, None
    if open_steps:
        # The actor's delegations for the open roles, in one query; per role the latest first.
        delegators: dict[str, int] = {}
        for delegated_role, delegator_id in (
            delegations_active(actor)
            .filter(role__in={s.role for s in open_steps})
            .order_by("-valid_from", "pk")
            .values_list("role", "delegator_id")
        ):
            delegators.setdefault(delegated_role, delegator_id)
        deciders = {uid for pair in decided for uid in pair if uid}
        for step in open_steps:
            delegator_id = delegators.get(step.role)
            if delegator_id is None:
                continue
            if delegator_id == request.requested_by_id:
                raise PermissionRefused(
                    "self_approval_forbidden",
                    _("You cannot approve, on behalf of its author, a document they submitted."),
                )
            if delegator_id in deciders:
                raise PermissionRefused(
                    "duplicate_approver",
                    _("The person you stand in for has already decided a step of this request."),
                )
            return step, delegator_id
    raise PermissionRefused("not_your_step", _("No open step of this request is yours to decide."))


def _set_statuses(
    steps: list, first_pk: int, first_status: str, others: list[int], other_status: str
) -> None:
    """One UPDATE for the decided step and the steps it opens or closes (and the same on the
    loaded `steps`)."""
    for step in steps:
        if step.pk == first_pk:
            step.status = first_status
        elif step.pk in others:
            step.status = other_status
    if not others:
        RequestStep.objects.filter(pk=first_pk).update(status=first_status)
        return
    RequestStep.objects.filter(pk__in=[first_pk, *others]).update(
        status=Case(When(pk=first_pk, then=Value(first_status)), default=Value(other_status))
    )


@transaction.atomic(durable=True)
def approval_decide(
    *,
    actor: "User",
    request_id: int,
    approve: bool,
    comment: str = "",
    role: str | None = None,
    ip_address: str | None = None,
) -> ApprovalRequest:
    """Approve or reject the actor's open step of a request (R21).

    Approving the last step of a sequence opens the next; approving the last step of the
    request approves it and moves the document on. A rejection closes the request and returns
    the document to its author in draft with the comment.

    Queries (issue 14), the actor's roles once known: the request's document, the document
    locked, the request locked with its steps and their deciders, the decision, the steps' new
    statuses in one update, the request's (not for a co-signer whose partner has yet to sign);
    then what the document's own hook does on the last step or a rejection.
    """
    comment = (comment or "").strip()
    if not approve and not comment:
        raise InvalidInput(errors={"comment": [_("Say why the document is rejected.")]})
    request, document, steps = _lock_with_steps(request_id)
    if request.status != RequestStatus.PENDING:
        raise RuleViolation(
            "invalid_transition",
            detail=_("This request is already %(status)s.")
            % {"status": request.get_status_display()},
        )
    step, on_behalf_of_id = _choose_step(request=request, steps=steps, actor=actor, role=role)
    decision = Decision.objects.create(
        request=request,
        step=step,
        user=actor,
        role=step.role,
        on_behalf_of_id=on_behalf_of_id,
        decision=DecisionKind.APPROVED if approve else DecisionKind.REJECTED,
        comment=comment,
        ip_address=ip_address,
    )
    now = timezone.now()
    if not approve:
        unfinished = [
            s.pk
            for s in steps
            if s.pk != step.pk and s.status in {StepStatus.OPEN, StepStatus.WAITING}
        ]
        _set_statuses(steps, step.pk, StepStatus.REJECTED, unfinished, StepStatus.CLOSED)
        request.reject()
        request.closed_at = now
        request.save(update_fields=["status", "current_sequence", "closed_at"])
        with approval_held(document, request):
            document.approval_returned(request=request, actor=actor, comment=comment)
        _notify_returned(request.pk)
        return _decided(request, steps, decision)

    if any(s.status == StepStatus.OPEN for s in steps if s.pk != step.pk):
        _set_statuses(steps, step.pk, StepStatus.APPROVED, [], "")
        return _decided(request, steps, decision)  # a co-signer of this sequence has yet to sign
    following = min((s.sequence for s in steps if s.status == StepStatus.WAITING), default=None)
    if following is not None:
        opened = [s.pk for s in steps if s.status == StepStatus.WAITING and s.sequence == following]
        _set_statuses(steps, step.pk, StepStatus.APPROVED, opened, StepStatus.OPEN)
        request.current_sequence = following
        request.save(update_fields=["current_sequence"])
        _notify_step_opened(request.pk)
        return _decided(request, steps, decision)
    _set_statuses(steps, step.pk, StepStatus.APPROVED, [], "")
    request.approve()
    request.closed_at = now
    with approval_held(document, request):
        document.approval_granted(request=request, actor=actor)
    _save_approved(request)
    return _decided(request, steps, decision)


def _save_approved(request: ApprovalRequest) -> None:
    """The approved request in one UPDATE, after the document's hook: with the number the hook
    may have given the document (`request.document_number`, set by e.g. a contract numbered at
    activation), so that the inbox shows it without a second UPDATE (issue 14). The request row
    is locked since `_lock_with_steps`; the UPDATE still matches only a pending request, as
    the FSM save did, and a request the hook saved itself is fine (its status is still pending
    in the row)."""
    updated = ApprovalRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
        status=request.status,
        current_sequence=request.current_sequence,
        closed_at=request.closed_at,
        document_number=request.document_number,
    )
    if updated != 1:  # pragma: no cover - the row is locked: a broken invariant, not a race
        raise RuntimeError(f"approval request {request.pk} left `pending` under its lock")
    request._update_initial_state()  # a later save() of this object starts from `approved`


def _decided(request: ApprovalRequest, steps: list, decision: Decision) -> ApprovalRequest:
    """The request as it now stands, its open steps and every decision attached from the rows
    read under its lock and the decision just written (`approval_loaded`): the API answers
    without reading it again (issue 14). The earlier deciders carry their id and username
    only (what the API shows). A decision taken on someone's behalf leaves them unattached
    (the delegator's name was not read): the API then reads the answer afresh."""
    if decision.on_behalf_of_id is not None:
        return request
    user_model = Decision.user.field.related_model
    earlier = [
        Decision(
            pk=s.decision_pk,
            request=request,
            step_id=s.pk,
            user=user_model(pk=s.decided_by, username=s.decided_by_name),
            on_behalf_of=(
                user_model(pk=s.decided_for, username=s.decided_for_name) if s.decided_for else None
            ),
            role=s.decision_role,
            decision=s.decision_kind,
            comment=s.decision_comment,
            decided_at=s.decision_at,
        )
        for s in steps
        if s.decision_pk is not None and s.decision_pk != decision.pk
    ]
    return approval_loaded(
        request,
        open_steps=[s for s in steps if s.status == StepStatus.OPEN],
        decisions=[*earlier, decision],
    )


@transaction.atomic(durable=True)
def approval_withdraw(*, actor: "User", request_id: int, comment: str = "") -> ApprovalRequest:
    """The author takes a pending request back; the document returns to draft."""
    return _withdraw(actor=actor, request_id=request_id, comment=comment)


def _withdraw(*, actor: "User", request_id: int, comment: str) -> ApprovalRequest:
    request, document = _lock(request_id)
    if actor.pk not in {request.requested_by_id, document.approval_author().pk}:
        raise PermissionRefused(detail=_("Only the author may withdraw a request."))
    if request.status != RequestStatus.PENDING:
        raise RuleViolation(
            "invalid_transition",
            detail=_("This request is already %(status)s.")
            % {"status": request.get_status_display()},
        )
    Decision.objects.create(
        request=request, user=actor, decision=DecisionKind.WITHDRAWN, comment=comment.strip()
    )
    request.steps.filter(status__in=[StepStatus.OPEN, StepStatus.WAITING]).update(
        status=StepStatus.CLOSED
    )
    request.withdraw()
    request.closed_at = timezone.now()
    request.save()
    with approval_held(document, request):
        document.approval_returned(request=request, actor=actor, comment=comment.strip())
    return request


@transaction.atomic
def approval_withdraw_document(
    *, actor: "User", document: ApprovableDocument, comment: str = ""
) -> ApprovalRequest:
    """Withdraw the pending request of a document (the author's Withdraw button), inside the
    transaction of the document's service when there is one (`contract_withdraw`, sales'
    `order_cancel`); not durable for that reason."""
    request = ApprovalRequest.objects.filter(
        document_type=str(document.approval_document_type),
        document_id=document.pk,
        status=RequestStatus.PENDING,
    ).first()
    if request is None:
        raise RuleViolation(
            "invalid_transition", detail=_("This document is not waiting for approval.")
        )
    return _withdraw(actor=actor, request_id=request.pk, comment=comment)


def approval_lapse_document(*, document: ApprovableDocument) -> ApprovalRequest | None:
    """Close the pending request of a document that lapsed on its own (a shipping notice past
    its validity, R12), inside the caller's transaction with the document locked. No one
    decided, so no decision is recorded (R21 keeps only people's decisions): the request is
    closed as withdrawn, its open steps leave the inboxes, and the document is not called
    back — its own service moves it (e.g. to `expired`). None when nothing was pending."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("approval_lapse_document() runs inside the document's transaction")
    request = (
        ApprovalRequest.objects.select_for_update()
        .filter(
            document_type=str(document.approval_document_type),
            document_id=document.pk,
            status=RequestStatus.PENDING,
        )
        .first()
    )
    if request is None:
        return None
    request.steps.filter(status__in=[StepStatus.OPEN, StepStatus.WAITING]).update(
        status=StepStatus.CLOSED
    )
    request.withdraw()
    request.closed_at = timezone.now()
    request.save()
    return request
