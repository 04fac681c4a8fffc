from django.urls import path

from core.api.routers import Router
from sales.api.reports import FunnelReportView
from sales.api.views import (
    CreditChangeViewSet,
    CustomerViewSet,
    LeadImportViewSet,
    LeadViewSet,
    OrderViewSet,
    PriceListViewSet,
    ProductViewSet,
    QuotationViewSet,
)

router = Router()
router.register("customers", CustomerViewSet, basename="customer")
router.register("credit-changes", CreditChangeViewSet, basename="credit-change")
router.register("products", ProductViewSet, basename="product")
router.register("price-lists", PriceListViewSet, basename="price-list")
router.register("orders", OrderViewSet, basename="order")
router.register("leads/import", LeadImportViewSet, basename="lead-import")
router.register("leads", LeadViewSet, basename="lead")
router.register("quotations", QuotationViewSet, basename="quotation")
urlpatterns = [
    *router.urls,
    path("reports/funnel/", FunnelReportView.as_view(), name="api-funnel-report"),
]
