"""Who approves the finance documents, declared beside them so the approval policies exist
from the first migration (R17, R19; `approvals.chains`)."""

from approvals.chains import ApprovalChain, Step, register_default_chain
from approvals.models import DocumentType
from core.roles import Role

# Who approves an invoice (R17; approvals.chains; finance/models/invoices.py): the VP of
# finance — a red invoice (credit note) too.
register_default_chain(
    ApprovalChain(
        DocumentType.INVOICE,
        "发票审批 Invoice",
        steps=[Step(Role.FINANCE_VP, sequence=1)],
    )
)

# Who approves a commission slip (R19; approvals.chains; the document is not built yet):
# prepared by a clerk, then finance → the VP of finance → the general manager.
register_default_chain(
    ApprovalChain(
        DocumentType.COMMISSION_SLIP,
        "提成单审批 Commission slip",
        steps=[
            Step(Role.FINANCE, sequence=1),
            Step(Role.FINANCE_VP, sequence=2),
            Step(Role.GENERAL_MANAGER, sequence=3),
        ],
    )
)
