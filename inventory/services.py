"""Writes for warehouses (stock and documents arrive with issue 6)."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import NotVisible
from core.permissions import require_role
from core.roles import Role
from core.validation import reject_unknown_fields, save_unique, validate_instance
from inventory.models import Warehouse

WAREHOUSE_FIELDS = ("code", "name", "address", "is_active")


@transaction.atomic
def warehouse_create(*, actor, **fields) -> Warehouse:
    require_role(actor, Role.GENERAL_MANAGER)
    reject_unknown_fields(fields, WAREHOUSE_FIELDS)
    warehouse = Warehouse(**{k: v for k, v in fields.items() if v is not None})
    validate_instance(warehouse)
    save_unique(
        warehouse, actor=actor, field="code", message=_("A warehouse with this code exists.")
    )
    return warehouse


@transaction.atomic
def warehouse_update(*, actor, warehouse_id: int, **fields) -> Warehouse:
    require_role(actor, Role.GENERAL_MANAGER)
    reject_unknown_fields(fields, WAREHOUSE_FIELDS)
    warehouse = Warehouse.objects.select_for_update().filter(pk=warehouse_id).first()
    if warehouse is None:
        raise NotVisible()
    for name, value in fields.items():
        setattr(warehouse, name, value)
    validate_instance(warehouse)
    save_unique(
        warehouse, actor=actor, field="code", message=_("A warehouse with this code exists.")
    )
    return warehouse
