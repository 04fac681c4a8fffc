from rest_framework.routers import SimpleRouter

from inventory.api.views import StockAdjustmentViewSet, StockViewSet, WarehouseViewSet

router = SimpleRouter()
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("stock", StockViewSet, basename="stock")
router.register("stock-adjustments", StockAdjustmentViewSet, basename="stock-adjustment")
urlpatterns = router.urls
