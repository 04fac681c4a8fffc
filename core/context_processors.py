from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.permissions import user_roles
from core.roles import Role

# (label, url name, roles that see it; None = every signed-in user)
NAVIGATION = [
    (_("Home"), "home", None),
    (_("Customers"), "customer-list", None),
    (_("Products"), "product-list", None),
    (_("Warehouses"), "warehouse-list", None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    items = [
        {"label": label, "url": reverse(name), "active": request.path == reverse(name)}
        for label, name, needed in NAVIGATION
        if needed is None or roles & set(needed)
    ]
    return {
        "nav_items": items,
        "nav_roles": [Role(r).label for r in sorted(roles)],
    }
