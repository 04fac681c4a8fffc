"""Browser pages of finance (receipts, invoices, the journal, month end; R16–R20)."""

from django.urls import path

from finance.views import aging, litigation

urlpatterns = [
    path("finance/aging/", aging.aging_report, name="aging-report"),
    path(
        "finance/aging/customer/<int:customer_id>/",
        aging.aging_customer,
        name="aging-customer",
    ),
    path(
        "finance/aging/contract/<int:contract_id>/",
        aging.aging_contract,
        name="aging-contract",
    ),
    path("finance/litigation/", litigation.litigation_list, name="litigation-list"),
    path("finance/litigation/<int:pk>/", litigation.litigation_edit, name="litigation-edit"),
    path("finance/interest/post/", litigation.interest_post, name="interest-post"),
]
