"""Writes of the finance app, one module per topic once they arrive (receipts, invoices, journal,
interest, commission, reconciliation, periods; R16–R20): `<entity>_<verb>(*, actor, ...)`, the
entry points `@transaction.atomic(durable=True)`, re-exported here (STYLE.md). Contract ledger
figures are moved through `contracts.services.ledger_add_*` inside these transactions."""

from finance.services.bank import (  # noqa: F401
    bank_statement_confirm,
    bank_statement_upload,
)
from finance.services.journal import (  # noqa: F401
    delivery_revenue_post,
    journal_post,
    journal_reverse,
)
from finance.services.receipts import (  # noqa: F401
    RECEIPT_KEEPERS,
    delivery_advance_apply,
    receipt_allocate,
    receipt_create,
    receipt_record,
    receipt_reverse,
)
