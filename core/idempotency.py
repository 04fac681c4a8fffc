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
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api.authentication import request_token, token_key
from core.api.errors import error_response
from core.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
# Not kept, so the retry runs again: server errors, and refusals of the caller's credentials
# or rate (a refusal writes nothing, so running it again is safe).
NOT_KEPT = frozenset({401, 403, 429, 500, 502, 503, 504})


def _caller(request):
    """The user the view will see: the token's (DRF tries the token first), read once per
    request and shared with DRF's authentication; else the session's user."""
    key = token_key(request)
    if key is not None:
        token = request_token(request, key)
        return token.user if token is not None and token.user.is_active else None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
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


def _claim(user, key: str, fingerprint: str) -> bool:
    """Take the key for this request: one `INSERT … ON CONFLICT DO NOTHING`, no read first and
    no savepoint (a conflict is not an error, so it is safe inside a transaction too). False
    when the key is taken already."""
    record = IdempotencyRecord(user=user, key=key, fingerprint=fingerprint, status_code=None)
    record.created_at = timezone.now()
    fields = [IdempotencyRecord._meta.get_field(name) for name in _CLAIM_FIELDS]
    params = [field.get_db_prep_save(field.pre_save(record, False), connection) for field in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(IdempotencyRecord._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote('user_id')}, {quote('key')}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _holder(user, key: str) -> IdempotencyRecord | None:
    """The record holding a key that could not be claimed; one older than the retention
    period no longer counts: it is removed and None returned, so the key is taken anew."""
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None and existing.created_at < _expiry_cutoff():
        IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
        return None
    return existing


_CLAIM_FIELDS = ("user", "key", "fingerprint", "status_code", "content_type", "body", "created_at")


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

        claimed, existing = _claim(user, key, fingerprint), None
        if not claimed:
            existing = _holder(user, key)
            if existing is None:  # expired (now removed) or just let go: take it anew
                claimed = _claim(user, key, fingerprint)
                existing = None if claimed else _holder(user, key)
        if not claimed:
            if existing is None:  # let go again meanwhile: the client may retry
                return error_response(
                    409,
                    "idempotency_key_in_progress",
                    _("A request with this Idempotency-Key is still being processed."),
                )
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

        mine = IdempotencyRecord.objects.filter(user=user, key=key, status_code__isnull=True)
        try:
            response = self.get_response(request)
        except BaseException:
            mine.delete()
            raise
        if response.status_code in NOT_KEPT or getattr(response, "streaming", False):
            mine.delete()
            return response
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        mine.update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
        )
        return response
