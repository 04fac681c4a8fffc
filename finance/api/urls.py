"""Routes of the finance API."""

from core.api.routers import Router
from finance.api.views import JournalViewSet, ReceiptViewSet

router = Router()
router.register("journal", JournalViewSet, basename="journal-entry")
router.register("receipts", ReceiptViewSet, basename="receipt")
urlpatterns = router.urls
