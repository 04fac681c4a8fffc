from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

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
