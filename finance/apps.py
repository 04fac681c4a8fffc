from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


def _book_delivery(sender, **event) -> None:
    """R14: revenue and the receivable are posted in the signed delivery's transaction, and
    what the contract collected in advance is applied to it (R16)."""
    from finance.services import delivery_advance_apply, delivery_revenue_post

    delivery_revenue_post(**event)
    delivery_advance_apply(**event)


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = pgettext_lazy("application", "Finance")

    def ready(self) -> None:
        from contracts.models import ContractLedger
        from contracts.selectors import register_interest_accrued_source
        from core.history import register_counters
        from finance.selectors import contract_interest_accrued, contract_ledger_invoice_moves
        from finance.views import navigation
        from inventory.signals import delivery_confirmed

        navigation.register()

        delivery_confirmed.connect(_book_delivery, dispatch_uid="finance.book_delivery")
        # R18: the contract ledger shows the interest accrued since the last posting live.
        register_interest_accrued_source(contract_interest_accrued)
        navigation.register()
        # The ledger's `invoiced` moves with the invoices issued (R17): its history shows them.
        register_counters(ContractLedger, moves=contract_ledger_invoice_moves)
