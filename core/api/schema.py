"""The OpenAPI schema tells the whole truth (issue 16): every operation lists the error answers
it can give, each with the one error body of API.md (`Error`: {"code", "detail", "errors"}),
and every request body is exact — a field it does not list is refused with a 400 naming it
(`core.api.serializers.StrictInput`), so request objects say `additionalProperties: false`.

drf-spectacular's postprocessing hook (`SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`), after its
own enum hook; schemathesis checks the schema against the running API
(tests/api_fuzz/)."""

ERROR = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "The body of every error answer (API.md).",
    "properties": {
        "code": {"type": "string", "description": "A stable code: invalid, not_found, …"},
        "detail": {"type": "string", "description": "A sentence in the caller's language."},
        "errors": {
            "type": "object",
            "description": 'Messages by field: {"lines.0.quantity": ["…"]} (may be empty).',
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["code", "detail", "errors"],
    "additionalProperties": False,
}
DESCRIPTIONS = {
    "400": "`invalid`: malformed or missing input; `errors` names each field.",
    "401": "`not_authenticated` / `authentication_failed`: no, bad or expired credentials.",
    "403": "`permission_denied` and the approval codes: the role, ownership or approval rules.",
    "404": "`not_found`: the object in the URL (or the page) is unknown or not visible (R23).",
    "409": "The rule's code: a business rule or the document's state refuses it.",
    "415": "`unsupported_media_type`: a body in a media type the operation does not read.",
    "422": "`idempotency_key_reused`: the same `Idempotency-Key` with another body.",
    "429": "`too_many_attempts`: too many failed logins for this username from this address.",
}
WRITES = ("post", "put", "patch", "delete")
TOKEN_PATH = "/api/v1/auth/token/"


def error_statuses(path: str, method: str, operation: dict) -> list[str]:
    """The 4xx answers `method path` can give."""
    if path == TOKEN_PATH:
        return ["400", "401", "429"] if method == "post" else ["401"]
    parameters = operation.get("parameters", [])
    query = [p for p in parameters if p.get("in") == "query"]
    in_path = [p for p in parameters if p.get("in") == "path"]
    statuses = ["401", "403"]
    # A malformed body or query parameter, or a path parameter that is not an id (`period`).
    textual = [p for p in in_path if p.get("schema", {}).get("type") == "string"]
    if query or operation.get("requestBody") or textual:
        statuses.append("400")
    if in_path or any(p["name"] == "page" for p in query):
        statuses.append("404")
    if operation.get("requestBody"):
        statuses.append("415")
    if method in WRITES:
        statuses.append("409")
    if method == "post":
        statuses.append("422")
    return sorted(statuses)


def _error_response(status: str) -> dict:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR}"}}},
    }


def _request_components(result: dict) -> set[str]:
    """The names of the component schemas that are request bodies (drf-spectacular's
    COMPONENT_SPLIT_REQUEST: `…Request`, `Patched…Request`), and those nested in them."""
    schemas = result.get("components", {}).get("schemas", {})
    prefix = "#/components/schemas/"
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix):
                name = ref[len(prefix) :]
                if name not in found:
                    found.add(name)
                    walk(schemas.get(name))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                walk(operation["requestBody"])
    return found


def error_responses(result, generator, request, public, **kwargs):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR] = ERROR_SCHEMA
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", *WRITES):
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(path, method, operation):
                responses.setdefault(status, _error_response(status))
    closed = _request_components(result) | {n for n in schemas if n.endswith("Request")}
    for name in closed:
        schema = schemas.get(name, {})
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
    return result
