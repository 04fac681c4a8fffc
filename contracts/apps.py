from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from contracts.selectors import customer_overdue
        from contracts.views import navigation
        from sales.selectors import register_overdue_source

        register_overdue_source(customer_overdue)
        navigation.register()
        # The ledger's figures move by F() with the documents of later apps, which register
        # the moves they make (inventory: shipping notices).
        from contracts.models import ContractLedger
        from core.history import register_counters

        register_counters(ContractLedger, fields=ContractLedger.FIGURES)
