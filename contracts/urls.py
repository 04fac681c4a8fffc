from django.urls import path

from contracts.views import contracts, ledger

urlpatterns = [
    path("contracts/", contracts.contract_list, name="contract-list"),
    path("contracts/new/", contracts.contract_create, name="contract-create"),
    path("contracts/ledger/", ledger.ledger_list, name="contract-ledger-list"),
    path(
        "contracts/ledger/customer/<int:customer_id>/",
        ledger.customer_ledger,
        name="contract-customer-ledger",
    ),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/edit/", contracts.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/submit/", contracts.contract_submit, name="contract-submit"),
    path("contracts/<int:pk>/withdraw/", contracts.contract_withdraw, name="contract-withdraw"),
    path("contracts/<int:pk>/ledger/", ledger.contract_ledger, name="contract-ledger"),
    path("contracts/<int:pk>/pdf/", contracts.contract_pdf, name="contract-pdf"),
]
