from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.api.serializers import DocumentApprovalField
from contracts.models import Contract
from core.api.fields import ReferenceField, amount_field, quantity_field
from core.api.serializers import ModelSerializer, Serializer
from core.permissions import sees_customer
from inventory import selectors
from inventory.models import Warehouse
from sales.models import Product


class WarehouseSerializer(ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "address", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"code": {"validators": []}}


class StockSerializer(Serializer):
    """API.md `stock/` row."""

    product = serializers.IntegerField(source="product_id")
    warehouse = serializers.IntegerField(source="warehouse_id")
    on_hand = quantity_field()
    reserved = quantity_field()
    available = quantity_field()


class StockAdjustmentSerializer(Serializer):
    product = serializers.IntegerField()
    warehouse = serializers.IntegerField()
    quantity = quantity_field(help_text="Negative to take stock out; not zero.")
    reason = serializers.CharField(max_length=200)


class StockMoveSerializer(Serializer):
    id = serializers.IntegerField()
    product = serializers.IntegerField(source="product_id")
    warehouse = serializers.IntegerField(source="warehouse_id")
    kind = serializers.CharField()
    quantity = quantity_field()
    reason = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()


# --- fulfilment documents (API.md "Fulfilment", R10–R15) ----------------------------------------
# Input is parsed here only for its shape (ids are integers, quantities 3 places, dates
# YYYY-MM-DD); whether an id is known and visible, a line belongs to the contract, quantities
# fit and the caller may act is decided by the services, which name the field they refuse.


# What a fulfilment document takes in: a positive quantity (3 places, core.api.fields' bound).
POSITIVE = Decimal("0.001")


def _contract_usable(user, pk) -> bool:
    """Known and visible to the caller (R23); whether its state allows the document is the
    service's 409, after the input is valid. Only its customer's owner is read (issue 14)."""
    owners = list(Contract.objects.filter(pk=pk).values_list("customer__owner_id", flat=True))
    return bool(owners) and sees_customer(user, owner_id=owners[0])


def _warehouse_field():
    return ReferenceField(
        source="warehouse_id",
        exists=lambda _user, pk: Warehouse.objects.filter(pk=pk, is_active=True).exists(),
        message=_("Unknown warehouse."),
        help_text="An active warehouse.",
    )


def _username(source, **kwargs):
    return serializers.CharField(
        source=f"{source}.username", read_only=True, allow_null=True, **kwargs
    )


class FulfilmentLineSerializer(Serializer):
    """A line against a contract line: `{"contract_line", "quantity"}` in, with the product out."""

    id = serializers.IntegerField(read_only=True)
    contract_line = serializers.IntegerField(
        source="contract_line_id", help_text="The id of a line of the document's contract."
    )
    product = serializers.IntegerField(source="product_id", read_only=True)
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    quantity = quantity_field(min_value=POSITIVE, label=_("quantity"))


class ShippingNoticeLineSerializer(FulfilmentLineSerializer):
    amount = amount_field(
        read_only=True, help_text="Gross amount of this quantity at the contract's price."
    )


class ProductionProgressSerializer(Serializer):
    """One line of a production notice against the goods received on posted receipts (R10)."""

    contract_line = serializers.IntegerField(source="line.contract_line_id")
    product = serializers.IntegerField(source="product.pk")
    product_code = serializers.CharField(source="product.code")
    quantity = quantity_field()
    received = quantity_field()


class _DocumentSerializer(Serializer):
    """What the fulfilment documents share: number, contract, customer, author, approval."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    contract = ReferenceField(
        source="contract_id",
        exists=_contract_usable,
        message=_("Unknown contract."),
        help_text="An active contract the caller may see (R23).",
    )
    contract_number = serializers.CharField(
        source="contract.number", read_only=True, allow_null=True
    )
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    created_by = _username("created_by")
    created_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    approval = DocumentApprovalField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # PATCH of a draft: the contract stays; the lines, when given, replace them.
            self.fields["contract"].required = False
            if "lines" in self.fields:
                self.fields["lines"].required = False

    def validate(self, attrs):
        contract = attrs.pop("contract_id", None)
        if self.instance is not None and contract not in (None, self.instance.contract_id):
            raise serializers.ValidationError(
                {"contract": [_("The contract of a document cannot be changed.")]}
            )
        if self.instance is None:
            attrs["contract"] = contract
        if "lines" in attrs:
            attrs["lines"] = [
                # On PATCH DRF treats a line's fields as optional too: a missing one reaches
                # the service as None, which names `lines.N.field` (R25).
                {"contract_line": line.get("contract_line_id"), "quantity": line.get("quantity")}
                for line in attrs["lines"]
            ]
        return attrs


class ProductionNoticeSerializer(_DocumentSerializer):
    """API.md `production-notices/` (R10): planner drafts `{"contract","due_date","lines"}`;
    `submit/` → the sales VP signs → `released`; `complete/` → `completed`."""

    status = serializers.CharField(
        read_only=True,
        help_text="`draft`, `submitted`, `released`, `completed` or `cancelled`.",
    )
    due_date = serializers.DateField(label=_("due date"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    lines = FulfilmentLineSerializer(many=True)
    released_at = serializers.DateTimeField(read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField(
        help_text="Per line: the quantity ordered and received on posted goods receipts."
    )

    @extend_schema_field(ProductionProgressSerializer(many=True))
    def get_progress(self, notice):
        rows = getattr(notice, "_progress", None)
        if rows is None:
            rows = selectors.production_progress([notice])[notice.pk]
        return ProductionProgressSerializer(rows, many=True).data


class GoodsReceiptSerializer(Serializer):
    """API.md `goods-receipts/` (R11): production records it with the QC certificate number;
    `confirm/` (QC, another person) → `posted` and stock up; `reject/` {"reason"}."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="`recorded`, `posted` or `rejected`.")
    product = ReferenceField(
        source="product_id",
        exists=lambda _user, pk: Product.objects.filter(pk=pk).exists(),
        message=_("Unknown product."),
        help_text="A product's id.",
    )
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    warehouse = _warehouse_field()
    quantity = quantity_field(min_value=POSITIVE, label=_("quantity"))
    qc_certificate_no = serializers.CharField(max_length=60, label=_("QC certificate no."))
    production_notice = serializers.IntegerField(
        source="production_notice_id",
        required=False,
        allow_null=True,
        help_text="A released production notice with this product on it.",
    )
    created_by = _username("created_by")
    created_at = serializers.DateTimeField(read_only=True)
    confirmed_by = _username("confirmed_by", help_text="Who confirmed or rejected it (QC).")
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    rejection_reason = serializers.CharField(read_only=True)

    def validate(self, attrs):
        return {
            "product": attrs["product_id"],
            "warehouse": attrs["warehouse_id"],
            "quantity": attrs["quantity"],
            "qc_certificate_no": attrs["qc_certificate_no"],
            "production_notice": attrs.get("production_notice_id"),
        }


