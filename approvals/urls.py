from django.urls import path

from approvals import views

urlpatterns = [
    path("approvals/", views.inbox, name="approval-inbox"),
    path("approvals/<int:pk>/", views.detail, name="approval-detail"),
]
