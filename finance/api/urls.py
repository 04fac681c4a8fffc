"""Routes of the finance API. A customer's statement sits under `customers/`, the sales API's
resource: finance adds the one path here (sales never imports finance), beside the sales
router's `customers/{id}/…` routes, which it does not overlap."""

from django.urls import path

from core.api.routers import Router
from finance.api.views import (
    AgingReportView,
    BankStatementViewSet,
    CommissionSlipViewSet,
    CustomerStatementView,
    InterestPostingViewSet,
    InvoiceViewSet,
    JournalViewSet,
    LitigationViewSet,
    PeriodViewSet,
    ReceiptViewSet,
    ReconciliationViewSet,
    TrialBalanceView,
)

router = Router()
router.register("journal", JournalViewSet, basename="journal-entry")
router.register("receipts", ReceiptViewSet, basename="receipt")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("commission-slips", CommissionSlipViewSet, basename="commission-slip")
router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
router.register("interest-postings", InterestPostingViewSet, basename="interest-posting")
router.register("litigation", LitigationViewSet, basename="litigation-case")
router.register("reconciliations", ReconciliationViewSet, basename="reconciliation")
router.register("periods", PeriodViewSet, basename="period")
urlpatterns = [
    *router.urls,
    path("reports/aging/", AgingReportView.as_view(), name="api-aging-report"),
    path(
        "customers/<int:customer_id>/statement/",
        CustomerStatementView.as_view(),
        name="api-customer-statement",
    ),
    path("reports/trial-balance/", TrialBalanceView.as_view(), name="api-trial-balance"),
]
