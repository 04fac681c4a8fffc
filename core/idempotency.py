"""`Idempotency-Key` on every API POST (API.md).

A retry with the same key and body returns the first response and writes nothing; the same
key with another body (or path) is refused with 422 `idempotency_key_reused`; while the first
request is still running a retry gets 409 `idempotency_key_in_progress`. Keys are per user and
kept `IDEMPOTENCY_KEY_TTL_HOURS` (at least 24 hours). 5xx, 401, 403 and 429 answers are
not kept, so they can be retried.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from core.api.errors import error_response
from core.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
# Not kept, so the retry runs again: server errors, and refusals of the caller's credentials
# or rate (a refusal writes nothing, so running it again is safe).
NOT_KEPT = frozenset({401, 403, 429, 500, 502, 503, 504})


def _caller(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    auth = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(auth) == 2 and auth[0].lower() == "token":
        token = Token.objects.select_related("user").filter(key=auth[1]).first()
        if token is not None and token.user.is_active:
            return token.user
    return None


def _expiry_cutoff():
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def idempotency_keys_purge() -> int:
    """Delete records older than the retention period; returns how many went."""
    deleted, _details = IdempotencyRecord.objects.filter(created_at__lt=_expiry_cutoff()).delete()
    return deleted


def _replay(record: IdempotencyRecord):
    from django.http import HttpResponse

    response = HttpResponse(
        bytes(record.body), status=record.status_code, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _fingerprint(request) -> str:
    """What makes two requests "the same": the path and the body. A multipart body (a file
    upload) is compared by its fields and files' names and contents, not its bytes: a client
    retrying picks a new random boundary, and the raw body of a large upload is never held."""
    digest = hashlib.sha256()
    digest.update(request.path.encode())
    digest.update(b"\0")
    if request.content_type == "multipart/form-data":
        for name, values in sorted(request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(repr((name, upload.name, upload.size)).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key.strip() or len(key) > MAX_KEY_LENGTH or "\x00" in key:
            return error_response(
                400,
                "invalid",
                _("The Idempotency-Key header is not valid."),
                {"Idempotency-Key": [_("Use 1 to 255 characters.")]},
            )
        user = _caller(request)
        if user is None:
            return self.get_response(request)  # the view answers 401

        fingerprint = _fingerprint(request)

        IdempotencyRecord.objects.filter(
            user=user, key=key, created_at__lt=_expiry_cutoff()
        ).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=user, key=key)
            if existing.fingerprint != fingerprint:
                return error_response(
                    422,
                    "idempotency_key_reused",
                    _("This Idempotency-Key was used with another request."),
                    {"Idempotency-Key": [_("Use a new key for a different request.")]},
                )
            if not existing.completed:
                return error_response(
                    409,
                    "idempotency_key_in_progress",
                    _("A request with this Idempotency-Key is still being processed."),
                )
            return _replay(existing)

        try:
            response = self.get_response(request)
        except BaseException:
            record.delete()
            raise
        if response.status_code in NOT_KEPT or getattr(response, "streaming", False):
            record.delete()
            return response
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")
        record.body = response.content
        record.save(update_fields=["status_code", "content_type", "body"])
        return response
