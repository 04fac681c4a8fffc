"""The one router every app's API registers its resources with.

- An id in a URL is digits (`…/{id}/…`): anything else (`delegations/abc/revoke/`) matches no
  route and gets the catch-all JSON 404, instead of reaching a view that reads it as a number.
- Each resource's operations carry one OpenAPI tag, the resource's URL prefix (its first
  segment: `leads/import` is grouped with `leads`), so Swagger groups them by resource
  (`customers`, `orders`, `shipping-notices`, …).
- `api_root` answers `GET /api/v1/` with every registered resource and its absolute URL.
"""

from collections.abc import Sequence

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

ID_REGEX = "[0-9]+"


class Router(SimpleRouter):
    def register(self, prefix, viewset, basename=None):
        tag = prefix.split("/")[0]
        super().register(prefix, extend_schema(tags=[tag])(viewset), basename)

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        value = getattr(viewset, "lookup_value_regex", ID_REGEX)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{value})"


class ApiRootView(APIView):
    """`GET /api/v1/`: the resources, each with the absolute URL of its list."""

    routers: Sequence[SimpleRouter] = ()

    @extend_schema(
        tags=["index"],
        responses=OpenApiTypes.OBJECT,
        description="Every resource of the API and the URL of its list.",
    )
    def get(self, request):
        # The routers are included at the index's own path; their URL names are not unique
        # across the project (the pages use `customer-list` too), so no reverse() by name.
        return Response(
            {
                prefix: request.build_absolute_uri(f"{request.path}{prefix}/")
                for router in self.routers
                for prefix, _viewset, _basename in router.registry
            }
        )


def api_root(*routers: SimpleRouter):
    return ApiRootView.as_view(routers=routers)
