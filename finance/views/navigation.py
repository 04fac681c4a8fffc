"""What the finance app adds to the menu, the home page and other apps' pages
(`core.navigation`, `core.home`): receipts and bank statements (R16), invoices (R17), the aging
report and the litigation follow-up (R18), statements of account, the journal and the trial
balance. One menu group, "Finance": each page adds one row to `register()`'s entries. The
overdue card is the contracts app's ("Contracts overdue"), not repeated here."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards, yuan
from core.navigation import register_document_link, register_menu_entry, register_menu_group
from core.permissions import has_role, user_roles
from core.roles import Role
from finance.selectors import COMMISSION_READERS, CUSTOMER_STATEMENT_READERS, JOURNAL_READERS

# Cash (R16–R18): finance keeps it; those who answer for it read it.
FINANCE = (Role.FINANCE, Role.FINANCE_VP, Role.GENERAL_MANAGER)
# Statements in the menu for finance and those who answer for customers; a clerk opens their
# customers' statements from the customer's page, so their short menu stays flat.
STATEMENT_MENU = tuple(role for role in CUSTOMER_STATEMENT_READERS if role != Role.SALES_CLERK)


def home_cards(user) -> list[dict]:
    """Finance's cards: receipts with money still on account, to allocate (R16); the invoices
    to request — active contracts whose threshold is collected and whose gross is not all
    invoiced (R17) — and issued invoices still without their fapiao; the litigation cases not
    closed (R18); a clerk's customers' receivables (R18, R23) and their commission this month
    (R19)."""
    from finance.models import InvoiceStatus
    from finance.selectors import (
        LITIGATION_ROLES,
        aging_report,
        commission_live,
        commission_slip_list,
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
    if Role.SALES_CLERK in user_roles(user):
        # R19: the salesperson's live figure of the month so far, and their own slips (R23).
        live = commission_live(salesperson=user)
        cards.append(
            {
                "title": gettext("My commission this month"),
                "count": commission_slip_list(user=user).filter(salesperson=user).count(),
                "figure": yuan(live.total),
                "url": reverse("commission-slip-list"),
                "action": (gettext("Prepare commission slip"), reverse("commission-slip-create")),
            }
        )
    return cards


def register() -> None:
    # Who has the invoices in the menu (R17): finance, its VP, the GM and sales management. A
    # clerk reads their own customers' invoices from the contract page (R23), and their menu
    # stays short enough to show flat.
    from finance.selectors import AGING_READERS, INVOICE_READERS, LITIGATION_ROLES
    from finance.selectors_monthend import MONTH_END_READERS

    invoices = tuple(r for r in INVOICE_READERS if r != Role.SALES_CLERK)
    # A clerk reaches their own slips from their home card ("My commission this month", R19).
    commission_menu = tuple(r for r in COMMISSION_READERS if r != Role.SALES_CLERK)
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
        ("commission-slip-list", _("Commission slips"), commission_menu, 250, "finance"),
        ("customer-statement", _("Statements of account"), STATEMENT_MENU, 300, "finance"),
        ("journal-list", _("Journal"), JOURNAL_READERS, 310, "finance"),
        ("trial-balance", _("Trial balance"), JOURNAL_READERS, 320, "finance"),
        ("month-end-list", _("Month end"), MONTH_END_READERS, 330, "finance"),
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
