from django.urls import path

from inventory.views import dispatch, production, shipping, warehouses

urlpatterns = [
    path("warehouses/", warehouses.warehouse_list, name="warehouse-list"),
    path("warehouses/new/", warehouses.warehouse_edit, name="warehouse-create"),
    path("warehouses/<int:pk>/edit/", warehouses.warehouse_edit, name="warehouse-edit"),
    # Stock, production notices (planner's board, R10) and goods receipts (QC queue, R11).
    path("stock/", production.stock_list, name="stock-list"),
    path("production-notices/", production.notice_list, name="production-notice-list"),
    path("production-notices/new/", production.notice_edit, name="production-notice-create"),
    path("production-notices/<int:pk>/", production.notice_detail, name="production-notice-detail"),
    path(
        "production-notices/<int:pk>/edit/",
        production.notice_edit,
        name="production-notice-edit",
    ),
    path(
        "production-notices/<int:pk>/<str:action>/",
        production.notice_action,
        name="production-notice-action",
    ),
    path("goods-receipts/", production.receipt_list, name="goods-receipt-list"),
    path("goods-receipts/new/", production.receipt_create, name="goods-receipt-create"),
    path("goods-receipts/<int:pk>/", production.receipt_detail, name="goods-receipt-detail"),
    path(
        "goods-receipts/<int:pk>/<str:action>/",
        production.receipt_action,
        name="goods-receipt-action",
    ),
    # Shipping notices (R12), the warehouse's picking list and outbound (R13), the gate check,
    # the signed delivery (R14), and the PDFs.
    path("shipping-notices/", shipping.notice_list, name="shipping-notice-list"),
    path("shipping-notices/new/", shipping.notice_edit, name="shipping-notice-create"),
    path("shipping-notices/<int:pk>/", shipping.notice_detail, name="shipping-notice-detail"),
    path("shipping-notices/<int:pk>/edit/", shipping.notice_edit, name="shipping-notice-edit"),
    path("shipping-notices/<int:pk>/pdf/", shipping.notice_pdf, name="shipping-notice-pdf"),
    path("shipping-notices/<int:pk>/gate-pass/", shipping.gate_pass_pdf, name="gate-pass-pdf"),
    path(
        "shipping-notices/<int:pk>/delivery/",
        shipping.delivery_confirm,
        name="shipping-notice-delivery",
    ),
    path("shipping-notices/<int:pk>/scan/", shipping.delivery_scan, name="shipping-notice-scan"),
    path(
        "shipping-notices/<int:pk>/<str:action>/",
        shipping.notice_action,
        name="shipping-notice-action",
    ),
    path("picking-list/", shipping.picking_list, name="picking-list"),
    path("gate/", shipping.gate_check, name="gate-check"),
    # Service dispatch and acceptance (R15).
    path("service-dispatches/", dispatch.dispatch_list, name="service-dispatch-list"),
    path("service-dispatches/new/", dispatch.dispatch_edit, name="service-dispatch-create"),
    path("service-dispatches/<int:pk>/", dispatch.dispatch_detail, name="service-dispatch-detail"),
    path(
        "service-dispatches/<int:pk>/edit/",
        dispatch.dispatch_edit,
        name="service-dispatch-edit",
    ),
    path(
        "service-dispatches/<int:pk>/<str:action>/",
        dispatch.dispatch_action,
        name="service-dispatch-action",
    ),
]
