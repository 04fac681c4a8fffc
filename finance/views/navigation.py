"""What the finance app adds to the menu and the home page (`core.navigation`, `core.home`)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register_menu_entry
from core.roles import Role


def register() -> None:
    # Bank statements (issue 12 item 4): finance imports them; its VP and the GM read them.
    register_menu_entry(
        "bank-statement-list",
        label=_("Bank statements"),
        roles=(Role.FINANCE, Role.FINANCE_VP, Role.GENERAL_MANAGER),
        order=210,
        group="finance",
    )
