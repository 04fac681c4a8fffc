"""What the sales app adds to the menu and the home page (`core.navigation`, `core.home`)."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards, yuan
from core.navigation import register_menu_entry, register_menu_group
from core.permissions import has_role, user_roles
from core.roles import Role
from sales.models import CreditStatus, OrderStatus

SALES_AND_FINANCE = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.GENERAL_MANAGER,
    Role.SALES_VP,
    Role.FINANCE,
    Role.FINANCE_VP,
    Role.CREDIT_CONTROLLER,
    Role.MARKETING_DIRECTOR,
)
# Roles that work with orders (R7): who enters them, who approves or releases them, finance.
ORDERS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.CREDIT_CONTROLLER,
)
# Who watches the business taken month by month (R3): the sales line, finance, the executives;
# a clerk sees their own customers' orders (R23).
ORDER_FIGURES = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.FINANCE_VP,
    Role.MARKETING_DIRECTOR,
)
# Who captures and works leads (R26); the team's overdue list is a button on their list page.
LEADS = (Role.SALES_CLERK, Role.SALES_MANAGER, Role.SALES_HEAD, Role.GENERAL_MANAGER)
# Who quotes and who reviews quotations and bids (R27): the salespeople, their manager, the head
# of sales and (above 800,000) the marketing director.
QUOTATIONS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.GENERAL_MANAGER,
    Role.MARKETING_DIRECTOR,
)
# Who finds the presales funnel in the menu (R23: they see everyone's); a clerk reaches their
# own from the leads page, their menu being kept flat (core.navigation.FLAT_MENU_MAX).
FUNNEL_MENU = (
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.GENERAL_MANAGER,
    Role.MARKETING_DIRECTOR,
)
# Who releases held orders or answers for credit (R4).
CREDIT_WATCH = (Role.CREDIT_CONTROLLER, Role.SALES_MANAGER, Role.GENERAL_MANAGER, Role.FINANCE)
# Who proposes or decides a credit change (R2).
CREDIT = (Role.SALES_MANAGER, Role.FINANCE, Role.GENERAL_MANAGER, Role.CREDIT_CONTROLLER)


def home_cards(user) -> list[dict]:
    """The home page's sales cards: the customers the user sees — "My customers" for a clerk
    and nothing else (R23) — and the active products."""
    from sales.selectors import customer_list, product_list

    roles = user_roles(user)
    cards: list[dict] = []
    if has_role(user, Role.SALES_CLERK) and not roles - {Role.SALES_CLERK.value}:
        cards.append(
            {
                "title": gettext("My customers"),
                "count": customer_list(user=user).count(),
                "url": reverse("customer-list"),
                "action": (gettext("New customer"), reverse("customer-create")),
            }
        )
    elif roles:
        may_create = has_role(
            user,
            Role.SALES_CLERK,
            Role.SALES_MANAGER,
            Role.SALES_HEAD,
            Role.GENERAL_MANAGER,
            Role.CREDIT_CONTROLLER,
        )
        cards.append(
            {
                "title": gettext("Customers"),
                "count": customer_list(user=user).count(),
                "url": reverse("customer-list"),
                "action": (gettext("New customer"), reverse("customer-create"))
                if may_create
                else None,
            }
        )
    cards += _figure_cards(user)
    cards.append(
        {
            "title": gettext("Products"),
            "count": product_list(active=True).count(),
            "url": reverse("product-list"),
            "action": (gettext("New product"), reverse("product-create"))
            if has_role(user, Role.GENERAL_MANAGER)
            else None,
        }
    )
    return cards


def _figure_cards(user) -> list[dict]:
    """Orders taken this month with the last six months as a chart (R3), and for those who
    answer for credit the orders on hold and the customers blocked (R4)."""
    from sales.selectors import blocked_customer_count, credit_hold_count, orders_by_month

    cards: list[dict] = []
    orders = reverse("order-list")
    if has_role(user, *ORDER_FIGURES):
        months = orders_by_month(user=user)
        cards.append(
            {
                "title": gettext("Orders this month"),
                "count": months[-1]["count"],
                "figure": yuan(months[-1]["gross"]),
                "url": orders,
                "action": None,
                "chart": [
                    {
                        "label": m["month"].strftime("%Y-%m"),
                        "value": m["gross"],
                        "text": yuan(m["gross"]),
                    }
                    for m in months
                ],
            }
        )
    if has_role(user, *CREDIT_WATCH):
        cards.append(
            {
                "title": gettext("Orders on credit hold"),
                "count": credit_hold_count(user=user),
                "url": f"{orders}?status={OrderStatus.SUBMITTED}&credit_status={CreditStatus.HOLD}",
                "action": None,
            }
        )
        cards.append(
            {
                "title": gettext("Customers blocked for overdue amounts"),
                "count": blocked_customer_count(user=user),
                "url": f"{reverse('customer-list')}?blocked=1",
                "action": None,
            }
        )
    return cards


def register() -> None:
    register_menu_group("sales", label=pgettext_lazy("menu", "Sales"))
    entries = [
        ("customer-list", _("Customers"), SALES_AND_FINANCE, 20),
        ("lead-list", _("Leads"), LEADS, 25),
        ("lead-funnel", _("Presales funnel"), FUNNEL_MENU, 26),
        ("quotation-list", _("Quotations"), QUOTATIONS, 28),
        ("order-list", _("Orders"), ORDERS, 30),
        ("credit-change-list", _("Credit changes"), CREDIT, 40),
        ("product-list", _("Products"), None, 50),
        ("price-list-list", _("Price lists"), SALES_AND_FINANCE, 60),
    ]
    for url_name, label, roles, order in entries:
        register_menu_entry(url_name, label=label, roles=roles, order=order, group="sales")
    register_home_cards(home_cards)
