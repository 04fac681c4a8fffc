from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.api.serializers import DocumentApprovalField
from contracts.models import Contract
from core.api.fields import amount_field, keep_reference, quantity_field
from core.api.serializers import ModelSerializer, Serializer
from sales import selectors as sales_selectors
from sales.models import Order, PaymentMethod


def _rate(label, **kwargs):
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
        label=label,
        **kwargs,
    )


class ContractLineSerializer(Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.IntegerField(source="product_id", read_only=True)
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    quantity = quantity_field(read_only=True)
    unit_price = amount_field(read_only=True)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=4, read_only=True)
    net = amount_field(read_only=True)
    tax = amount_field(read_only=True)
    gross = amount_field(read_only=True)


class ContractSerializer(ModelSerializer):
    """API.md `contracts/`: POST {"order"} (and optionally terms); PATCH terms in draft."""

    order = serializers.PrimaryKeyRelatedField(
        queryset=Order.objects.none(),
        help_text="An approved order of one of the caller's customers (R8, R23).",
    )
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    salesperson = serializers.CharField(source="salesperson.username", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    # A plain string in the schema: an enum named `status` would collide with other documents'.
    status = serializers.CharField(
        read_only=True,
        help_text="`draft`, `pending_signoff`, `active`, `completed` (delivered, invoiced and "
        "collected in full) or `terminated`.",
    )
    first_payment_ratio = _rate(_("first payment ratio"))
    credit_days = serializers.IntegerField(min_value=0, required=False, label=_("credit days"))
    interest_rate_daily = _rate(_("overdue interest per day"))
    invoice_threshold = _rate(_("invoice threshold"))
    commission_rate = _rate(_("commission rate"))
    delivery_date = serializers.DateField(
        required=False,
        allow_null=True,
        label=_("delivery date"),
        help_text="The order's; 交货日期.",
    )
    delivery_place = serializers.CharField(
        required=False, allow_blank=True, max_length=200, label=_("delivery place")
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        required=False,
        allow_blank=True,
        label=_("payment method"),
        help_text="The order's: `bank_transfer`, `acceptance_bill`, `cheque` or `cash`.",
    )
    net_amount = amount_field(read_only=True)
    tax_amount = amount_field(read_only=True)
    gross_amount = amount_field(read_only=True)
    lines = ContractLineSerializer(many=True, read_only=True)
    approval = DocumentApprovalField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "status",
            "order",
            "order_number",
            "customer",
            "customer_name",
            "salesperson",
            "created_by",
            "currency",
            "net_amount",
            "tax_amount",
            "gross_amount",
            "first_payment_ratio",
            "credit_days",
            "interest_rate_daily",
            "invoice_threshold",
            "commission_rate",
            "delivery_date",
            "delivery_place",
            "payment_method",
            "lines",
            "created_at",
            "submitted_at",
            "activated_at",
            "signed_on",
            "approval",
        ]
        read_only_fields = [
            "id",
            "number",
            "currency",
            "net_amount",
            "tax_amount",
            "gross_amount",
            "created_at",
            "submitted_at",
            "activated_at",
            "signed_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        # Input only: an answer's serializer builds no queryset it would not use (issue 14).
        if "data" in kwargs and request is not None and request.user.is_authenticated:
            # Unknown or invisible → 400 naming `order`; visible but not approved → 409.
            # Only its id is used (the service reads the order under its lock): no joins.
            self.fields["order"].queryset = (
                sales_selectors.order_list(user=request.user, with_lines=False)
                .select_related(None)
                .only("pk")
            )
        if self.instance is not None:
            self.fields["order"].required = False

    def validate(self, attrs):
        return keep_reference(self, attrs, "order", _("The order of a contract cannot be changed."))


class LedgerSerializer(Serializer):
    """API.md `contracts/{id}/ledger/`: gross amounts; `collection_ratio` 4 places."""

    contracted = amount_field()
    shipped = amount_field()
    delivered = amount_field()
    invoiced = amount_field()
    collected = amount_field()
    outstanding = amount_field()
    due = amount_field()
    overdue = amount_field()
    interest = amount_field(help_text="Posted interest (R18).")
    interest_accrued = amount_field(help_text="Accrued since the last posting (R18).")
    collection_ratio = serializers.DecimalField(max_digits=7, decimal_places=4)
    first_payment_received = serializers.BooleanField()
