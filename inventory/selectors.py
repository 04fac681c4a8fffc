from django.db.models import Q, QuerySet

from inventory.models import Warehouse


def warehouse_list(*, search: str = "", active: bool | None = None) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.all()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")


def stock_list(*, product: int | None = None, warehouse: int | None = None):
    """Stock per product and warehouse (on hand, reserved, available), product and warehouse
    joined: one query for a page."""
    from inventory.models import StockLevel

    qs = StockLevel.objects.select_related("product", "warehouse")
    if product is not None:
        qs = qs.filter(product_id=product)
    if warehouse is not None:
        qs = qs.filter(warehouse_id=warehouse)
    return qs.order_by("warehouse__code", "product__code")
