from django.urls import path

from approvals.views import audit, delegations, inbox

urlpatterns = [
    path("approvals/", inbox.inbox, name="approval-inbox"),
    path("audit/", audit.audit_log, name="audit-log"),
    path("approvals/decide/", inbox.decide_many, name="approval-decide-many"),
    path("approvals/<int:pk>/", inbox.detail, name="approval-detail"),
    path("approvals/<int:pk>/decide/", inbox.decide, name="approval-decide"),
    path("approvals/<int:pk>/withdraw/", inbox.withdraw, name="approval-withdraw"),
    path("approvals/delegations/", delegations.delegations, name="approval-delegations"),
    path(
        "approvals/delegations/<int:pk>/revoke/",
        delegations.delegation_revoke,
        name="approval-delegation-revoke",
    ),
]
