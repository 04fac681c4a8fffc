"""Writes of the finance app, one module per topic once they arrive (receipts, invoices, journal,
interest, commission, reconciliation, periods; R16–R20): `<entity>_<verb>(*, actor, ...)`, the
entry points `@transaction.atomic(durable=True)`, re-exported here (STYLE.md). Contract ledger
figures are moved through `contracts.services.ledger_add_*` inside these transactions."""

from finance.services.bank import (  # noqa: F401
    bank_statement_confirm,
    bank_statement_upload,
)
from finance.services.commission import (  # noqa: F401
    COMMISSION_MANAGERS,
    COMMISSION_PAYERS,
    COMMISSION_PREPARERS,
    commission_slip_cancel,
    commission_slip_create,
    commission_slip_pay,
    commission_slip_recompute,
    commission_slip_submit,
    commission_slips_prepare,
)
from finance.services.interest import (  # noqa: F401
    INTEREST_POSTERS,
    interest_accrued_sync,
    interest_post_month,
    interests_accrue,
)
from finance.services.invoices import (  # noqa: F401
    invoice_cancel,
    invoice_create,
    invoice_fapiao_record,
    invoice_red_create,
    invoice_submit,
)
from finance.services.journal import (  # noqa: F401
    delivery_revenue_post,
    journal_post,
    journal_reverse,
)
from finance.services.litigation import litigation_update, litigations_flag  # noqa: F401
from finance.services.monthend import (  # noqa: F401
    MONTH_END_STARTERS,
    PERIOD_CLOSERS,
    PERIOD_REOPENERS,
    month_end_execute,
    month_end_start,
    period_close,
    period_reopen,
    reconciliation_confirm,
)
from finance.services.receipts import (  # noqa: F401
    RECEIPT_KEEPERS,
    delivery_advance_apply,
    receipt_allocate,
    receipt_create,
    receipt_record,
    receipt_reverse,
)
