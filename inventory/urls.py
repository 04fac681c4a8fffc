from django.urls import path

from inventory import views

urlpatterns = [
    path("warehouses/", views.warehouse_list, name="warehouse-list"),
    path("warehouses/new/", views.warehouse_edit, name="warehouse-create"),
    path("warehouses/<int:pk>/edit/", views.warehouse_edit, name="warehouse-edit"),
]
