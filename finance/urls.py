"""Browser pages of finance (receipts, invoices, the journal, reports; R16–R18), included from
`config/urls.py` like the other apps' `urls.py`."""

from django.urls import path

from finance.views import (
    aging,
    bank,
    commission,
    invoices,
    journal,
    litigation,
    monthend,
    receipts,
    statements,
)

urlpatterns = [
    path("receipts/", receipts.receipt_list, name="receipt-list"),
    path("receipts/new/", receipts.receipt_create, name="receipt-create"),
    path("receipts/<int:pk>/", receipts.receipt_detail, name="receipt-detail"),
    path("receipts/<int:pk>/<str:action>/", receipts.receipt_action, name="receipt-action"),
    # Invoices (R17).
    path("invoices/", invoices.invoice_list, name="invoice-list"),
    path("invoices/new/", invoices.invoice_create, name="invoice-create"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice-pdf"),
    path("invoices/<int:pk>/<str:action>/", invoices.invoice_action, name="invoice-action"),
    # Commission slips (R19).
    path("commission-slips/", commission.commission_slip_list, name="commission-slip-list"),
    path("commission-slips/new/", commission.commission_slip_create, name="commission-slip-create"),
    path(
        "commission-slips/prepare/",
        commission.commission_slip_prepare,
        name="commission-slip-prepare",
    ),
    path(
        "commission-slips/<int:pk>/",
        commission.commission_slip_detail,
        name="commission-slip-detail",
    ),
    path(
        "commission-slips/<int:pk>/pdf/", commission.commission_slip_pdf, name="commission-slip-pdf"
    ),
    path(
        "commission-slips/<int:pk>/<str:action>/",
        commission.commission_slip_action,
        name="commission-slip-action",
    ),
    # Bank statement import (issue 12 item 4).
    path("bank-statements/", bank.statement_list, name="bank-statement-list"),
    path("bank-statements/upload/", bank.statement_upload, name="bank-statement-upload"),
    path("bank-statements/<int:pk>/", bank.statement_detail, name="bank-statement-detail"),
    path(
        "bank-statements/<int:pk>/rows/<int:row>/contracts/",
        bank.statement_line_contracts,
        name="bank-statement-line-contracts",
    ),
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
    # The journal, the trial balance and customers' statements of account (issue 12 items 8, 9).
    path("journal/", journal.journal_list, name="journal-list"),
    path("trial-balance/", journal.trial_balance, name="trial-balance"),
    path("statements/", statements.customer_statement, name="customer-statement"),
    path(
        "statements/customer/<int:pk>/",
        statements.customer_statement_for,
        name="customer-statement-for",
    ),
    # Month end (R20): the months, a month's run, its differences, confirmation and close.
    path("finance/month-end/", monthend.month_end_list, name="month-end-list"),
    path("finance/month-end/run/", monthend.month_end_run, name="month-end-run"),
    path("finance/month-end/<str:period>/", monthend.month_end_detail, name="month-end-detail"),
    path(
        "finance/month-end/<str:period>/progress/",
        monthend.month_end_progress,
        name="month-end-progress",
    ),
    path(
        "finance/month-end/<str:period>/<str:action>/",
        monthend.month_end_action,
        name="month-end-action",
    ),
]
