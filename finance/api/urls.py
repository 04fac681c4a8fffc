"""Routes of the finance API."""

from core.api.routers import Router
from finance.api.views import BankStatementViewSet, InvoiceViewSet, JournalViewSet, ReceiptViewSet

router = Router()
router.register("journal", JournalViewSet, basename="journal-entry")
router.register("receipts", ReceiptViewSet, basename="receipt")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
urlpatterns = router.urls
