from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core.navigation import register_menu_entry

        _history_manager_class_once()

        register_menu_entry("home", label=_("Home"), roles=None, order=0)


def _history_manager_class_once() -> None:
    """django-simple-history builds a new manager class (`from_queryset`, a `type()` call) each
    time `instance.history` is read — and it reads it for every history row it writes, ~0.5 ms
    each (issue 14). The class depends only on the descriptor, so it is built once per model."""
    from simple_history.manager import HistoryDescriptor

    def __get__(self, instance, owner):
        manager_class = self.__dict__.get("_o2c_manager_class")
        if manager_class is None:
            manager_class = self.manager_class.from_queryset(self.queryset_class)
            self._o2c_manager_class = manager_class
        return manager_class(self.model, instance)

    HistoryDescriptor.__get__ = __get__
