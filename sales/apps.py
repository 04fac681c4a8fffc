from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def home_cards(user) -> list[dict]:
    """The home page's sales cards (`core.home`): the customers the user sees — "My customers"
    for a clerk and nothing else (R23) — and the active products."""
    from core.permissions import has_role, user_roles
    from core.roles import Role
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


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from core.home import register_home_cards

        register_home_cards(home_cards)
