"""Login throttling (issue 16, item 6): django-axes counts failed logins on the login page, the
admin's and the API's token endpoint (`django.contrib.auth.authenticate` with the request), and
after `LOGIN_FAILURE_LIMIT` failures for one username from one address refuses that pair for
`LOGIN_LOCKOUT_MINUTES`. What a refused caller sees is decided here: the API's error body
(429 `too_many_attempts`) under /api/, the login page with the reason elsewhere."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_message() -> str:
    return _(
        "Too many failed logins for this user from this address; try again in %(minutes)s "
        "minutes or ask an administrator to unlock it."
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the refusal of a locked-out login, in the caller's language."""
    retry_after = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "too_many_attempts", "detail": lockout_message(), "errors": {}},
            status=429,
        )
    else:
        form = AuthenticationForm(request, data=request.POST or None)
        form.errors.clear()
        form.add_error(None, lockout_message())
        response = render(request, "registration/login.html", {"form": form}, status=429)
    response["Retry-After"] = retry_after
    return response


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' backend, first in AUTHENTICATION_BACKENDS. A login with no request to count it by
    (a management command, a test client's `login`) is not throttled — no remote caller can
    make one — rather than refused as axes does."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
