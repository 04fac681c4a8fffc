"""Quotations and bids 报价/投标 (R27). The document itself comes with the presales issue; its
approval chain is declared here already, beside where the document will live, because the
approval policies are seeded for every document type of the API."""

from decimal import Decimal

from approvals.chains import ApprovalChain, Step, register_default_chain
from approvals.models import DocumentType
from core.roles import Role

# Who approves a quotation or bid (R27; approvals.chains): the head of sales, and above
# 800,000 also the marketing director.
register_default_chain(
    ApprovalChain(
        DocumentType.QUOTATION,
        "报价/投标审批 Quotation",
        steps=[
            Step(Role.SALES_HEAD, sequence=1),
            Step(Role.MARKETING_DIRECTOR, sequence=2, min_amount=Decimal("800000.01")),
        ],
    )
)
