"""What the finance app adds to the menu and the home page (`core.navigation`, `core.home`)."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards
from core.navigation import register_menu_entry, register_menu_group
from core.permissions import user_roles
from core.roles import Role


def home_cards(user) -> list[dict]:
    """Finance's cards: the invoices to request — active contracts whose threshold is collected
    and whose gross is not all invoiced (R17) — and issued invoices still without their fapiao."""
    from finance.models import InvoiceStatus
    from finance.selectors import contracts_to_invoice, invoice_list

    if Role.FINANCE not in user_roles(user):
        return []
    new = reverse("invoice-create")
    invoices = reverse("invoice-list")
    return [
        {
            "title": gettext("Invoices to request"),
            "count": contracts_to_invoice(user=user).count(),
            "url": f"{new}#to-request",
            "action": (gettext("Request invoice"), new),
        },
        {
            "title": gettext("Issued invoices without a fapiao"),
            "count": invoice_list(user=user, status=InvoiceStatus.ISSUED, fapiao=False).count(),
            "url": f"{invoices}?status={InvoiceStatus.ISSUED}&fapiao=missing",
            "action": None,
        },
    ]


def register() -> None:
    # Who sees the invoices (R17): finance, its VP, the GM and sales (a clerk their own
    # customers' only, R23).
    from finance.selectors import INVOICE_READERS

    register_menu_group("finance", label=pgettext_lazy("menu", "Finance"))
    register_menu_entry(
        "invoice-list", label=_("Invoices"), roles=INVOICE_READERS, order=160, group="finance"
    )
    register_home_cards(home_cards)
