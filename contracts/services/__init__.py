"""Writes of the contracts app, one module per topic (STYLE.md: services/<topic>.py):
`contracts` (draft, terms, submit, withdraw, activation; R8, R9), `clauses` (the
clause sets the company edits in the admin) and `ledger` (the contract
ledger's counters that inventory and finance move inside their own transactions; R13–R18).

The public services are re-exported here, so `from contracts.services import X` and
`from contracts import services` work for callers in this and later apps.
"""

from contracts.services.clauses import CLAUSE_EDITORS, clause_set_save
from contracts.services.contracts import (
    CONTRACT_AUTHORS,
    contract_activate,
    contract_draft,
    contract_submit,
    contract_update_terms,
    contract_withdraw,
    contracts_complete,
    contracts_reopen,
)
from contracts.services.ledger import (
    ledger_add_collected,
    ledger_add_delivered,
    ledger_add_interest_accrued,
    ledger_add_invoiced,
    ledger_add_shipped,
    ledger_post_interest,
    ledger_refresh_due,
    ledger_set_due,
    ledgers_age,
)

__all__ = [
    "CLAUSE_EDITORS",
    "CONTRACT_AUTHORS",
    "clause_set_save",
    "contract_activate",
    "contract_draft",
    "contract_submit",
    "contract_update_terms",
    "contract_withdraw",
    "contracts_complete",
    "contracts_reopen",
    "ledger_add_collected",
    "ledger_add_delivered",
    "ledger_add_interest_accrued",
    "ledger_add_invoiced",
    "ledger_add_shipped",
    "ledger_post_interest",
    "ledger_refresh_due",
    "ledger_set_due",
    "ledgers_age",
]
