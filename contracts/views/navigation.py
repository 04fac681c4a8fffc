"""What the contracts app adds to the menu (`core.navigation`); it has no home card."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register_menu_entry
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


def register() -> None:
    register_menu_entry("contract-list", label=_("Contracts"), roles=CONTRACT_ROLES, order=70)
