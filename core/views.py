from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from core.home import home_cards
from core.permissions import user_roles
from core.roles import Role


@login_required
def home(request):
    roles = user_roles(request.user)
    return render(
        request,
        "core/home.html",
        {
            "cards": home_cards(user=request.user),
            "role_labels": [Role(r).label for r in sorted(roles)],
        },
    )


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


@cache_control(max_age=7 * 24 * 3600, public=True)
def favicon(request):
    """`/favicon.ico`, which browsers ask for whatever the page links: the icon itself, so
    they log no 404 (the pages link `static/favicon.svg`)."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
