"""The sales half of the invariants (issue 16, core.invariants): the exposure counter (R3) is
the sum of what each order added to it, and the sales documents' numbers and approvals are
declared to the core and approvals checks. What was collected against the exposure is finance's
(finance/invariants.py adds R3 from the rows to the same check)."""

from approvals.invariants import register_approved_states
from core.invariants import Break, cents, fetch, register_invariant, register_numbered, table
from sales.models import (
    CreditChangeRequest,
    CreditChangeStatus,
    Customer,
    Order,
    OrderStatus,
    PriceList,
    PriceListStatus,
    Quotation,
    QuotationStatus,
)

EXPOSURE = "exposure"
EXPOSURE_LABEL = "customer exposure = R3 from the orders and allocations (R3)"


def exposure_is_the_orders() -> list[Break]:
    """Customer.exposure = Σ Order.exposure_amount of its orders, one grouped statement."""
    rows = fetch(
        f"""
SELECT c.code, c.exposure, COALESCE(o.total, 0)
  FROM {table(Customer)} c
  LEFT JOIN (SELECT customer_id, SUM(exposure_amount) AS total
               FROM {table(Order)} GROUP BY customer_id) o ON o.customer_id = c.id
 WHERE ROUND(c.exposure - COALESCE(o.total, 0), 2) <> 0
 ORDER BY c.id"""
    )
    return [
        Break(
            check=EXPOSURE,
            subject=f"customer {code}",
            expected=str(cents(total)),
            found=str(cents(kept)),
            sentence="The exposure kept on the customer is not the sum of what its orders added.",
        )
        for code, kept, total in rows
    ]


register_invariant(EXPOSURE, EXPOSURE_LABEL, exposure_is_the_orders)

register_numbered(Order, field="number", series="order", prefix="SO")
register_numbered(Quotation, field="number", series="quotation", prefix="QT")
register_numbered(PriceList, field="number", series="price_list", prefix="JG")
register_numbered(CreditChangeRequest, field="number", series="credit_change", prefix="XY")

# The states a document reaches only through its approval (R21).
register_approved_states(Order, (OrderStatus.APPROVED, OrderStatus.CONTRACTED))
register_approved_states(
    Quotation, (QuotationStatus.APPROVED, QuotationStatus.WON, QuotationStatus.LOST)
)
register_approved_states(PriceList, (PriceListStatus.ACTIVE, PriceListStatus.CLOSED))
register_approved_states(CreditChangeRequest, (CreditChangeStatus.APPROVED,))
