from rest_framework.routers import SimpleRouter

from inventory.api.views import WarehouseViewSet

router = SimpleRouter()
router.register("warehouses", WarehouseViewSet, basename="warehouse")
urlpatterns = router.urls
