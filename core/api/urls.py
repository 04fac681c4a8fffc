from django.urls import path

from core.api.views import TokenView

urlpatterns = [path("auth/token/", TokenView.as_view(), name="api-token")]
