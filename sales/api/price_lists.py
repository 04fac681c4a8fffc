"""REST for price lists (API.md `price-lists/`, R5, R6): drafted with their items by a sales
manager, the head of sales or the general manager, `submit/` to the general manager, active
once approved on the approval (`approvals/{id}/approve/`), `close/` by the general manager."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals.api.serializers import DocumentApprovalField
from approvals.selectors import documents_with_approvals
from core.api.views import ServiceViewSet
from core.permissions import require_role
from sales.models import PriceList, PriceListStatus, Product
from sales.selectors import price_list_queryset
from sales.services import price_lists


class PriceListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(is_active=True), help_text="An active product's id."
    )
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    list_price = serializers.DecimalField(max_digits=18, decimal_places=2, label=_("list price"))
    floor_price = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        label=_("floor price"),
        help_text="No order line goes below it (R5); at most the list price.",
    )


class PriceListSerializer(serializers.ModelSerializer):
    commission_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, label=_("commission rate")
    )
    items = PriceListItemSerializer(many=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    approval = DocumentApprovalField()

    class Meta:
        model = PriceList
        fields = [
            "id",
            "number",
            "name",
            "valid_from",
            "valid_to",
            "commission_rate",
            "status",
            "items",
            "created_by",
            "created_at",
            "activated_at",
            "approval",
        ]
        read_only_fields = ["id", "number", "status", "created_at", "activated_at"]
        extra_kwargs = {"valid_to": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            # PATCH: the items, when given, replace the list's items.
            self.fields["items"].required = False


class PriceListFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PriceListStatus.choices)

    class Meta:
        model = PriceList
        fields = ["status"]


class PriceListViewSet(ServiceViewSet):
    """Price lists (R6). Edited by their author while in draft; `submit/` opens the general
    manager's step; approved → `active`; `close/` (general manager) takes an active list out
    of use. An active list never overlaps another (409 `price_list_overlap`)."""

    serializer_class = PriceListSerializer
    queryset = PriceList.objects.none()  # for the schema; requests use get_queryset
    filterset_class = PriceListFilter
    search_fields = ["number", "name"]
    ordering_fields = ["valid_from", "number", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return price_list_queryset()

    def check_input(self, data) -> None:
        # A caller who may not author gets the 403 before any field error.
        require_role(self.request.user, *price_lists.AUTHORS)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    def _fresh(self, price_list: PriceList) -> PriceList:
        return price_list_queryset().get(pk=price_list.pk)

    @staticmethod
    def _items(data: dict) -> list[dict] | None:
        items = data.pop("items", None)
        return None if items is None else [dict(item) for item in items]

    def service_create(self, data):
        items = self._items(data)
        price_list = price_lists.price_list_create(actor=self.request.user, items=items, **data)
        return self._fresh(price_list)

    def service_update(self, instance, data):
        price_list = price_lists.price_list_update(
            actor=self.request.user, price_list_id=instance.pk, items=self._items(data), **data
        )
        return self._fresh(price_list)

    @extend_schema(request=None, responses=PriceListSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → pending: the general manager's step opens (R6, R21); 409
        `price_list_overlap` when an active list covers part of the range."""
        price_list = price_lists.price_list_submit(
            actor=request.user, price_list_id=self.get_object().pk
        )
        return Response(self.get_serializer(self._fresh(price_list)).data)

    @extend_schema(request=None, responses=PriceListSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Active → closed (general manager): the list is no longer used for orders."""
        price_list = price_lists.price_list_close(
            actor=request.user, price_list_id=self.get_object().pk
        )
        return Response(self.get_serializer(self._fresh(price_list)).data)
