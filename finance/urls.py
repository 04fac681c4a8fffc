"""Browser pages of finance (receipts, invoices, the journal, month end; R16–R20), included from
`config/urls.py` like the other apps' `urls.py`."""

from django.urls import path

from finance.views import invoices

urlpatterns = [
    # Invoices (R17).
    path("invoices/", invoices.invoice_list, name="invoice-list"),
    path("invoices/new/", invoices.invoice_create, name="invoice-create"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice-pdf"),
    path("invoices/<int:pk>/<str:action>/", invoices.invoice_action, name="invoice-action"),
]
