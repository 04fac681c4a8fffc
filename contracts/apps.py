from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

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


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from contracts.selectors import customer_overdue
        from core.navigation import register_menu_entry
        from sales.selectors import register_overdue_source

        register_overdue_source(customer_overdue)
        register_menu_entry("contract-list", label=_("Contracts"), roles=CONTRACT_ROLES, order=70)
