from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = pgettext_lazy("application", "Finance")
