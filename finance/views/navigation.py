"""What the finance app adds to the menu, the home page and other apps' pages
(`core.navigation`, `core.home`). One menu group, "Finance": each page adds one row to
`ENTRIES` (url name, label, roles, order)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.navigation import register_document_link, register_menu_entry, register_menu_group
from core.roles import Role
from finance.selectors import JOURNAL_READERS, STATEMENT_READERS

# Statements in the menu for finance and those who answer for customers; a clerk opens their
# customers' statements from the customer's page, so their short menu stays flat.
STATEMENT_MENU = tuple(role for role in STATEMENT_READERS if role != Role.SALES_CLERK)

ENTRIES = [
    ("customer-statement", _("Statements of account"), STATEMENT_MENU, 300),
    ("journal-list", _("Journal"), JOURNAL_READERS, 310),
    ("trial-balance", _("Trial balance"), JOURNAL_READERS, 320),
]


def register() -> None:
    register_menu_group("finance", label=pgettext_lazy("menu", "Finance"))
    for url_name, label, roles, order in ENTRIES:
        register_menu_entry(url_name, label=label, roles=roles, order=order, group="finance")
    # The customer's page links to its statement (sales does not import finance).
    register_document_link(
        "customer",
        "customer-statement-for",
        label=_("Statement of account"),
        roles=STATEMENT_READERS,
        order=10,
    )
