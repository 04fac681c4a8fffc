from approvals.api.views import ApprovalViewSet, DelegationViewSet
from core.api.routers import Router

router = Router()
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("delegations", DelegationViewSet, basename="delegation")
urlpatterns = router.urls
