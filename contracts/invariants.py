"""The contracts' part of the invariants (issue 16, core.invariants): the ledger's `delivered`
is the sum of the amounts due its signed deliveries created (R14, R18); contract numbers
(R8) and approvals (R21) are declared to the core and approvals checks. The ledger against the
journal and the receipts is finance's (finance/invariants.py, the same check)."""

from approvals.invariants import register_approved_states
from contracts.models import Contract, ContractDue, ContractLedger, ContractStatus
from core.invariants import Break, cents, fetch, register_invariant, register_numbered, table

LEDGER = "ledger"
LEDGER_LABEL = "contract ledger = its journal and documents, per contract (R14, R16–R20)"


def contract_subject(number, pk) -> str:
    return f"contract {number or f'#{pk}'}"


def ledger_delivered_is_the_dues() -> list[Break]:
    rows = fetch(
        f"""
SELECT c.id, c.number, l.delivered, COALESCE(d.total, 0)
  FROM {table(ContractLedger)} l
  JOIN {table(Contract)} c ON c.id = l.contract_id
  LEFT JOIN (SELECT contract_id, SUM(amount) AS total
               FROM {table(ContractDue)} GROUP BY contract_id) d ON d.contract_id = l.contract_id
 WHERE ROUND(l.delivered - COALESCE(d.total, 0), 2) <> 0
 ORDER BY c.id"""
    )
    return [
        Break(
            check=LEDGER,
            subject=contract_subject(number, pk),
            expected=f"delivered {cents(total)}",
            found=f"delivered {cents(kept)}",
            sentence="The ledger's delivered is not the sum of the amounts due of its deliveries.",
        )
        for pk, number, kept, total in rows
    ]


register_invariant(LEDGER, LEDGER_LABEL, ledger_delivered_is_the_dues)
register_numbered(Contract, field="number", series="contract", prefix="HT")
register_approved_states(
    Contract, (ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.TERMINATED)
)
