"""What the finance app adds to the menu, the home page and other apps' pages
(`core.navigation`, `core.home`). One menu group, "Finance": each page adds one row to
`register()`'s entries (url name, label, roles, order, group)."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards
from core.navigation import register_document_link, register_menu_entry, register_menu_group
from core.permissions import user_roles
from core.roles import Role
from finance.selectors import CUSTOMER_STATEMENT_READERS, JOURNAL_READERS

# Cash (R16–R18): finance keeps it; those who answer for it read it.
FINANCE = (Role.FINANCE, Role.FINANCE_VP, Role.GENERAL_MANAGER)
# Statements in the menu for finance and those who answer for customers; a clerk opens their
# customers' statements from the customer's page, so their short menu stays flat.
STATEMENT_MENU = tuple(role for role in CUSTOMER_STATEMENT_READERS if role != Role.SALES_CLERK)


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
        ("customer-statement", _("Statements of account"), STATEMENT_MENU, 300, "finance"),
        ("journal-list", _("Journal"), JOURNAL_READERS, 310, "finance"),
        ("trial-balance", _("Trial balance"), JOURNAL_READERS, 320, "finance"),
    ]
    for url_name, label, roles, order, group in entries:
        register_menu_entry(url_name, label=label, roles=roles, order=order, group=group)
    register_home_cards(home_cards)
    # The customer's page links to its statement (sales does not import finance).
    register_document_link(
        "customer",
        "customer-statement-for",
        label=_("Statement of account"),
        roles=CUSTOMER_STATEMENT_READERS,
        order=10,
    )
