from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from approvals.api.urls import router as approvals_router
from contracts.api.urls import router as contracts_router
from core import views as core_views
from core.api import errors as api_errors
from core.api.routers import api_root
from finance.api.urls import router as finance_router
from inventory.api.urls import router as inventory_router
from sales.api.urls import router as sales_router

api_v1 = [
    path(
        "",
        api_root(
            approvals_router, sales_router, contracts_router, inventory_router, finance_router
        ),
        name="api-root",
    ),
    path("", include("core.api.urls")),
    path("", include("approvals.api.urls")),
    path("", include("sales.api.urls")),
    path("", include("contracts.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("finance.api.urls")),
]

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page's <link> says.
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ is a JSON 404, in DEBUG too.
    re_path(r"^api/", api_errors.api_not_found),
    path("", include("core.urls")),
    path("", include("approvals.urls")),
    path("", include("sales.urls")),
    path("", include("contracts.urls")),
    path("", include("inventory.urls")),
    path("", include("finance.urls")),
]

# Media (signed delivery scans, rendered PDFs) is never served as public files, not even with
# DEBUG: each is served by a view that checks who may see it (R23).


def handler404(request, exception=None):
    if api_errors.is_api_request(request):
        return api_errors.api_not_found(request, exception)
    return core_views.page_not_found(request, exception)


def handler500(request):
    if api_errors.is_api_request(request):
        return api_errors.api_server_error(request)
    return core_views.server_error(request)
