from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core.api.views import ServiceViewSet
from core.errors import InvalidInput
from inventory import selectors, services
from inventory.api.serializers import (
    StockAdjustmentSerializer,
    StockMoveSerializer,
    StockSerializer,
    WarehouseSerializer,
)
from inventory.models import StockLevel, Warehouse


class WarehouseViewSet(ServiceViewSet):
    serializer_class = WarehouseSerializer
    filterset_fields = ["is_active"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    queryset = Warehouse.objects.order_by("code")

    def service_create(self, data):
        return services.warehouse_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.warehouse_update(actor=self.request.user, warehouse_id=instance.pk, **data)


class StockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET stock/?product=&warehouse=` (API.md): on hand, reserved, available."""

    serializer_class = StockSerializer
    queryset = StockLevel.objects.none()  # for the schema
    filter_backends: list = []

    @extend_schema(
        parameters=[OpenApiParameter("product", int), OpenApiParameter("warehouse", int)]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        def number(name):
            value = self.request.query_params.get(name)
            if value in (None, ""):
                return None
            if not value.isdigit():
                raise InvalidInput(errors={name: ["Enter a whole number."]})
            return int(value)

        return selectors.stock_list(product=number("product"), warehouse=number("warehouse"))


class StockAdjustmentViewSet(viewsets.GenericViewSet):
    """`POST stock-adjustments/` {product, warehouse, quantity, reason} (warehouse role)."""

    serializer_class = StockAdjustmentSerializer
    queryset = StockLevel.objects.none()

    @extend_schema(request=StockAdjustmentSerializer, responses={201: StockMoveSerializer})
    def create(self, request):
        data = StockAdjustmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.stock_adjust(
            actor=request.user,
            product_id=data.validated_data["product"],
            warehouse_id=data.validated_data["warehouse"],
            quantity=data.validated_data["quantity"],
            reason=data.validated_data["reason"],
        )
        return Response(StockMoveSerializer(move).data, status=status.HTTP_201_CREATED)
