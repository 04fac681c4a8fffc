"""The finance invariants (issue 16, core.invariants), each a few grouped statements:

- exposure (R3), from the rows: Σ gross of the customer's orders submitted, approved or
  contracted (contract not terminated) − Σ live allocations of posted receipts to those orders'
  contracts, against the kept `Customer.exposure` (sales checks it against its orders);
- ledger (R14, R16–R20): month end's comparison of every ledger figure with its source of truth
  (`ledger_differences`, over every contract at once), and `collected` = Σ live allocations,
  receivable + advances on the journal = delivered + interest − collected, VAT output (2221) =
  the tax of the invoices issued;
- journal: Σ debit = Σ credit overall and per entry (no tolerance);
- receipts (R16, R24): a posted receipt's `allocated` is Σ its live allocations and no more than
  its amount, a reversed one's is 0.
"""

from approvals.invariants import register_approved_states
from contracts.invariants import LEDGER, LEDGER_LABEL, contract_subject
from contracts.models import Contract, ContractLedger, ContractStatus
from core.invariants import Break, cents, fetch, register_invariant, register_numbered, table
from finance.models import (
    Account,
    Allocation,
    CommissionSlip,
    CommissionSlipStatus,
    Invoice,
    InvoiceStatus,
    JournalEntry,
    JournalLine,
    Receipt,
    ReceiptStatus,
    Reconciliation,
    ReconciliationStatus,
)
from finance.services.monthend import ledger_differences
from sales.invariants import EXPOSURE, EXPOSURE_LABEL
from sales.models import Customer, Order, OrderStatus

LIVE_ORDER = (OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.CONTRACTED)


def exposure_is_r3() -> list[Break]:
    live = ", ".join(["%s"] * len(LIVE_ORDER))
    order, contract = table(Order), table(Contract)
    rows = fetch(
        f"""
SELECT cu.code, cu.exposure, COALESCE(g.total, 0), COALESCE(p.total, 0)
  FROM {table(Customer)} cu
  LEFT JOIN (SELECT o.customer_id, SUM(o.gross_amount) AS total
               FROM {order} o LEFT JOIN {contract} k ON k.order_id = o.id
              WHERE o.status IN ({live}) AND (k.id IS NULL OR k.status <> %s)
              GROUP BY o.customer_id) g ON g.customer_id = cu.id
  LEFT JOIN (SELECT o.customer_id, SUM(a.amount) AS total
               FROM {table(Allocation)} a
               JOIN {table(Receipt)} r ON r.id = a.receipt_id
               JOIN {contract} k ON k.id = a.contract_id
               JOIN {order} o ON o.id = k.order_id
              WHERE a.reversed = %s AND r.status = %s
                AND o.status IN ({live}) AND k.status <> %s
              GROUP BY o.customer_id) p ON p.customer_id = cu.id
 WHERE ROUND(cu.exposure - (COALESCE(g.total, 0) - COALESCE(p.total, 0)), 2) <> 0
 ORDER BY cu.id""",
        [
            *LIVE_ORDER,
            ContractStatus.TERMINATED,
            False,
            ReceiptStatus.POSTED,
            *LIVE_ORDER,
            ContractStatus.TERMINATED,
        ],
    )
    return [
        Break(
            check=EXPOSURE,
            subject=f"customer {code}",
            expected=str(cents(gross) - cents(paid)),
            found=str(cents(kept)),
            sentence=f"The exposure is not R3's: live orders {cents(gross)} less "
            f"{cents(paid)} collected on their contracts.",
        )
        for code, kept, gross, paid in rows
    ]


def ledger_is_its_sources() -> list[Break]:
    """Month end's figures, every contract in one statement."""
    hi = ContractLedger.objects.order_by("-contract_id").values_list("contract_id", flat=True)
    top = hi.first()
    if top is None:
        return []
    found = ledger_differences(lo=0, hi=top)
    numbers = dict(
        Contract.objects.filter(pk__in={c for c, *_rest in found}).values_list("pk", "number")
    )
    return [
        Break(
            check=LEDGER,
            subject=contract_subject(numbers.get(pk), pk),
            expected=f"{figure} {truth}",
            found=f"{figure} {kept}",
            sentence=f"The ledger's {figure} is not what its source of truth says.",
        )
        for pk, figure, kept, truth in found
    ]


