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
