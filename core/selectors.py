"""The home page per role: a few cards of what the user works on, with counts."""

from django.urls import reverse
from django.utils.translation import gettext as _

from core.permissions import has_role, user_roles
from core.roles import Role


def home_cards(*, user) -> list[dict]:
    from inventory.selectors import warehouse_list
    from sales.selectors import customer_list, product_list

    roles = user_roles(user)
    cards: list[dict] = []
    if has_role(user, Role.SALES_CLERK) and not roles - {Role.SALES_CLERK.value}:
        cards.append(
            {
                "title": _("My customers"),
                "count": customer_list(user=user).count(),
                "url": reverse("customer-list"),
                "action": (_("New customer"), reverse("customer-create")),
            }
        )
    elif roles:
        cards.append(
            {
                "title": _("Customers"),
                "count": customer_list(user=user).count(),
                "url": reverse("customer-list"),
                "action": (_("New customer"), reverse("customer-create"))
                if has_role(
                    user,
                    Role.SALES_CLERK,
                    Role.SALES_MANAGER,
                    Role.SALES_HEAD,
                    Role.GENERAL_MANAGER,
                    Role.CREDIT_CONTROLLER,
                )
                else None,
            }
        )
    cards.append(
        {
            "title": _("Products"),
            "count": product_list(active=True).count(),
            "url": reverse("product-list"),
            "action": (_("New product"), reverse("product-create"))
            if has_role(user, Role.GENERAL_MANAGER)
            else None,
        }
    )
    if roles & {Role.WAREHOUSE, Role.GENERAL_MANAGER, Role.PRODUCTION, Role.QC, Role.PLANNER}:
        cards.append(
            {
                "title": _("Warehouses"),
                "count": warehouse_list(active=True).count(),
                "url": reverse("warehouse-list"),
                "action": None,
            }
        )
    return cards
