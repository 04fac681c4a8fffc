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
        from finance.views import navigation
        from inventory.signals import delivery_confirmed

        navigation.register()

        delivery_confirmed.connect(_book_delivery, dispatch_uid="finance.book_delivery")
        navigation.register()
