"""What the finance app adds to the menu and the home page (`core.navigation`, `core.home`):
receipts (R16), the aging report and the litigation follow-up (R18). The overdue card is the
contracts app's ("Contracts overdue"), not repeated here."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards, yuan
from core.navigation import register_menu_entry, register_menu_group
from core.permissions import has_role, user_roles
from core.roles import Role

# Cash (R16–R18): finance keeps it; those who answer for it read it.
FINANCE = (Role.FINANCE, Role.FINANCE_VP, Role.GENERAL_MANAGER)


def home_cards(user) -> list[dict]:
    """Finance's cards: receipts with money still on account, to allocate (R16); the invoices
    to request — active contracts whose threshold is collected and whose gross is not all
    invoiced (R17) — and issued invoices still without their fapiao; the litigation cases not
    closed (R18); a clerk's customers' receivables (R18, R23)."""
    from finance.models import InvoiceStatus
    from finance.selectors import (
        LITIGATION_ROLES,
        aging_report,
        contracts_to_invoice,
        invoice_list,
        litigation_summary,
        receipts_to_allocate,
    )

    cards: list[dict] = []
    if Role.FINANCE in user_roles(user):
        new_invoice = reverse("invoice-create")
        cards += [
            {
                "title": gettext("Receipts to allocate"),
                "count": receipts_to_allocate(user=user).count(),
                "url": f"{reverse('receipt-list')}?status=posted",
                "action": (gettext("New receipt"), reverse("receipt-create")),
            },
            {
                "title": gettext("Invoices to request"),
                "count": contracts_to_invoice(user=user).count(),
                "url": f"{new_invoice}#to-request",
                "action": (gettext("Request invoice"), new_invoice),
            },
            {
                "title": gettext("Issued invoices without a fapiao"),
                "count": invoice_list(user=user, status=InvoiceStatus.ISSUED, fapiao=False).count(),
                "url": f"{reverse('invoice-list')}?status={InvoiceStatus.ISSUED}&fapiao=missing",
                "action": None,
            },
        ]
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
    # Who has the invoices in the menu (R17): finance, its VP, the GM and sales management. A
    # clerk reads their own customers' invoices from the contract page (R23), and their menu
    # stays short enough to show flat.
    from finance.selectors import AGING_READERS, INVOICE_READERS, LITIGATION_ROLES

    invoices = tuple(r for r in INVOICE_READERS if r != Role.SALES_CLERK)
    register_menu_group("finance", label=pgettext_lazy("menu", "Finance"))
    # A clerk's menu stays flat (core.navigation.FLAT_MENU_MAX): clerks reach their customers'
    # aging (R23) from their home card.
    aging_readers = [role for role in AGING_READERS if role != Role.SALES_CLERK]
    entries = [
        ("receipt-list", _("Receipts"), FINANCE, 200, "finance"),
        ("bank-statement-list", _("Bank statements"), FINANCE, 210, "finance"),
        ("invoice-list", _("Invoices"), invoices, 220, "finance"),
        ("aging-report", _("Aging"), aging_readers, 230, "finance"),
        ("litigation-list", _("Litigation"), LITIGATION_ROLES, 240, "finance"),
    ]
    for url_name, label, roles, order, group in entries:
        register_menu_entry(url_name, label=label, roles=roles, order=order, group=group)
    register_home_cards(home_cards)
