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
_CONTRACTS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.FINANCE_VP,
)
_CREDIT = (
    Role.SALES_MANAGER,
    Role.FINANCE,
    Role.GENERAL_MANAGER,
    Role.CREDIT_CONTROLLER,
)
_STOCK = (
    Role.GENERAL_MANAGER,
    Role.PLANNER,
    Role.PRODUCTION,
    Role.QC,
    Role.WAREHOUSE,
    Role.SECURITY,
)
# Roles that work with orders (R7): who enters them, who approves or releases them, finance.
_ORDERS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.CREDIT_CONTROLLER,
)
# Fulfilment (R10–R15): who prepares, signs, receives, issues and lets out the goods.
_PRODUCTION = (Role.PLANNER, Role.SALES_VP, Role.PRODUCTION, Role.GENERAL_MANAGER)
_RECEIPTS = (Role.PRODUCTION, Role.QC, Role.PLANNER, Role.WAREHOUSE, Role.GENERAL_MANAGER)
_SHIPPING = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.WAREHOUSE,
)
_DISPATCH = (Role.SALES_CLERK, Role.SALES_MANAGER, Role.SALES_HEAD, Role.GENERAL_MANAGER)
# Roles that decide a step of some approval chain (DESIGN §2, R21): they get the inbox.
_DECIDERS = (
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.GENERAL_MANAGER,
    Role.SALES_VP,
    Role.FINANCE,
    Role.FINANCE_VP,
    Role.CREDIT_CONTROLLER,
    Role.MARKETING_DIRECTOR,
)

# (label, url name, roles that see it; None = every signed-in user). The menu shows each role
# its work; it is not a permission (services check rights, R23 filters what a list shows).
NAVIGATION = [
    (_("Home"), "home", None),
    (_("Approvals"), "approval-inbox", _DECIDERS),
    (_("Customers"), "customer-list", _SALES_AND_FINANCE),
    (_("Orders"), "order-list", _ORDERS),
    (_("Credit changes"), "credit-change-list", _CREDIT),
    (_("Products"), "product-list", None),
    (_("Price lists"), "price-list-list", _SALES_AND_FINANCE),
    (_("Contracts"), "contract-list", _CONTRACTS),
    (_("Production notices"), "production-notice-list", _PRODUCTION),
    (_("Goods receipts"), "goods-receipt-list", _RECEIPTS),
    (_("Shipping notices"), "shipping-notice-list", _SHIPPING),
    (_("Picking list"), "picking-list", (Role.WAREHOUSE,)),
    (_("Gate"), "gate-check", (Role.SECURITY,)),
    (_("Service dispatch"), "service-dispatch-list", _DISPATCH),
    (_("Stock"), "stock-list", _STOCK),
    (_("Warehouses"), "warehouse-list", _STOCK),
]


BADGE_CAP = 99


# A count beside a menu item: url name -> (id of the badge element, count). The id lets a page
# update the badge in place (htmx hx-swap-oob). Core knows no document (DESIGN §5): the app that
# owns the count registers it in its AppConfig.ready().
BADGES: dict = {}


def register_badge(url_name: str, *, badge_id: str, count) -> None:
    """`count(user, limit) -> int` counts at most `limit`: the badge runs on every page, so a
    count must stop early rather than grow with the rows (bench/inbox.py)."""
    BADGES[url_name] = (badge_id, count)


def _badge(name: str, user) -> dict:
    if name not in BADGES:
        return {}
    badge_id, count = BADGES[name]
    value = count(user, BADGE_CAP + 1)
    shown = f"{BADGE_CAP}+" if value > BADGE_CAP else (str(value) if value else "")
    return {"badge_id": badge_id, "badge": shown}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    items = [
        {
            "label": label,
            "url": reverse(name),
            "active": request.path == reverse(name),
            **_badge(name, user),
        }
        for label, name, needed in NAVIGATION
        if needed is None or roles & {str(r) for r in needed}
    ]
    return {
        "nav_items": items,
        "nav_roles": [Role(r).label for r in sorted(roles)],
    }
