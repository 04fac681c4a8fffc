"""What the inventory app adds to the menu and the home page (`core.navigation`,
`core.home`)."""

from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.home import register_home_cards
from core.navigation import register_menu_entry, register_menu_group
from core.permissions import user_roles
from core.roles import Role

# Fulfilment (R10–R15): who prepares, signs, receives, issues and lets out the goods.
PRODUCTION = (Role.PLANNER, Role.SALES_VP, Role.PRODUCTION, Role.GENERAL_MANAGER)
RECEIPTS = (Role.PRODUCTION, Role.QC, Role.PLANNER, Role.WAREHOUSE, Role.GENERAL_MANAGER)
SHIPPING = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.WAREHOUSE,
)
DISPATCH = (Role.SALES_CLERK, Role.SALES_MANAGER, Role.SALES_HEAD, Role.GENERAL_MANAGER)
STOCK = (
    Role.GENERAL_MANAGER,
    Role.PLANNER,
    Role.PRODUCTION,
    Role.QC,
    Role.WAREHOUSE,
    Role.SECURITY,
)


def _queue(title: str, count: int, url: str, action=None) -> dict:
    return {"title": title, "count": count, "url": url, "action": action}


def home_cards(user) -> list[dict]:
    """The home page's inventory cards (`core.home`): the warehouses, and per role the queue of
    fulfilment documents waiting for that role (R10–R14), each a count and a link to the list
    filtered the same way. A clerk's queue holds only their customers' notices (R23)."""
    from inventory.models import GoodsReceiptStatus as Receipt
    from inventory.models import ProductionNoticeStatus as Production
    from inventory.models import ShippingNoticeStatus as Shipping
    from inventory.selectors import (
        goods_receipt_list,
        picking_list,
        production_notice_list,
        shipping_notice_list,
        warehouse_list,
    )

    roles = user_roles(user)
    notices = reverse("production-notice-list")
    shipping = reverse("shipping-notice-list")
    cards: list[dict] = []
    if roles & {Role.WAREHOUSE, Role.GENERAL_MANAGER, Role.PRODUCTION, Role.QC, Role.PLANNER}:
        cards.append(
            _queue(
                gettext("Warehouses"),
                warehouse_list(active=True).count(),
                reverse("warehouse-list"),
            )
        )
    if Role.PLANNER in roles:
        cards.append(
            _queue(
                gettext("Production notices in draft"),
                production_notice_list(user=user, status=Production.DRAFT).count(),
                f"{notices}?status={Production.DRAFT}",
                (gettext("New production notice"), reverse("production-notice-create")),
            )
        )
    if roles & {Role.PLANNER, Role.PRODUCTION}:
        cards.append(
            _queue(
                gettext("Released production notices"),
                production_notice_list(user=user, status=Production.RELEASED).count(),
                f"{notices}?status={Production.RELEASED}",
            )
        )
    if Role.QC in roles:
        cards.append(
            _queue(
                gettext("Goods receipts waiting for QC"),
                goods_receipt_list(status=Receipt.RECORDED).count(),
                f"{reverse('goods-receipt-list')}?status={Receipt.RECORDED}",
            )
        )
    if Role.WAREHOUSE in roles:
        cards.append(
            _queue(
                gettext("Notices on the picking list"),
                shipping_notice_list(user=user, status=Shipping.APPROVED).count(),
                reverse("picking-list"),
            )
        )
    if roles & {Role.WAREHOUSE, Role.PLANNER, Role.PRODUCTION, Role.GENERAL_MANAGER}:
        short = [row for row in picking_list() if not row["expired"] and not row["can_issue"]]
        cards.append(
            _queue(
                gettext("Approved notices short of stock"),
                len(short),
                f"{reverse('picking-list')}#short"  # the list flags each shortage
                if Role.WAREHOUSE in roles
                else f"{shipping}?status={Shipping.APPROVED}",
            )
        )
    if Role.SECURITY in roles:
        cards.append(
            _queue(
                gettext("Shipments waiting at the gate"),
                shipping_notice_list(user=user, status=Shipping.ISSUED).count(),
                f"{shipping}?status={Shipping.ISSUED}",
                (gettext("Gate check"), reverse("gate-check")),
            )
        )
    if Role.SALES_CLERK in roles:
        cards.append(
            _queue(
                gettext("Shipped, awaiting the signed copy"),
                shipping_notice_list(user=user, status=Shipping.SHIPPED).count(),
                f"{shipping}?status={Shipping.SHIPPED}",
            )
        )
    return cards


def register() -> None:
    register_menu_group("production", label=pgettext_lazy("menu", "Production"))
    register_menu_group("shipping", label=pgettext_lazy("menu", "Shipping"))
    entries = [
        ("production-notice-list", _("Production notices"), PRODUCTION, 80, "production"),
        ("goods-receipt-list", _("Goods receipts"), RECEIPTS, 90, "production"),
        ("shipping-notice-list", _("Shipping notices"), SHIPPING, 100, "shipping"),
        ("picking-list", _("Picking list"), (Role.WAREHOUSE,), 110, "shipping"),
        ("gate-check", _("Gate"), (Role.SECURITY,), 120, "shipping"),
        ("service-dispatch-list", _("Service dispatch"), DISPATCH, 130, "shipping"),
        ("stock-list", _("Stock"), STOCK, 140, "production"),
        ("warehouse-list", _("Warehouses"), STOCK, 150, "production"),
    ]
    for url_name, label, roles, order, group in entries:
        register_menu_entry(url_name, label=label, roles=roles, order=order, group=group)
    register_home_cards(home_cards)
