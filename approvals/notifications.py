"""Emails of the approval engine. Each is recorded in `Notification` before it is sent, so a
retried task sends nothing twice (tasks are idempotent, DESIGN §5)."""

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
    Delegation,
    Notification,
    RequestStatus,
    StepStatus,
)
from approvals.selectors import inbox_for

User = get_user_model()


def _claim(**key) -> bool:
    """Record the notification; False when it was already sent."""
    try:
        with transaction.atomic():
            Notification.objects.create(**key)
        return True
    except IntegrityError:
        return False


def _send(user, subject: str, template: str, context: dict) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {**context, "user": user})
        send_mail(str(subject), body, settings.DEFAULT_FROM_EMAIL, [user.email])


def approvers_of(request: ApprovalRequest):
    """Users who may decide an open step now: holders of its role and today's delegates,
    never the requester."""
    roles = list(request.steps.filter(status=StepStatus.OPEN).values_list("role", flat=True))
    today = timezone.localdate()
    delegates = (
        Delegation.objects.filter(
            role__in=roles, revoked_at__isnull=True, valid_from__lte=today, valid_to__gte=today
        )
        .exclude(delegator=request.requested_by_id)
        .values("delegate")
    )
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=roles) | Q(is_superuser=True) | Q(pk__in=delegates))
        .exclude(pk=request.requested_by_id)
        .exclude(email="")
        .distinct()
    )


def notify_step_opened(*, request_id: int) -> int:
    request = ApprovalRequest.objects.filter(pk=request_id).first()
    if request is None or request.status != RequestStatus.PENDING:
        return 0
    sent = 0
    for user in approvers_of(request):
        if _claim(
            kind=Notification.Kind.STEP_OPENED,
            user=user,
            request=request,
            sequence=request.current_sequence,
        ):
            _send(
                user,
                _subject(request),
                "approvals/email/step_opened.txt",
                {"request": request, "url": reverse("approval-detail", args=[request.pk])},
            )
            sent += 1
    return sent


def notify_returned(*, request_id: int) -> int:
    request = ApprovalRequest.objects.select_related("requested_by").filter(pk=request_id).first()
    if request is None or request.status not in {RequestStatus.REJECTED}:
        return 0
    author = request.requested_by
    if not author.email or not _claim(
        kind=Notification.Kind.RETURNED, user=author, request=request, sequence=0
    ):
        return 0
    decision = request.decisions.filter(decision="rejected").select_related("user").last()
    _send(
        author,
        _subject(request),
        "approvals/email/returned.txt",
        {"request": request, "decision": decision},
    )
    return 1


def send_daily_digest() -> int:
    """One email a day to each approver with items waiting for more than two days."""
    today = timezone.localdate()
    cutoff = timezone.now() - timedelta(days=2)
    stale = ApprovalRequest.objects.filter(status=RequestStatus.PENDING, created_at__lte=cutoff)
    if not stale.exists():
        return 0
    candidates = set()
    for request in stale.prefetch_related("steps"):
        candidates.update(approvers_of(request).values_list("pk", flat=True))
    sent = 0
    for user in User.objects.filter(pk__in=candidates).order_by("pk"):
        items = list(inbox_for(user=user, older_than_days=2))
        if items and _claim(kind=Notification.Kind.DIGEST, user=user, day=today):
            _send(
                user,
                _digest_subject(len(items)),
                "approvals/email/digest.txt",
                {"items": items, "url": reverse("approval-inbox")},
            )
            sent += 1
    return sent


def _subject(request: ApprovalRequest) -> str:
    from django.utils.translation import gettext as _

    with translation.override(settings.LANGUAGE_CODE):
        return _("[O2C] %(type)s %(number)s: approval") % {
            "type": request.get_document_type_display(),
            "number": request.document_number,
        }


def _digest_subject(count: int) -> str:
    from django.utils.translation import ngettext

    with translation.override(settings.LANGUAGE_CODE):
        return ngettext(
            "[O2C] %(count)d item waits for your approval for more than two days",
            "[O2C] %(count)d items wait for your approval for more than two days",
            count,
        ) % {"count": count}
