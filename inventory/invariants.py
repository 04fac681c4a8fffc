"""The inventory invariants (R11–R13, issue 16, core.invariants): per product and warehouse the
stock on hand is never below zero and is the sum of its stock moves, and what is reserved is
what the approved shipping notices hold (a notice reserves at its approval and gives it back
when issued, cancelled or expired; a draft or submitted one reserves nothing). The fulfilment
documents' numbers (R8) and approvals (R21) are declared to the core and approvals checks."""

from approvals.invariants import register_approved_states
from core.invariants import Break, fetch, register_invariant, register_numbered, table, units
from inventory.models import (
    GoodsReceipt,
    ProductionNotice,
    ProductionNoticeStatus,
    ServiceDispatch,
    ServiceDispatchStatus,
    ShippingNotice,
    ShippingNoticeLine,
    ShippingNoticeStatus,
    StockLevel,
    StockMove,
    Warehouse,
)
from sales.models import Product

STOCK = "stock"


def stock_is_its_moves_and_reservations() -> list[Break]:
    """One statement: every product × warehouse that has a stock row, a move or a reservation,
    with its kept figures beside the sums of its rows."""
    level, move = table(StockLevel), table(StockMove)
    line, notice = table(ShippingNoticeLine), table(ShippingNotice)
    reservations = f"""SELECT sl.product_id, n.warehouse_id, SUM(sl.quantity) AS total
               FROM {line} sl JOIN {notice} n ON n.id = sl.notice_id
              WHERE n.status = %s GROUP BY sl.product_id, n.warehouse_id"""
    rows = fetch(
        f"""
SELECT p.code, w.code, l.id, COALESCE(l.on_hand, 0), COALESCE(m.total, 0),
       COALESCE(l.reserved, 0), COALESCE(r.total, 0)
  FROM (SELECT product_id, warehouse_id FROM {level}
        UNION SELECT product_id, warehouse_id FROM {move}
        UNION SELECT product_id, warehouse_id FROM ({reservations}) x) k
  JOIN {table(Product)} p ON p.id = k.product_id
  JOIN {table(Warehouse)} w ON w.id = k.warehouse_id
  LEFT JOIN {level} l ON l.product_id = k.product_id AND l.warehouse_id = k.warehouse_id
  LEFT JOIN (SELECT product_id, warehouse_id, SUM(quantity) AS total FROM {move}
              GROUP BY product_id, warehouse_id) m
         ON m.product_id = k.product_id AND m.warehouse_id = k.warehouse_id
  LEFT JOIN ({reservations}) r ON r.product_id = k.product_id AND r.warehouse_id = k.warehouse_id
 WHERE COALESCE(l.on_hand, 0) < 0
    OR ROUND(COALESCE(l.on_hand, 0) - COALESCE(m.total, 0), 3) <> 0
    OR ROUND(COALESCE(l.reserved, 0) - COALESCE(r.total, 0), 3) <> 0
 ORDER BY w.code, p.code""",
        [ShippingNoticeStatus.APPROVED, ShippingNoticeStatus.APPROVED],
    )
    breaks = []
    for product, warehouse, level_id, on_hand, moved, reserved, held in rows:
        subject = f"product {product} in {warehouse}"
        on_hand, moved, reserved, held = map(units, (on_hand, moved, reserved, held))
        if on_hand < 0:
            breaks.append(
                Break(STOCK, subject, "on hand ≥ 0", f"on hand {on_hand}", "The stock is negative.")
            )
        if on_hand != moved:
            breaks.append(
                Break(
                    STOCK,
                    subject,
                    f"on hand {moved}",
                    f"on hand {on_hand}" + ("" if level_id else " (no stock row)"),
                    "The stock on hand is not the sum of its stock moves.",
                )
            )
        if reserved != held:
            breaks.append(
                Break(
                    STOCK,
                    subject,
                    f"reserved {held}",
                    f"reserved {reserved}",
                    "What is reserved is not what the approved shipping notices hold.",
                )
            )
    return breaks


register_invariant(
    STOCK,
    "stock ≥ 0 = Σ moves, reserved = approved shipping notices (R11–R13)",
    stock_is_its_moves_and_reservations,
)

register_numbered(ShippingNotice, field="number", series="shipping_notice", prefix="FH")
register_numbered(ShippingNotice, field="gate_pass_no", series="gate_pass", prefix="CM")
register_numbered(ProductionNotice, field="number", series="production_notice", prefix="SC")
register_numbered(GoodsReceipt, field="number", series="goods_receipt", prefix="RK")
register_numbered(ServiceDispatch, field="number", series="service_dispatch", prefix="PG")

register_approved_states(
    ShippingNotice,
    (
        ShippingNoticeStatus.APPROVED,
        ShippingNoticeStatus.ISSUED,
        ShippingNoticeStatus.SHIPPED,
        ShippingNoticeStatus.DELIVERED,
    ),
)
register_approved_states(
    ProductionNotice, (ProductionNoticeStatus.RELEASED, ProductionNoticeStatus.COMPLETED)
)
register_approved_states(
    ServiceDispatch, (ServiceDispatchStatus.APPROVED, ServiceDispatchStatus.COMPLETED)
)
