"""What the sales app adds to the menu and the home page (`core.navigation`, `core.home`)."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards
from core.navigation import register_menu_entry
from core.permissions import has_role, user_roles
from core.roles import Role

SALES_AND_FINANCE = (
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
# Roles that work with orders (R7): who enters them, who approves or releases them, finance.
ORDERS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.CREDIT_CONTROLLER,
)
# Who proposes or decides a credit change (R2).
CREDIT = (Role.SALES_MANAGER, Role.FINANCE, Role.GENERAL_MANAGER, Role.CREDIT_CONTROLLER)


def home_cards(user) -> list[dict]:
    """The home page's sales cards: the customers the user sees — "My customers" for a clerk
    and nothing else (R23) — and the active products."""
    from sales.selectors import customer_list, product_list

    roles = user_roles(user)
    cards: list[dict] = []
    if has_role(user, Role.SALES_CLERK) and not roles - {Role.SALES_CLERK.value}:
        cards.append(
            {
                "title": gettext("My customers"),
                "count": customer_list(user=user).count(),
                "url": reverse("customer-list"),
                "action": (gettext("New customer"), reverse("customer-create")),
            }
        )
    elif roles:
        may_create = has_role(
            user,
            Role.SALES_CLERK,
            Role.SALES_MANAGER,
            Role.SALES_HEAD,
            Role.GENERAL_MANAGER,
            Role.CREDIT_CONTROLLER,
        )
        cards.append(
            {
                "title": gettext("Customers"),
                "count": customer_list(user=user).count(),
                "url": reverse("customer-list"),
                "action": (gettext("New customer"), reverse("customer-create"))
                if may_create
                else None,
            }
        )
    cards.append(
        {
            "title": gettext("Products"),
            "count": product_list(active=True).count(),
            "url": reverse("product-list"),
            "action": (gettext("New product"), reverse("product-create"))
            if has_role(user, Role.GENERAL_MANAGER)
            else None,
        }
    )
    return cards


def register() -> None:
    register_menu_entry("customer-list", label=_("Customers"), roles=SALES_AND_FINANCE, order=20)
    register_menu_entry("order-list", label=_("Orders"), roles=ORDERS, order=30)
    register_menu_entry("credit-change-list", label=_("Credit changes"), roles=CREDIT, order=40)
    register_menu_entry("product-list", label=_("Products"), roles=None, order=50)
    register_menu_entry(
        "price-list-list", label=_("Price lists"), roles=SALES_AND_FINANCE, order=60
    )
    register_home_cards(home_cards)
