from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from core.history import register_counters
        from sales.models import Customer
        from sales.selectors import customer_exposure_moves
        from sales.views import navigation

        navigation.register()
        # R3: exposure moves by F() with the orders; their history says so, not the customer's.
        register_counters(Customer, fields=("exposure",), moves=customer_exposure_moves)