class ReasonSerializer(Serializer):
    reason = serializers.CharField(max_length=300, label=_("reason"))


class ShippingNoticeSerializer(_DocumentSerializer):
    """API.md `shipping-notices/` (R12–R14): a clerk drafts
    `{"contract","warehouse","valid_until"?,"lines"}`; `submit/` → the sales manager approves;
    `issue/` (warehouse) → gate pass; `exit/` (security); `confirm-delivery/` → revenue."""

    status = serializers.CharField(
        read_only=True,
        help_text="`draft`, `submitted`, `approved`, `issued`, `shipped`, `delivered`, "
        "`expired` or `cancelled`.",
    )
    warehouse = _warehouse_field()
    valid_until = serializers.DateField(
        required=False, label=_("valid until"), help_text="Default: today + 7 days (R12)."
    )
    delivery_place = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        label=_("delivery place"),
        help_text="交货地点; empty or left out: the contract's.",
    )
    contract_delivery_date = serializers.DateField(
        source="contract.delivery_date",
        read_only=True,
        allow_null=True,
        help_text="The contract's delivery date (交货日期).",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    gross_amount = amount_field(read_only=True)
    lines = ShippingNoticeLineSerializer(many=True)
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    gate_pass_no = serializers.CharField(read_only=True, allow_null=True)
    issued_by = _username("issued_by")
    issued_at = serializers.DateTimeField(read_only=True, allow_null=True)
    exited_by = _username("exited_by")
    exited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    signed_by = serializers.CharField(read_only=True)
    signed_at = serializers.DateField(read_only=True, allow_null=True)
    booked_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="A late document (signed in a closed month): the day its entries are dated, "
        "the first day of the first open month; null when booked on the signing day.",
    )
    has_scan = serializers.SerializerMethodField(help_text="A scan of the signed copy is on file.")
    delivery_recorded_by = _username("delivery_recorded_by")
    delivery_recorded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    expired_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_has_scan(self, notice) -> bool:
        return bool(notice.signed_scan)

    def validate_valid_until(self, value):
        # The service's rule, here too so it is reported with every other bad field.
        if value < timezone.localdate():
            raise serializers.ValidationError(_("The notice must be valid today or later."))
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "warehouse_id" in attrs:
            attrs["warehouse"] = attrs.pop("warehouse_id")
        return attrs


class GatePassSerializer(Serializer):
    gate_pass_no = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="Typed or scanned from the pass; when given it must be the notice's.",
    )


class DeliverySerializer(Serializer):
    """The customer-signed delivery copy (R14): JSON, or multipart with the optional scan."""

    signed_by = serializers.CharField(max_length=100, label=_("signed by"))
    signed_at = serializers.DateField(
        label=_("signed on"),
        help_text="Any past date; not in the future nor (unless book_in_open_period) in a "
        "closed period.",
    )
    book_in_open_period = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A late document: signed in a closed month, book its entries on the first day "
        "of the first open month after that date (signed_at is kept; booked_on shows the day). "
        "Without it a signing date in a closed month is 409 period_closed.",
    )
    scan = serializers.FileField(
        required=False,
        label=_("signed copy (scan)"),
        help_text="PDF, JPEG or PNG, at most settings.DELIVERY_SCAN_MAX_BYTES.",
    )


class ServiceDispatchSerializer(_DocumentSerializer):
    """API.md `service-dispatches/` (R15): a clerk drafts `{"contract","scheduled_on",
    "description"}`; `submit/` → 409 `first_payment_required` or the sales manager approves;
    `complete/` {"acceptance_report_no"}."""

    status = serializers.CharField(
        read_only=True,
        help_text="`draft`, `submitted`, `approved`, `completed` or `cancelled`.",
    )
    scheduled_on = serializers.DateField(label=_("scheduled on"))
    description = serializers.CharField(max_length=1000, label=_("description"))
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    acceptance_report_no = serializers.CharField(read_only=True)
    completed_by = _username("completed_by")
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class AcceptanceSerializer(Serializer):
    acceptance_report_no = serializers.CharField(max_length=60, label=_("acceptance report no."))
