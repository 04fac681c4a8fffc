from django.db.models import Q, QuerySet

from inventory.models import Warehouse


def warehouse_list(*, search: str = "", active: bool | None = None) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.all()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")
