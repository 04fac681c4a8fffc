"""What the finance app adds to the menu and the home page (`core.navigation`, `core.home`):
the aging report and the litigation follow-up (R18). The overdue card is the contracts app's
("Contracts overdue"), not repeated here."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards, yuan
from core.navigation import register_menu_entry, register_menu_group
from core.permissions import has_role


def home_cards(user) -> list[dict]:
    from finance.selectors import LITIGATION_ROLES, litigation_summary

    if not has_role(user, *LITIGATION_ROLES):
        return []
    summary = litigation_summary(user=user)
    return [
        {
            "title": gettext("Litigation follow-up"),
            "count": summary["cases"],
            "figure": yuan(summary["amount"]),
            "url": reverse("litigation-list"),
            "action": None,
        }
    ]


def register() -> None:
    from finance.selectors import AGING_READERS, LITIGATION_ROLES

    register_menu_group("finance", label=pgettext_lazy("menu", "Finance"))
    register_menu_entry(
        "aging-report", label=_("Aging"), roles=AGING_READERS, order=90, group="finance"
    )
    register_menu_entry(
        "litigation-list",
        label=_("Litigation"),
        roles=LITIGATION_ROLES,
        order=95,
        group="finance",
    )
    register_home_cards(home_cards)
