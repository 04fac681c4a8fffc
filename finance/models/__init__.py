"""The finance app's models (DESIGN §4, §5), a module per document family; every name is
re-exported here, so `from finance.models import X` works whichever module X lives in."""

from finance.models import chains  # noqa: F401  (R17, R19 approval chains)
from finance.models.bank import (
    BankStatement,
    BankStatementLine,
    BankStatementLineStatus,
    BankStatementStatus,
    PayerMapping,
)
from finance.models.journal import (
    CHART,
    Account,
    AccountKind,
    JournalEntry,
    JournalEntryImmutable,
    JournalLine,
    Posted,
)
from finance.models.receipts import Allocation, Receipt, ReceiptStatus

__all__ = [
    "CHART",
    "Account",
    "AccountKind",
    "Allocation",
    "BankStatement",
    "BankStatementLine",
    "BankStatementLineStatus",
    "BankStatementStatus",
    "JournalEntry",
    "JournalEntryImmutable",
    "JournalLine",
    "PayerMapping",
    "Posted",
    "Receipt",
    "ReceiptStatus",
]
