from django.urls import path

from sales import views

urlpatterns = [
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/new/", views.customer_edit, name="customer-create"),
    path("customers/names/", views.customer_names, name="customer-names"),
    path("customers/export/", views.customer_export, name="customer-export"),
    path("customers/import/", views.customer_import, name="customer-import"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("credit-changes/", views.credit_change_list, name="credit-change-list"),
    path("credit-changes/new/", views.credit_change_create, name="credit-change-create"),
    path("credit-changes/<int:pk>/", views.credit_change_detail, name="credit-change-detail"),
    path("credit-changes/<int:pk>/edit/", views.credit_change_edit, name="credit-change-edit"),
    path(
        "credit-changes/<int:pk>/submit/", views.credit_change_submit, name="credit-change-submit"
    ),
    path(
        "credit-changes/<int:pk>/cancel/", views.credit_change_cancel, name="credit-change-cancel"
    ),
    path(
        "credit-changes/<int:pk>/withdraw/",
        views.credit_change_withdraw,
        name="credit-change-withdraw",
    ),
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/overdue/", views.lead_team_overdue, name="lead-team-overdue"),
    path("leads/new/", views.lead_create, name="lead-create"),
    path("leads/import/", views.lead_import, name="lead-import"),
    path("leads/import/<int:pk>/", views.lead_import_detail, name="lead-import-detail"),
    path("leads/import/<int:pk>/commit/", views.lead_import_commit, name="lead-import-commit"),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/contacts/", views.lead_contact, name="lead-contact"),
    path("leads/<int:pk>/grade/", views.lead_regrade, name="lead-regrade"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead-convert"),
    path("leads/<int:pk>/close/", views.lead_close, name="lead-close"),
    path("orders/", views.order_list, name="order-list"),
    path("orders/new/", views.order_create, name="order-create"),
    path("orders/totals/", views.order_totals, name="order-totals"),
    path("orders/credit/", views.order_credit, name="order-credit"),
    path("orders/<int:pk>/", views.order_detail, name="order-detail"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order-edit"),
    path("orders/<int:pk>/submit/", views.order_submit, name="order-submit"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order-cancel"),
    path("price-lists/", views.price_list_list, name="price-list-list"),
    path("price-lists/new/", views.price_list_create, name="price-list-create"),
    path("price-lists/<int:pk>/", views.price_list_detail, name="price-list-detail"),
    path("price-lists/<int:pk>/edit/", views.price_list_edit, name="price-list-edit"),
    path("price-lists/<int:pk>/submit/", views.price_list_submit, name="price-list-submit"),
    path("price-lists/<int:pk>/close/", views.price_list_close, name="price-list-close"),
    path("price-lists/<int:pk>/withdraw/", views.price_list_withdraw, name="price-list-withdraw"),
    path("products/", views.product_list, name="product-list"),
    path("products/new/", views.product_edit, name="product-create"),
    path("products/export/", views.product_export, name="product-export"),
    path("products/import/", views.product_import, name="product-import"),
    path("products/<int:pk>/edit/", views.product_edit, name="product-edit"),
]
