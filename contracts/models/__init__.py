"""The contracts app's models, a module per document family; every name is re-exported here, so
`from contracts.models import X` works whichever module X lives in."""

from contracts.models.clauses import (
    CLAUSE_PLACEHOLDERS,
    ContractClause,
    ContractClauseSet,
    clause_unknown_placeholders,
)
from contracts.models.contracts import (
    NUMBERED_STATUSES,
    ZERO,
    Contract,
    ContractDue,
    ContractLedger,
    ContractLine,
    ContractStatus,
)

__all__ = [
    "CLAUSE_PLACEHOLDERS",
    "NUMBERED_STATUSES",
    "ZERO",
    "Contract",
    "ContractClause",
    "ContractClauseSet",
    "ContractDue",
    "ContractLedger",
    "ContractLine",
    "ContractStatus",
    "clause_unknown_placeholders",
]
