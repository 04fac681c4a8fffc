"""What the finance app adds to the menu and the home page (`core.navigation`, `core.home`)."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards
from core.navigation import register_menu_entry, register_menu_group
from core.permissions import user_roles
from core.roles import Role

# Cash (R16–R18): finance keeps it; those who answer for it read it.
FINANCE = (Role.FINANCE, Role.FINANCE_VP, Role.GENERAL_MANAGER)


def home_cards(user) -> list[dict]:
    """Finance's cards: receipts with money still on account, to allocate (R16)."""
    from finance.selectors import receipts_to_allocate

    cards: list[dict] = []
    if Role.FINANCE in user_roles(user):
        cards.append(
            {
                "title": gettext("Receipts to allocate"),
                "count": receipts_to_allocate(user=user).count(),
                "url": f"{reverse('receipt-list')}?status=posted",
                "action": (gettext("New receipt"), reverse("receipt-create")),
            }
        )
    return cards


def register() -> None:
    register_menu_group("finance", label=pgettext_lazy("menu", "Finance"))
    entries = [
        ("receipt-list", _("Receipts"), FINANCE, 200, "finance"),
        ("bank-statement-list", _("Bank statements"), FINANCE, 210, "finance"),
    ]
    for url_name, label, roles, order, group in entries:
        register_menu_entry(url_name, label=label, roles=roles, order=order, group=group)
    register_home_cards(home_cards)
