"""Inventory's models, a module per document family: warehouses and stock (`stock`),
production notices and goods receipts (`production`, R10–R11), shipping notices with outbound,
gate and delivery (`shipping`, R12–R14), service dispatch (`dispatch`, R15). Every name is
importable from here (`from inventory.models import ShippingNotice`)."""

from inventory.models.dispatch import ServiceDispatch, ServiceDispatchStatus
from inventory.models.production import (
    PRODUCTION_COUNTED,
    GoodsReceipt,
    GoodsReceiptStatus,
    ProductionNotice,
    ProductionNoticeLine,
    ProductionNoticeStatus,
)
from inventory.models.shipping import (
    DEFAULT_VALIDITY_DAYS,
    SHIPPING_COUNTED,
    SHIPPING_OUT,
    ShippingNotice,
    ShippingNoticeLine,
    ShippingNoticeStatus,
    delivery_scan_path,
)
from inventory.models.stock import StockLevel, StockMove, StockMoveKind, Warehouse

__all__ = [
    "DEFAULT_VALIDITY_DAYS",
    "PRODUCTION_COUNTED",
    "SHIPPING_COUNTED",
    "SHIPPING_OUT",
    "GoodsReceipt",
    "GoodsReceiptStatus",
    "ProductionNotice",
    "ProductionNoticeLine",
    "ProductionNoticeStatus",
    "ServiceDispatch",
    "ServiceDispatchStatus",
    "ShippingNotice",
    "ShippingNoticeLine",
    "ShippingNoticeStatus",
    "StockLevel",
    "StockMove",
    "StockMoveKind",
    "Warehouse",
    "delivery_scan_path",
]
