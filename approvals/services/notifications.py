"""Emails of the approval engine (R22), sent by the Celery tasks of `approvals.tasks`, which the
engine queues with `transaction.on_commit` once a decision is committed: no mail leaves for a
decision that was rolled back. Each email is recorded in `Notification` in the short
transaction that sends it, so a retried task sends nothing twice and a send that failed is
sent by the retry (tasks are idempotent, DESIGN §5). Emails are in `LANGUAGE_CODE` (users have
no language of their own) and link to `SITE_URL`."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from approvals.models import (
    ApprovalRequest,
    Decision,
    DecisionKind,
    Delegation,
    Notification,
    RequestStatus,
    RequestStep,
    StepStatus,
)
from approvals.selectors import inbox_for
from core.roles import ALL_ROLES

User = get_user_model()
DIGEST_AFTER_DAYS = 2


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send_once(user, *, key: dict, subject: str, template: str, context: dict) -> bool:
    """Record the notification and send it in one transaction; False when it was already sent.
    A send that raises records nothing, so the task's retry sends it."""
    try:
        with transaction.atomic():
            Notification.objects.create(user=user, **key)
            with translation.override(settings.LANGUAGE_CODE):
                body = render_to_string(template, {**context, "user": user})
            send_mail(str(subject), body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except IntegrityError:
        return False
    return True


def _holders(roles):
    """Active users with an email who hold one of `roles`, as members, as superusers or as
    today's delegates; who among them may decide what is for `approvers_of` and `inbox_for`."""
    today = timezone.localdate()
    delegates = Delegation.objects.filter(
        role__in=roles, revoked_at__isnull=True, valid_from__lte=today, valid_to__gte=today
    ).values("delegate")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=roles) | Q(is_superuser=True) | Q(pk__in=delegates))
        .exclude(email="")
        .distinct()
    )


def approvers_of(request: ApprovalRequest, *, roles=None) -> list:
    """Users whose inbox shows the request now (R21/R22): holders of an open step's role or
    its delegates, never the requester nor who has already decided a step of it — in one
    query (issue 14), the same who as `approval_may_decide` asked user by user. `roles`: the
    open steps' roles when the caller has them."""
    if roles is None:
        roles = request.steps.filter(status=StepStatus.OPEN).values_list("role", flat=True)
    roles = set(roles)
    if not roles or request.status != RequestStatus.PENDING:
        return []
    today = timezone.localdate()
    # Who holds an open role: members of its group (roles are groups) and superusers (who hold
    # every role), or its delegates of today — but not a delegate of the requester (R21).
    held = sorted(roles & ALL_ROLES)
    members = User.groups.through.objects.filter(group__name__in=held).values("user_id")
    delegates = (
        Delegation.objects.filter(
            role__in=roles, revoked_at__isnull=True, valid_from__lte=today, valid_to__gte=today
        )
        .exclude(delegator_id=request.requested_by_id)
        .values("delegate_id")
    )
    holds = Q(pk__in=delegates)
    if held:
        holds |= Q(is_superuser=True) | Q(pk__in=members)
    decided = Decision.objects.filter(
        request_id=request.pk, decision__in=[DecisionKind.APPROVED, DecisionKind.REJECTED]
    ).values("user_id")
    return list(
        User.objects.filter(holds, is_active=True)
        .exclude(email="")
        .exclude(pk=request.requested_by_id)
        .exclude(pk__in=decided)
        .order_by("pk")
    )


def notify_step_opened(*, request_id: int) -> int:
    """Email the approvers of the open steps, once per step and person. Two queries (the open
    steps with their request and requester; the approvers), then one insert a recipient."""
    steps = list(
        RequestStep.objects.filter(
            request_id=request_id, status=StepStatus.OPEN, request__status=RequestStatus.PENDING
        ).select_related("request__requested_by")
    )
    if not steps:  # decided, withdrawn or gone since: nobody to tell
        return 0
    request = steps[0].request
    recipients = approvers_of(request, roles=[s.role for s in steps])
    if not recipients:
        return 0
    key = {
        "kind": Notification.Kind.STEP_OPENED,
        "request": request,
        "sequence": request.current_sequence,
    }
    context = {
        "request": request,
        "url": _absolute(reverse("approval-detail", args=[request.pk])),
    }
    subject = _subject(request)
    sent = 0
    for user in recipients:
        sent += _send_once(
            user,
            key=key,
            subject=subject,
            template="approvals/email/step_opened.txt",
            context=context,
        )
    return sent


def notify_returned(*, request_id: int) -> int:
    request = ApprovalRequest.objects.select_related("requested_by").filter(pk=request_id).first()
    if request is None or request.status not in {RequestStatus.REJECTED}:
        return 0
    author = request.requested_by
    if not author.email or not author.is_active:
        return 0
    decision = request.decisions.filter(decision="rejected").select_related("user").last()
    return int(
        _send_once(
            author,
            key={"kind": Notification.Kind.RETURNED, "request": request, "sequence": 0},
            subject=_subject(request),
            template="approvals/email/returned.txt",
            context={
                "request": request,
                "decision": decision,
                "url": _absolute(reverse("approval-detail", args=[request.pk])),
            },
        )
    )


def send_daily_digest() -> int:
    """One email a day to each approver with items waiting for more than two days."""
    today = timezone.localdate()
    cutoff = timezone.now() - timedelta(days=DIGEST_AFTER_DAYS)
    roles = set(
        RequestStep.objects.filter(
            status=StepStatus.OPEN,
            request__status=RequestStatus.PENDING,
            request__created_at__lte=cutoff,
        ).values_list("role", flat=True)
    )
    if not roles:
        return 0
    already = Notification.objects.filter(kind=Notification.Kind.DIGEST, day=today).values("user")
    sent = 0
    for user in _holders(roles).exclude(pk__in=already).order_by("pk"):
        items = list(inbox_for(user=user, older_than_days=DIGEST_AFTER_DAYS))
        if items:
            sent += _send_once(
                user,
                key={"kind": Notification.Kind.DIGEST, "day": today},
                subject=_digest_subject(len(items)),
                template="approvals/email/digest.txt",
                context={"items": items, "url": _absolute(reverse("approval-inbox"))},
            )
    return sent


def _subject(request: ApprovalRequest) -> str:
    from django.utils.translation import gettext as _

    with translation.override(settings.LANGUAGE_CODE):
        return _("[O2C] %(type)s %(number)s: approval") % {
            "type": request.get_document_type_display(),
            "number": request.display_number,
        }


def _digest_subject(count: int) -> str:
    from django.utils.translation import ngettext

    with translation.override(settings.LANGUAGE_CODE):
        return ngettext(
            "[O2C] %(count)d item waits for your approval for more than two days",
            "[O2C] %(count)d items wait for your approval for more than two days",
            count,
        ) % {"count": count}
