"""What the contracts app adds to the menu and the home page (`core.navigation`, `core.home`):
the contracts, and the overdue receivables for those who chase or answer for them (R18)."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards, yuan
from core.navigation import register_menu_entry
from core.permissions import has_role
from core.roles import Role

# Who works with contracts (R8): clerks draft, the co-signers and executives read them.
CONTRACT_ROLES = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.FINANCE_VP,
)
# Who chases or answers for overdue receivables (R4, R18): a clerk sees their customers' only.
OVERDUE_ROLES = (*CONTRACT_ROLES, Role.CREDIT_CONTROLLER)


def home_cards(user) -> list[dict]:
    from contracts.selectors import overdue_summary

    if not has_role(user, *OVERDUE_ROLES):
        return []
    overdue = overdue_summary(user=user)
    return [
        {
            "title": gettext("Contracts overdue"),
            "count": overdue["contracts"],
            "figure": yuan(overdue["amount"]),
            "url": reverse("contract-ledger-list"),
            "action": None,
        }
    ]


def register() -> None:
    register_menu_entry("contract-list", label=_("Contracts"), roles=CONTRACT_ROLES, order=70)
    register_home_cards(home_cards)
