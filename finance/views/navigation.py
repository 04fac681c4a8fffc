"""What the finance app adds to the menu and the home page (`core.navigation`, `core.home`):
the aging report and the litigation follow-up (R18). The overdue card is the contracts app's
("Contracts overdue"), not repeated here."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards, yuan
from core.navigation import register_menu_entry, register_menu_group
from core.permissions import has_role, user_roles
from core.roles import Role


def home_cards(user) -> list[dict]:
    from finance.selectors import LITIGATION_ROLES, aging_report, litigation_summary

    cards = []
    if has_role(user, *LITIGATION_ROLES):
        summary = litigation_summary(user=user)
        cards.append(
            {
                "title": gettext("Litigation follow-up"),
                "count": summary["cases"],
                "figure": yuan(summary["amount"]),
                "url": reverse("litigation-list"),
                "action": None,
            }
        )
    elif user_roles(user) == {Role.SALES_CLERK.value}:
        # The clerk's way to their customers' aging (R23), their menu being kept short.
        report = aging_report(user=user)
        cards.append(
            {
                "title": gettext("Receivables of my customers"),
                "count": len(report["customers"]),
                "figure": yuan(report["total"]),
                "url": reverse("aging-report"),
                "action": None,
            }
        )
    return cards


def register() -> None:
    from finance.selectors import AGING_READERS, LITIGATION_ROLES

    register_menu_group("finance", label=pgettext_lazy("menu", "Finance"))
    # A clerk's menu stays flat (core.navigation.FLAT_MENU_MAX): clerks reach their customers'
    # aging (R23) from their home card.
    readers = [role for role in AGING_READERS if role != Role.SALES_CLERK]
    register_menu_entry("aging-report", label=_("Aging"), roles=readers, order=200, group="finance")
    register_menu_entry(
        "litigation-list",
        label=_("Litigation"),
        roles=LITIGATION_ROLES,
        order=210,
        group="finance",
    )
    register_home_cards(home_cards)
