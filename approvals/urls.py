from django.urls import path

from approvals import views

urlpatterns = [
    path("approvals/", views.inbox, name="approval-inbox"),
    path("approvals/decide/", views.decide_many, name="approval-decide-many"),
    path("approvals/<int:pk>/", views.detail, name="approval-detail"),
    path("approvals/<int:pk>/decide/", views.decide, name="approval-decide"),
    path("approvals/<int:pk>/withdraw/", views.withdraw, name="approval-withdraw"),
    path("approvals/delegations/", views.delegations, name="approval-delegations"),
    path(
        "approvals/delegations/<int:pk>/revoke/",
        views.delegation_revoke,
        name="approval-delegation-revoke",
    ),
]
