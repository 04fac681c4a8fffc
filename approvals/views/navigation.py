"""What the approvals app adds to the menu (`core.navigation`): the inbox and its badge."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register_badge, register_menu_entry
from core.roles import Role

# Roles that decide a step of some approval chain (DESIGN §2, R21): they get the inbox.
DECIDERS = (
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.GENERAL_MANAGER,
    Role.SALES_VP,
    Role.FINANCE,
    Role.FINANCE_VP,
    Role.CREDIT_CONTROLLER,
    Role.MARKETING_DIRECTOR,
)


def _inbox_badge(user, limit: int) -> int:
    from approvals.selectors import inbox_count

    return inbox_count(user=user, limit=limit)


def register() -> None:
    register_menu_entry("approval-inbox", label=_("Approvals"), roles=DECIDERS, order=10)
    # R22: what the user may decide now, beside the Approvals menu item.
    register_badge("approval-inbox", badge_id="nav-badge-approvals", count=_inbox_badge)
