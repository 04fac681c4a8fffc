from rest_framework.routers import SimpleRouter

from approvals.api.views import ApprovalViewSet, DelegationViewSet

router = SimpleRouter()
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("delegations", DelegationViewSet, basename="delegation")
urlpatterns = router.urls
