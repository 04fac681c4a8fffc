"""Writes of the approval engine, one module per topic (STYLE.md: services/<topic>.py):
`engine` (open, decide, withdraw, lapse a request; R21), `delegations` (委托), `policies`
(the admin's reset of a chain to its declared default, `approvals.chains`) and
`notifications` (the emails the tasks send after a decision is committed; R22).

The public services are re-exported here, so `from approvals.services import X` and
`from approvals import services` keep working for every app that submits a document.
"""

from approvals.services.delegations import delegation_create, delegation_revoke
from approvals.services.engine import (
    approval_decide,
    approval_lapse_document,
    approval_policy_steps,
    approval_request_open,
    approval_withdraw,
    approval_withdraw_document,
)
from approvals.services.policies import approval_policies_reset

__all__ = [
    "approval_decide",
    "approval_lapse_document",
    "approval_policies_reset",
    "approval_policy_steps",
    "approval_request_open",
    "approval_withdraw",
    "approval_withdraw_document",
    "delegation_create",
    "delegation_revoke",
]
