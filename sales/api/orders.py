"""REST for orders (API.md `orders/`, R3–R7): a clerk drafts an order for one of their
customers (R23) priced from the active list (R5), edits it while in draft, `submit/` runs the
credit check (R4) and opens the approval chain (R7), `cancel/` ends a draft or submitted one.
Deciding happens on the approval (`approvals/{id}/approve/`)."""

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
from sales import selectors
from sales.models import CreditStatus, Customer, Order, OrderStatus
from sales.services import orders


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    # An id, checked by the service: unknown → 400 `lines.N.product`, off the active list →
    # 409 `not_on_price_list` (R5).
    product = serializers.IntegerField(source="product_id", help_text="A product's id.")
    product_code = serializers.CharField(source="product.code", read_only=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3, label=_("quantity"))
    unit_price = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        label=_("unit price"),
        help_text="At least the product's floor price on the active list (R5).",
    )
    tax_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        required=False,
        label=_("tax rate"),
        help_text="Default: the product's rate.",
    )
    net = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    tax = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    gross = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)


class OrderSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), help_text="One of the caller's customers (R23)."
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    salesperson = serializers.CharField(source="created_by.username", read_only=True)
    # Plain strings in the schema: enums named `status` would collide with the other documents'.
    status = serializers.CharField(
        read_only=True,
        help_text="`draft`, `submitted`, `approved`, `contracted` or `cancelled`.",
    )
    credit_status = serializers.CharField(
        read_only=True, help_text="`unchecked`, `passed` or `hold` (R4)."
    )
    first_payment_ratio = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, label=_("first payment ratio")
    )
    note = serializers.CharField(required=False, allow_blank=True)
    lines = OrderLineSerializer(many=True)
    approval = DocumentApprovalField()

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "salesperson",
            "price_list",
            "status",
            "credit_status",
            "first_payment_ratio",
            "currency",
            "net_amount",
            "tax_amount",
            "gross_amount",
            "note",
            "lines",
            "created_at",
            "submitted_at",
            "approval",
        ]
        read_only_fields = [
            "id",
            "number",
            "price_list",
            "currency",
            "net_amount",
            "tax_amount",
            "gross_amount",
            "created_at",
            "submitted_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # An unknown or invisible customer is a 400 naming the field (API.md, R23).
            self.fields["customer"].queryset = selectors.customer_list(user=request.user)
        if self.instance is not None:
            # PATCH: the lines, when given, replace the order's lines.
            self.fields["lines"].required = False
            self.fields["customer"].required = False

    def validate(self, attrs):
        customer = attrs.get("customer")
        if self.instance is not None and customer is not None:
            if customer.pk != self.instance.customer_id:
                raise serializers.ValidationError(
                    {"customer": [_("The customer of an order cannot be changed.")]}
                )
            del attrs["customer"]
        return attrs


class OrderFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    credit_status = django_filters.ChoiceFilter(choices=CreditStatus.choices)

    class Meta:
        model = Order
        fields = ["customer", "status", "credit_status"]


def _lines(data: dict) -> list[dict] | None:
    lines = data.pop("lines", None)
    if lines is None:
        return None
    return [
        {
            "product": line["product_id"],
            **{k: line[k] for k in ("quantity", "unit_price", "tax_rate") if k in line},
        }
        for line in lines
    ]


class OrderViewSet(ServiceViewSet):
    """Orders (R3–R7, R23). A clerk sees the orders of their own customers; other roles see
    all. Drafted and edited by their salesperson; `submit/` → `submitted` with `credit_status`
    `passed` or `hold` and the approval chain; `cancel/` a draft or submitted order."""

    serializer_class = OrderSerializer
    queryset = Order.objects.none()  # for the schema; requests use get_queryset
    filterset_class = OrderFilter
    search_fields = ["number", "customer__name", "customer__code"]
    ordering_fields = ["created_at", "number", "gross_amount"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.order_list(user=self.request.user)

    def check_input(self, data) -> None:
        # A caller who may not enter orders gets the 403 before any field error.
        if self.action == "create":
            require_role(self.request.user, *orders.ORDER_AUTHORS)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    def _fresh(self, order: Order) -> Order:
        return selectors.order_get(user=self.request.user, order_id=order.pk)

    def service_create(self, data):
        lines = _lines(data)
        order = orders.order_create(
            actor=self.request.user,
            customer_id=data.pop("customer").pk,
            lines=lines,
            **data,
        )
        return self._fresh(order)

    def service_update(self, instance, data):
        order = orders.order_update(
            actor=self.request.user, order_id=instance.pk, lines=_lines(data), **data
        )
        return self._fresh(order)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → submitted: lines re-checked against today's list (409 `below_floor_price`,
        `not_on_price_list`, R5), credit check (R4: `passed` or `hold`), chain opened (R7)."""
        order = orders.order_submit(actor=request.user, order_id=self.get_object().pk)
        return Response(self.get_serializer(self._fresh(order)).data)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft or submitted → cancelled (a submitted order is withdrawn from approval and
        its exposure released, R3)."""
        order = orders.order_cancel(actor=request.user, order_id=self.get_object().pk)
        return Response(self.get_serializer(self._fresh(order)).data)
