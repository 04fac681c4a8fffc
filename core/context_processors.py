from core.navigation import menu_for
from core.permissions import user_roles
from core.roles import Role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": menu_for(request),
        "nav_roles": [Role(r).label for r in sorted(user_roles(user))],
    }
