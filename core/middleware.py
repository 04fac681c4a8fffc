from django.shortcuts import render

from core.errors import DomainError


class DomainErrorPageMiddleware:
    """A service refusal that a page did not handle itself is shown as a page with its status
    (403, 404, 409, ...) and the refusal's sentence, never as a server error. The API has its
    own handler (core.api.errors)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        template = "404.html" if exception.status_code == 404 else "core/refused.html"
        return render(request, template, {"error": exception}, status=exception.status_code)


class NulInputMiddleware:
    """R25 for a character no field can hold: PostgreSQL text cannot store NUL (0x00), so a
    query parameter, form field or JSON string containing one would fail deep in a query.
    It is refused up front — 400 `invalid` naming the field, for the API and the pages alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._field_with_nul(request)
        if field is None:
            return self.get_response(request)
        from django.utils.translation import gettext as _

        from core.api.errors import error_response, is_api_request
        from core.errors import InvalidInput

        message = _("Remove the NUL (0x00) character.")
        if is_api_request(request):
            return error_response(
                400, "invalid", str(InvalidInput.default_detail), {field: [message]}
            )
        error = InvalidInput(errors={field: [message]})
        return render(request, "core/refused.html", {"error": error}, status=400)

    @staticmethod
    def _field_with_nul(request) -> str | None:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return name.replace("\x00", "")
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, values in request.POST.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return name.replace("\x00", "")
        elif request.content_type == "application/json" and (
            b"\\u0000" in request.body or b"\x00" in request.body
        ):
            return "non_field_errors"
        return None
