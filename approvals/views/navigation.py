"""What the approvals app adds to the menu and the home page (`core.navigation`, `core.home`):
the inbox, its badge, and a card of what waits for the user's decision."""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards
from core.navigation import register_badge, register_menu_entry
from core.permissions import has_role
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


def home_cards(user) -> list[dict]:
    """R22 on the home page: for every decider, what waits for their decision, per document
    type (a delegate sees what was delegated to them too)."""
    from approvals.selectors import inbox_by_type

    if not has_role(user, *DECIDERS):
        return []
    per_type = inbox_by_type(user=user)
    return [
        {
            "title": gettext("Waiting for your decision"),
            "count": sum(n for _label, n in per_type),
            "url": reverse("approval-inbox"),
            "action": None,
            "chart": [{"label": str(label), "value": n, "text": str(n)} for label, n in per_type],
        }
    ]


def register() -> None:
    register_menu_entry("approval-inbox", label=_("Approvals"), roles=DECIDERS, order=10)
    # R22: what the user may decide now, beside the Approvals menu item.
    register_badge("approval-inbox", badge_id="nav-badge-approvals", count=_inbox_badge)
    register_home_cards(home_cards)
