from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.permissions import user_roles
from core.roles import Role

_SALES_AND_FINANCE = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.GENERAL_MANAGER,
    Role.SALES_VP,
    Role.FINANCE,
    Role.FINANCE_VP,
    Role.CREDIT_CONTROLLER,
    Role.MARKETING_DIRECTOR,
)
_STOCK = (
    Role.GENERAL_MANAGER,
    Role.PLANNER,
    Role.PRODUCTION,
    Role.QC,
    Role.WAREHOUSE,
    Role.SECURITY,
)

# (label, url name, roles that see it; None = every signed-in user). The menu shows each role
# its work; it is not a permission (services check rights, R23 filters what a list shows).
NAVIGATION = [
    (_("Home"), "home", None),
    (_("Customers"), "customer-list", _SALES_AND_FINANCE),
    (_("Products"), "product-list", None),
    (_("Warehouses"), "warehouse-list", _STOCK),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    items = [
        {"label": label, "url": reverse(name), "active": request.path == reverse(name)}
        for label, name, needed in NAVIGATION
        if needed is None or roles & {str(r) for r in needed}
    ]
    return {
        "nav_items": items,
        "nav_roles": [Role(r).label for r in sorted(roles)],
    }
