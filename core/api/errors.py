"""Every API error has one body (API.md): {"code", "detail", "errors": {field: [message]}}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from core.errors import DomainError, InvalidInput

_DRF_CODES = {
    exceptions.ParseError: "invalid",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, detail: str, errors: dict | None = None) -> dict:
    return {"code": code, "detail": str(detail), "errors": errors or {}}


def error_response(status_code: int, code: str, detail: str, errors=None) -> JsonResponse:
    """The error body outside DRF's views, encoded as DRF's renderer encodes it: UTF-8, not
    `\\uXXXX` escapes, compact."""
    return JsonResponse(
        error_body(code, detail, errors),
        status=status_code,
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "lines.0.product": [...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" and not prefix else key
            out.update(flatten_errors(value, f"{prefix}.{name}" if prefix else str(name)))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, DjangoValidationError):
        exc = InvalidInput.from_django(exc)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.detail, exc.errors), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a 500: Django's handler500 answers with the same body
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{int(exc.wait)}"
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", _("The input is not valid."), flatten_errors(exc.detail))
    elif isinstance(exc, exceptions.ParseError):
        body = error_body(
            "invalid", _("Malformed request body: %(reason)s") % {"reason": exc.detail}
        )
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
        body = error_body(code or str(exc.default_code), str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


@csrf_exempt  # writes nothing: a POST to an unknown path is a 404, not a CSRF 403 page
def api_not_found(request, exception=None):
    return error_response(status.HTTP_404_NOT_FOUND, "not_found", _("Not found."))


def api_server_error(request):
    return error_response(
        status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error", _("Internal server error.")
    )
