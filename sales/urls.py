from django.urls import path

from sales import views

urlpatterns = [
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/new/", views.customer_edit, name="customer-create"),
    path("customers/export/", views.customer_export, name="customer-export"),
    path("customers/import/", views.customer_import, name="customer-import"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("products/", views.product_list, name="product-list"),
    path("products/new/", views.product_edit, name="product-create"),
    path("products/export/", views.product_export, name="product-export"),
    path("products/import/", views.product_import, name="product-import"),
    path("products/<int:pk>/edit/", views.product_edit, name="product-edit"),
]
