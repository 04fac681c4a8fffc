from rest_framework import serializers

from inventory.models import Warehouse


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "address", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"code": {"validators": []}}


class StockSerializer(serializers.Serializer):
    """API.md `stock/` row."""

    product = serializers.IntegerField(source="product_id")
    warehouse = serializers.IntegerField(source="warehouse_id")
    on_hand = serializers.DecimalField(max_digits=18, decimal_places=3)
    reserved = serializers.DecimalField(max_digits=18, decimal_places=3)
    available = serializers.DecimalField(max_digits=18, decimal_places=3)


class StockAdjustmentSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    warehouse = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    reason = serializers.CharField(max_length=200)


class StockMoveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.IntegerField(source="product_id")
    warehouse = serializers.IntegerField(source="warehouse_id")
    kind = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    reason = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
