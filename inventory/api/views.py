from core.api.views import ServiceViewSet
from inventory import services
from inventory.api.serializers import WarehouseSerializer
from inventory.models import Warehouse


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
