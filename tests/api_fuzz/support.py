"""What the fuzzing and its regression tests share: the schema as `/api/schema/` serves it, the
checks every answer must pass and the error body every 4xx must have (API.md)."""

import json

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ERROR_KEYS = {"code", "detail", "errors"}
_SCHEMA: dict = {}


def raw_schema() -> dict:
    """The schema `/api/schema/` serves, as JSON (built once per run)."""
    if not _SCHEMA:
        generated = SchemaGenerator().get_schema(request=None, public=True)
        _SCHEMA.update(json.loads(OpenApiJsonRenderer().render(generated)))
    return _SCHEMA


def token_header(user) -> dict:
    if user is None:
        return {}
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def error_body_problem(response) -> str | None:
    """What is wrong with a 4xx answer's body, if anything (API.md: one error body)."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"{response.status_code} without a JSON body: {response.content[:200]!r}"
    if not isinstance(body, dict) or set(body) != ERROR_KEYS:
        return f"{response.status_code} body is not {{code, detail, errors}}: {body!r:.300}"
    if not isinstance(body["code"], str) or not isinstance(body["detail"], str):
        return f"{response.status_code} code/detail are not strings: {body!r:.300}"
    errors = body["errors"]
    if not isinstance(errors, dict) or not all(
        isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values()
    ):
        return f"{response.status_code} errors is not {{field: [message]}}: {body!r:.300}"
    return None
