"""Token authentication read once per request (issue 14).

The idempotency middleware needs the caller before the view runs (keys are per user), and DRF's
`TokenAuthentication` reads the token again in the view. Both ask `request_token()`: the token,
its user and the user's roles come back in one query, kept on the request, so a call with a
token costs one query for who is calling instead of three (token in the middleware, token in
DRF, the user's groups in the first `require_role`). That query is one fixed statement sent
through a cursor, not a queryset: the ORM compiled it again on every request, a fifth of the
cost of authenticating (issue 14). The token and the user come back as the ORM makes them.

Everything else is DRF's: the header's parsing, `WWW-Authenticate: Token`, and every refusal
(an unknown token or an inactive user is handed to DRF's own check, which answers its 401).
"""

import json
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from core.permissions import roles_remember

_CACHE_ATTR = "_o2c_token"

# The user's group names as a JSON array, beside the token and its user. Vendors without an
# aggregate here leave the roles to `user_roles` (one query when first asked).
_GROUP_NAMES_SQL = {
    "postgresql": "SELECT json_agg(g.name)::text",
    "sqlite": "SELECT json_group_array(g.name)",
}


def token_key(request) -> str | None:
    """The key of an `Authorization: Token <key>` header, as DRF reads it; None otherwise."""
    auth = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(auth) != 2 or auth[0].lower() != TokenAuthentication.keyword.lower():
        return None
    return auth[1]


class _Statement:
    """One fixed statement for the token, its user and (where the vendor aggregates) the
    user's group names: what `Token.objects.select_related("user")` reads, written once per
    database vendor rather than compiled by the ORM on every request (issue 14)."""

    def __init__(self, connection):
        quote = connection.ops.quote_name
        self.user_model = Token._meta.get_field("user").related_model
        user_meta, token_meta = self.user_model._meta, Token._meta
        groups = user_meta.get_field("groups")
        group_meta, through_meta = groups.related_model._meta, groups.remote_field.through._meta
        token_table, user_table = quote(token_meta.db_table), quote(user_meta.db_table)
        token_user = f"{token_table}.{quote(token_meta.get_field('user').column)}"
        self.token_fields = token_meta.concrete_fields
        self.user_fields = user_meta.concrete_fields
        columns = [f"{token_table}.{quote(f.column)}" for f in self.token_fields]
        columns += [f"{user_table}.{quote(f.column)}" for f in self.user_fields]
        aggregate = _GROUP_NAMES_SQL.get(connection.vendor)
        self.with_roles = aggregate is not None
        if self.with_roles:
            name = quote(group_meta.get_field("name").column)
            columns.append(
                f"({aggregate.replace('g.name', f'g.{name}')} "
                f"FROM {quote(group_meta.db_table)} g INNER JOIN {quote(through_meta.db_table)} "
                f"ug ON ug.{quote(groups.m2m_reverse_name())} = g.{quote(group_meta.pk.column)} "
                f"WHERE ug.{quote(groups.m2m_column_name())} = {token_user})"
            )
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {token_table} INNER JOIN {user_table} "
            f"ON ({token_user} = {user_table}.{quote(user_meta.pk.column)}) "
            f"WHERE {token_table}.{quote(token_meta.pk.column)} = %s LIMIT 1"
        )
        # The columns whose values the vendor's driver does not give as the ORM would (SQLite's
        # booleans and datetimes): converted as the ORM converts them. None on PostgreSQL.
        self.converted = [
            (position, col)
            for position, col in enumerate(
                [f.get_col(token_meta.db_table) for f in self.token_fields]
                + [f.get_col(user_meta.db_table) for f in self.user_fields]
            )
            if connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        ]


_STATEMENTS: dict[str, _Statement] = {}


def _token_with_roles(key: str) -> Token | None:
    alias = router.db_for_read(Token)
    connection = connections[alias]
    statement = _STATEMENTS.get(connection.vendor)
    if statement is None:
        statement = _STATEMENTS[connection.vendor] = _Statement(connection)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for position, col in statement.converted:
        for converter in connection.ops.get_db_converters(col) + col.get_db_converters(connection):
            values[position] = converter(values[position], col, connection)
    width, user_width = len(statement.token_fields), len(statement.user_fields)
    # As the ORM makes them (`from_db`), and as `select_related("user")` leaves them: the user
    # cached on the token, the token on the user.
    token = Token.from_db(alias, [f.attname for f in statement.token_fields], values[:width])
    user = statement.user_model.from_db(
        alias, [f.attname for f in statement.user_fields], values[width : width + user_width]
    )
    user_field = Token._meta.get_field("user")
    user_field.set_cached_value(token, user)
    user_field.remote_field.set_cached_value(user, token)
    if statement.with_roles:
        names = values[width + user_width]
        roles_remember(user, json.loads(names) if names else [])
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


def token_expires_at(token: Token):
    """When `token` stops being accepted: `API_TOKEN_TTL_HOURS` after it was issued (issue 16);
    a new `POST auth/token/` then issues another."""
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_expired(token: Token) -> bool:
    return token_expires_at(token) <= timezone.now()


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication through `request_token` (one query, shared with the
    idempotency middleware); an expired token is a 401 that says so."""

    def authenticate(self, request):
        self._http_request = request._request
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        http_request = getattr(self, "_http_request", None)
        token = request_token(http_request, key) if http_request is not None else None
        if token is None or not token.user.is_active:
            return super().authenticate_credentials(key)  # DRF's own 401
        if token_expired(token):
            raise exceptions.AuthenticationFailed(
                _("The token has expired; ask for a new one at auth/token/.")
            )
        return (token.user, token)
