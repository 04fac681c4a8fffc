from core.api.routers import Router
from inventory.api.views import (
    GoodsReceiptViewSet,
    ProductionNoticeViewSet,
    ServiceDispatchViewSet,
    ShippingNoticeViewSet,
    StockAdjustmentViewSet,
    StockViewSet,
    WarehouseViewSet,
)

router = Router()
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("stock", StockViewSet, basename="stock")
router.register("stock-adjustments", StockAdjustmentViewSet, basename="stock-adjustment")
# Fulfilment (API.md, R10–R15).
router.register("production-notices", ProductionNoticeViewSet, basename="production-notice")
router.register("goods-receipts", GoodsReceiptViewSet, basename="goods-receipt")
router.register("shipping-notices", ShippingNoticeViewSet, basename="shipping-notice")
router.register("service-dispatches", ServiceDispatchViewSet, basename="service-dispatch")
urlpatterns = router.urls
