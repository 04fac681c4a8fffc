from core.navigation import menu_for, menu_tree
from core.permissions import user_roles
from core.roles import Role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = menu_for(request)
    return {
        "nav_items": items,
        "nav_tree": menu_tree(items),
        "nav_roles": [Role(r).label for r in sorted(user_roles(user))],
    }