def ledger_is_its_allocations_and_journal() -> list[Break]:
    account, line = table(Account), table(JournalLine)
    rows = fetch(
        f"""
SELECT c.id, c.number, l.collected, COALESCE(a.total, 0),
       l.delivered + l.interest - l.collected, COALESCE(j.owed, 0),
       COALESCE(i.tax, 0), COALESCE(j.vat, 0)
  FROM {table(ContractLedger)} l
  JOIN {table(Contract)} c ON c.id = l.contract_id
  LEFT JOIN (SELECT contract_id, SUM(amount) AS total FROM {table(Allocation)}
              WHERE reversed = %s GROUP BY contract_id) a ON a.contract_id = l.contract_id
  LEFT JOIN (SELECT jl.contract_id,
                    SUM(CASE WHEN ac.code IN ('1122', '2203')
                             THEN jl.debit - jl.credit ELSE 0 END) AS owed,
                    SUM(CASE WHEN ac.code = '2221'
                             THEN jl.credit - jl.debit ELSE 0 END) AS vat
               FROM {line} jl JOIN {account} ac ON ac.id = jl.account_id
              WHERE jl.contract_id IS NOT NULL
              GROUP BY jl.contract_id) j ON j.contract_id = l.contract_id
  LEFT JOIN (SELECT contract_id, SUM(tax_amount) AS tax FROM {table(Invoice)}
              WHERE status IN (%s, %s) GROUP BY contract_id) i ON i.contract_id = l.contract_id
 WHERE ROUND(l.collected - COALESCE(a.total, 0), 2) <> 0
    OR ROUND(l.delivered + l.interest - l.collected - COALESCE(j.owed, 0), 2) <> 0
    OR ROUND(COALESCE(i.tax, 0) - COALESCE(j.vat, 0), 2) <> 0
 ORDER BY c.id""",
        [False, InvoiceStatus.ISSUED, InvoiceStatus.REVERSED],
    )
    breaks = []
    for pk, number, collected, allocated, owes, owed, tax, vat in rows:
        subject = contract_subject(number, pk)
        pairs = [
            (
                cents(allocated),
                cents(collected),
                "collected",
                "The ledger's collected is not the sum of the live allocations to the contract.",
            ),
            (
                cents(owes),
                cents(owed),
                "receivable + advances (1122 + 2203)",
                "The journal's receivable less advances is not delivered + interest − collected.",
            ),
            (
                cents(tax),
                cents(vat),
                "VAT output (2221)",
                "The VAT output on the journal is not the tax of the invoices issued.",
            ),
        ]
        for expected, got, what, sentence in pairs:
            if expected != got:
                breaks.append(Break(LEDGER, subject, f"{what} {expected}", f"{got}", sentence))
    return breaks


JOURNAL = "journal"


def journal_balances() -> list[Break]:
    line, entry = table(JournalLine), table(JournalEntry)
    breaks = []
    [(debit, credit)] = fetch(f"SELECT SUM(debit), SUM(credit) FROM {line}")
    if cents(debit) != cents(credit):
        breaks.append(
            Break(
                JOURNAL,
                "the journal",
                f"debit = credit = {cents(credit)}",
                f"debit {cents(debit)}",
                "The journal's debits and credits differ.",
            )
        )
    rows = fetch(
        f"""
SELECT e.id, e.source_type, e.source_number, e.date, SUM(l.debit), SUM(l.credit)
  FROM {entry} e JOIN {line} l ON l.entry_id = e.id
 GROUP BY e.id, e.source_type, e.source_number, e.date
HAVING ROUND(SUM(l.debit) - SUM(l.credit), 2) <> 0
 ORDER BY e.id"""
    )
    for pk, source_type, source_number, date, debit, credit in rows:
        breaks.append(
            Break(
                JOURNAL,
                f"journal entry {pk}",
                f"debit = credit = {cents(credit)}",
                f"debit {cents(debit)}",
                f"The entry of {source_type} {source_number or ''} dated {date} does not balance.",
            )
        )
    return breaks


RECEIPTS = "receipts"


def receipts_hold_their_allocations() -> list[Break]:
    rows = fetch(
        f"""
SELECT r.number, r.status, r.amount, r.allocated, COALESCE(a.total, 0)
  FROM {table(Receipt)} r
  LEFT JOIN (SELECT receipt_id, SUM(amount) AS total FROM {table(Allocation)}
              WHERE reversed = %s GROUP BY receipt_id) a ON a.receipt_id = r.id
 WHERE ROUND(r.allocated - CASE WHEN r.status = %s THEN 0 ELSE COALESCE(a.total, 0) END, 2)
       <> 0
    OR r.allocated > r.amount
 ORDER BY r.id""",
        [False, ReceiptStatus.REVERSED],
    )
    breaks = []
    for number, status, amount, allocated, live in rows:
        expected = cents(0) if status == ReceiptStatus.REVERSED else cents(live)
        breaks.append(
            Break(
                RECEIPTS,
                f"receipt {number}",
                f"allocated {expected} ≤ {cents(amount)}",
                f"allocated {cents(allocated)}",
                "The receipt's allocated is not the sum of its live allocations within its amount.",
            )
        )
    return breaks


register_invariant(EXPOSURE, EXPOSURE_LABEL, exposure_is_r3)
register_invariant(LEDGER, LEDGER_LABEL, ledger_is_its_sources)
register_invariant(LEDGER, LEDGER_LABEL, ledger_is_its_allocations_and_journal)
register_invariant(JOURNAL, "journal balanced overall and per entry (DESIGN §4)", journal_balances)
register_invariant(
    RECEIPTS, "receipts hold their live allocations (R16, R24)", receipts_hold_their_allocations
)

register_numbered(Receipt, field="number", series="receipt", prefix="SK")
register_numbered(Invoice, field="number", series="invoice", prefix="FP")
register_numbered(CommissionSlip, field="number", series="commission_slip", prefix="TC")

register_approved_states(Invoice, (InvoiceStatus.ISSUED, InvoiceStatus.REVERSED))
register_approved_states(CommissionSlip, (CommissionSlipStatus.APPROVED, CommissionSlipStatus.PAID))
register_approved_states(Reconciliation, (ReconciliationStatus.CONFIRMED,))
