"""Browser pages of the approvals app, one module per topic: `inbox` (the inbox and one
request, R21, R22), `delegations` (委托), `navigation` (menu entry and badge)."""
