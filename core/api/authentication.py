"""Token authentication read once per request (issue 14).

The idempotency middleware needs the caller before the view runs (keys are per user), and DRF's
`TokenAuthentication` reads the token again in the view. Both ask `request_token()`: the token,
its user and the user's roles come back in one query, kept on the request, so a call with a
token costs one query for who is calling instead of three (token in the middleware, token in
DRF, the user's groups in the first `require_role`).

Everything else is DRF's: the header's parsing, `WWW-Authenticate: Token`, and every refusal
(an unknown token or an inactive user is handed to DRF's own check, which answers its 401).
"""

import json

from django.db import connection
from django.db.models.expressions import RawSQL
from rest_framework import authentication
from rest_framework.authtoken.models import Token

from core.permissions import roles_remember

_CACHE_ATTR = "_o2c_token"

# The user's group names as a JSON array, in the token's query. Vendors without an
# aggregate here leave the roles to `user_roles` (one query when first asked).
_GROUP_NAMES_SQL = {
    "postgresql": (
        "SELECT json_agg(g.name)::text FROM auth_group g "
        "INNER JOIN auth_user_groups ug ON ug.group_id = g.id "
        'WHERE ug.user_id = "authtoken_token"."user_id"'
    ),
    "sqlite": (
        "SELECT json_group_array(g.name) FROM auth_group g "
        "INNER JOIN auth_user_groups ug ON ug.group_id = g.id "
        'WHERE ug.user_id = "authtoken_token"."user_id"'
    ),
}


def token_key(request) -> str | None:
    """The key of an `Authorization: Token <key>` header, as DRF reads it; None otherwise."""
    auth = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(auth) != 2 or auth[0].lower() != TokenAuthentication.keyword.lower():
        return None
    return auth[1]


def _token_with_roles(key: str) -> Token | None:
    queryset = Token.objects.select_related("user").filter(key=key)
    sql = _GROUP_NAMES_SQL.get(connection.vendor)
    if sql is not None:
        queryset = queryset.annotate(_group_names=RawSQL(f"({sql})", ()))
    token = next(iter(queryset[:1]), None)
    if token is not None and sql is not None:
        names = getattr(token, "_group_names", None)
        roles_remember(token.user, json.loads(names) if names else [])
    return token


def request_token(request, key: str) -> Token | None:
    """The token `key` with its user (and the user's roles cached on it), read at most once
    per request (`request` is Django's HttpRequest)."""
    cached = request.__dict__.get(_CACHE_ATTR)
    if cached is not None and cached[0] == key:
        return cached[1]
    token = _token_with_roles(key)
    request.__dict__[_CACHE_ATTR] = (key, token)
    return token


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication through `request_token` (one query, shared with the
    idempotency middleware)."""

    def authenticate(self, request):
        self._http_request = request._request
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        http_request = getattr(self, "_http_request", None)
        token = request_token(http_request, key) if http_request is not None else None
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's own 401
        return (token.user, token)
