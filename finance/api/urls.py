"""Routes of the finance API."""

from core.api.routers import Router
from finance.api.views import JournalViewSet

router = Router()
router.register("journal", JournalViewSet, basename="journal-entry")
urlpatterns = router.urls
