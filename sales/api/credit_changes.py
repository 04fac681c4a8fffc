"""REST for credit change requests (API.md `credit-changes/`, R2): the only way a customer's
credit limit, credit days and risk level change. Approving happens on the approval
(`approvals/{id}/approve/`); the engine applies the change to the customer."""

from decimal import Decimal

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
from sales.models import CreditChangeRequest, CreditChangeStatus, Customer
from sales.services import credit


class CreditChangeSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), help_text="A customer the caller may see (R23)."
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    credit_limit = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=Decimal("0"), label=_("new credit limit")
    )
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    # Plain strings in the schema: as enums they would collide with the other documents'
    # `status` and with `risk_level` (drf-spectacular W001, which `check --deploy` fails on).
    status = serializers.CharField(
        read_only=True, help_text="`draft`, `pending`, `approved` or `cancelled`."
    )
    previous_risk_level = serializers.CharField(
        read_only=True, help_text="The risk level before the change was applied; empty until then."
    )
    approval = DocumentApprovalField()

    class Meta:
        model = CreditChangeRequest
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "credit_limit",
            "credit_days",
            "risk_level",
            "reason",
            "previous_credit_limit",
            "previous_credit_days",
            "previous_risk_level",
            "status",
            "created_by",
            "created_at",
            "applied_at",
            "approval",
        ]
        read_only_fields = [
            "id",
            "number",
            "previous_credit_limit",
            "previous_credit_days",
            "previous_risk_level",
            "status",
            "created_at",
            "applied_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # An unknown or invisible customer is a 400 naming the field (API.md, R23).
            self.fields["customer"].queryset = selectors.customer_list(user=request.user)

    def validate(self, attrs):
        customer = attrs.get("customer")
        if self.instance is not None and customer is not None:
            if customer.pk != self.instance.customer_id:
                raise serializers.ValidationError(
                    {"customer": [_("The customer of a request cannot be changed.")]}
                )
            del attrs["customer"]
        return attrs


class CreditChangeFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")
    status = django_filters.ChoiceFilter(choices=CreditChangeStatus.choices)

    class Meta:
        model = CreditChangeRequest
        fields = ["customer", "status"]


class CreditChangeViewSet(ServiceViewSet):
    """Credit change requests (R2, R23). Proposed by `sales_manager` or `finance`, edited by
    the author while in draft, `submit/` to the general manager, `cancel/` a draft."""

    serializer_class = CreditChangeSerializer
    queryset = CreditChangeRequest.objects.none()  # for the schema; requests use get_queryset
    filterset_class = CreditChangeFilter
    search_fields = ["number", "customer__name", "customer__code"]
    ordering_fields = ["created_at", "number"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.credit_change_list(user=self.request.user)

    def check_input(self, data) -> None:
        # A caller who may not propose gets the 403 before any field error.
        if self.action == "create":
            require_role(self.request.user, *credit.PROPOSERS)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    def service_create(self, data):
        return credit.credit_change_create(
            actor=self.request.user, customer_id=data.pop("customer").pk, **data
        )

    def service_update(self, instance, data):
        return credit.credit_change_update(actor=self.request.user, change_id=instance.pk, **data)

    @extend_schema(request=None, responses=CreditChangeSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → pending: the general manager's step opens (R2, R21)."""
        change = credit.credit_change_submit(actor=request.user, change_id=self.get_object().pk)
        return Response(self.get_serializer(change).data)

    @extend_schema(request=None, responses=CreditChangeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft → cancelled."""
        change = credit.credit_change_cancel(actor=request.user, change_id=self.get_object().pk)
        return Response(self.get_serializer(change).data)
