"""Writes for inventory: warehouses and stock (R11, R13), production notices and goods
receipts (R10, R11), shipping notices, outbound, gate and signed delivery (R12–R14), service
dispatch (R15). One module per document; everything is importable from here."""

from inventory.services.dispatch import (  # noqa: F401
    service_dispatch_approved,
    service_dispatch_cancel,
    service_dispatch_complete,
    service_dispatch_create,
    service_dispatch_submit,
    service_dispatch_update,
)
from inventory.services.production import (  # noqa: F401
    goods_receipt_confirm,
    goods_receipt_record,
    goods_receipt_reject,
    production_notice_cancel,
    production_notice_complete,
    production_notice_create,
    production_notice_released,
    production_notice_submit,
    production_notice_update,
)
from inventory.services.shipping import (  # noqa: F401
    gate_exit,
    shipping_notice_approved,
    shipping_notice_cancel,
    shipping_notice_confirm_delivery,
    shipping_notice_create,
    shipping_notice_exit,
    shipping_notice_issue,
    shipping_notice_save_and_submit,
    shipping_notice_submit,
    shipping_notice_update,
    shipping_notices_expire,
)
from inventory.services.stock import (  # noqa: F401
    WAREHOUSE_FIELDS,
    stock_adjust,
    stock_move_post,
    warehouse_create,
    warehouse_update,
)
