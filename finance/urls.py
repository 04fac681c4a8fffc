"""Browser pages of finance (receipts, invoices, the journal, reports; R16–R18), included from
`config/urls.py` like the other apps' `urls.py`."""

from django.urls import path

from finance.views import journal, receipts, statements

urlpatterns = [
    path("receipts/", receipts.receipt_list, name="receipt-list"),
    path("receipts/new/", receipts.receipt_create, name="receipt-create"),
    path("receipts/<int:pk>/", receipts.receipt_detail, name="receipt-detail"),
    path("receipts/<int:pk>/<str:action>/", receipts.receipt_action, name="receipt-action"),
    path("journal/", journal.journal_list, name="journal-list"),
    path("trial-balance/", journal.trial_balance, name="trial-balance"),
    path("statements/", statements.customer_statement, name="customer-statement"),
    path(
        "statements/customer/<int:pk>/",
        statements.customer_statement_for,
        name="customer-statement-for",
    ),
]
