"""Browser pages of finance (receipts, invoices, the journal, month end; R16–R20), included from
`config/urls.py` like the other apps' `urls.py`."""

from django.urls import path

from finance.views import journal, statements

urlpatterns = [
    path("finance/journal/", journal.journal_list, name="journal-list"),
    path("finance/trial-balance/", journal.trial_balance, name="trial-balance"),
    path("finance/statements/", statements.customer_statement, name="customer-statement"),
    path(
        "finance/statements/customer/<int:pk>/",
        statements.customer_statement_for,
        name="customer-statement-for",
    ),
]
