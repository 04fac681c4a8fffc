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
from finance.models.commission import (
    FROZEN_STATUSES,
    CommissionSlip,
    CommissionSlipLine,
    CommissionSlipStatus,
)
from finance.models.interest import InterestPosting
from finance.models.invoices import (
    FAPIAO_FIELDS,
    ISSUED_STATUSES,
    Invoice,
    InvoiceImmutable,
    InvoiceStatus,
    tax_share,
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
from finance.models.litigation import LITIGATION_DAYS, LitigationCase, LitigationStatus
from finance.models.monthend import (
    Difference,
    Figure,
    PeriodAction,
    PeriodEvent,
    Reconciliation,
    ReconciliationStatus,
    RunStep,
    Source,
)
from finance.models.receipts import Allocation, Receipt, ReceiptStatus

__all__ = [
    "CHART",
    "FAPIAO_FIELDS",
    "FROZEN_STATUSES",
    "ISSUED_STATUSES",
    "LITIGATION_DAYS",
    "Account",
    "AccountKind",
    "Allocation",
    "BankStatement",
    "BankStatementLine",
    "BankStatementLineStatus",
    "BankStatementStatus",
    "CommissionSlip",
    "CommissionSlipLine",
    "CommissionSlipStatus",
    "Difference",
    "Figure",
    "InterestPosting",
    "Invoice",
    "InvoiceImmutable",
    "InvoiceStatus",
    "JournalEntry",
    "JournalEntryImmutable",
    "JournalLine",
    "LitigationCase",
    "LitigationStatus",
    "PayerMapping",
    "PeriodAction",
    "PeriodEvent",
    "Posted",
    "Receipt",
    "ReceiptStatus",
    "Reconciliation",
    "ReconciliationStatus",
    "RunStep",
    "Source",
    "tax_share",
]
