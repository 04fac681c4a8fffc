"""Routes of the finance API."""

from django.urls import path

from core.api.routers import Router
from finance.api.views import (
    AgingReportView,
    BankStatementViewSet,
    InterestPostingViewSet,
    InvoiceViewSet,
    JournalViewSet,
    LitigationViewSet,
    ReceiptViewSet,
)

router = Router()
router.register("journal", JournalViewSet, basename="journal-entry")
router.register("receipts", ReceiptViewSet, basename="receipt")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
router.register("interest-postings", InterestPostingViewSet, basename="interest-posting")
router.register("litigation", LitigationViewSet, basename="litigation-case")
urlpatterns = [
    *router.urls,
    path("reports/aging/", AgingReportView.as_view(), name="api-aging-report"),
]
