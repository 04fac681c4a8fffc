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
