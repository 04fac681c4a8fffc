from approvals.api.views import ApprovalViewSet, AuditViewSet, DelegationViewSet
from core.api.routers import Router

router = Router()
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("delegations", DelegationViewSet, basename="delegation")
router.register("audit", AuditViewSet, basename="audit")
urlpatterns = router.urls
