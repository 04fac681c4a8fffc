from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core.navigation import register_menu_entry

        register_menu_entry("home", label=_("Home"), roles=None, order=0)
