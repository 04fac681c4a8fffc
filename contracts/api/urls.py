from contracts.api.views import ContractViewSet
from core.api.routers import Router

router = Router()
router.register("contracts", ContractViewSet, basename="contract")
urlpatterns = router.urls
