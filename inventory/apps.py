from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from contracts.models import ContractLedger
        from core.history import register_counters
        from inventory.selectors import contract_ledger_moves
        from inventory.views import navigation

        navigation.register()
        register_counters(ContractLedger, moves=contract_ledger_moves)
