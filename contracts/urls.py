from django.urls import path

from contracts import views

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/new/", views.contract_create, name="contract-create"),
    path("contracts/ledger/", views.ledger_list, name="contract-ledger-list"),
    path(
        "contracts/ledger/customer/<int:customer_id>/",
        views.customer_ledger,
        name="contract-customer-ledger",
    ),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/submit/", views.contract_submit, name="contract-submit"),
    path("contracts/<int:pk>/withdraw/", views.contract_withdraw, name="contract-withdraw"),
    path("contracts/<int:pk>/ledger/", views.contract_ledger, name="contract-ledger"),
    path("contracts/<int:pk>/pdf/", views.contract_pdf, name="contract-pdf"),
]
