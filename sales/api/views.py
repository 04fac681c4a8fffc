import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import ServiceViewSet, TabularMixin
from sales import selectors, services
from sales.api.serializers import CustomerCreditSerializer, CustomerSerializer, ProductSerializer
from sales.models import Customer, Product


class CustomerFilter(django_filters.FilterSet):
    owner = django_filters.CharFilter(field_name="owner__username")

    class Meta:
        model = Customer
        fields = ["owner", "risk_level", "blocked", "is_active"]


class CustomerViewSet(TabularMixin, ServiceViewSet):
    """Customers (R1, R2, R23). Credit fields are read-only: writing them → 409."""

    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()  # for the schema; requests use get_queryset (R23)
    filterset_class = CustomerFilter
    search_fields = ["name", "code", "tax_id", "contact_name"]
    ordering_fields = ["code", "name", "created_at"]

    def get_queryset(self):
        return selectors.customer_list(user=self.request.user).prefetch_related("contacts")

    def check_input(self, data) -> None:
        if isinstance(data, dict):
            services.customer_refuse_credit_fields(data)

    export_filename = "customers"

    def export_rows(self):
        return selectors.customer_export_rows(user=self.request.user)

    def import_service(self, *, actor, rows):
        return services.customers_import(actor=actor, rows=rows)

    def service_create(self, data):
        return services.customer_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.customer_update(actor=self.request.user, customer_id=instance.pk, **data)

    @extend_schema(responses=CustomerCreditSerializer)
    @action(detail=True, methods=["get"])
    def credit(self, request, pk=None):
        customer = self.get_object()
        return Response(CustomerCreditSerializer(selectors.customer_credit(customer=customer)).data)


class ProductViewSet(TabularMixin, ServiceViewSet):
    serializer_class = ProductSerializer
    filterset_fields = ["is_active", "unit"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    queryset = Product.objects.order_by("code")

    export_filename = "products"

    def export_rows(self):
        return selectors.product_export_rows()

    def import_service(self, *, actor, rows):
        return services.products_import(actor=actor, rows=rows)

    def service_create(self, data):
        return services.product_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.product_update(actor=self.request.user, product_id=instance.pk, **data)
