"""REST serializers of the sales app (API.md): they parse input and render output; every
write goes through a service (STYLE.md: thin API). Amounts and quantities are bounded to what
every supported database keeps (`core.api.fields`): a larger value is a 400 naming the field."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.api.serializers import DocumentApprovalField
from core.api.fields import ReferenceField, amount_field, keep_reference, quantity_field
from core.api.serializers import ModelSerializer, Serializer
from sales import selectors
from sales.models import (
    Contact,
    CreditChangeRequest,
    Customer,
    Lead,
    LeadContact,
    LeadImport,
    Order,
    PaymentMethod,
    PriceList,
    Product,
    Quotation,
)
from sales.services.leads import LEAD_FIELDS

User = get_user_model()

# --- customers and products -------------------------------------------------------------------


class ContactSerializer(ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "title", "phone", "email"]
        read_only_fields = ["id"]


class CustomerSerializer(ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False
    )
    contacts = ContactSerializer(many=True, required=False)

    class Meta:
        model = Customer
        fields = [
            "id",
            "code",
            "name",
            "owner",
            "tax_id",
            "contact_name",
            "phone",
            "email",
            "address",
            "credit_limit",
            "credit_days",
            "risk_level",
            "blocked",
            "is_active",
            "contacts",
            "created_at",
            "updated_at",
        ]
        # R2: credit fields are read-only here; a write is refused before validation.
        read_only_fields = [
            "id",
            "credit_limit",
            "credit_days",
            "risk_level",
            "blocked",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"code": {"required": False, "validators": []}}


class CustomerCreditSerializer(Serializer):
    credit_limit = amount_field()
    credit_days = serializers.IntegerField()
    risk_level = serializers.CharField()
    exposure = amount_field()
    available = amount_field()
    overdue_amount = amount_field()
    blocked = serializers.BooleanField()


class ProductSerializer(ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "specification",
            "unit",
            "tax_rate",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"code": {"validators": []}}


# --- credit change requests (R2) --------------------------------------------------------------


class CreditChangeSerializer(ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(), help_text="A customer the caller may see (R23)."
    )
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    credit_limit = amount_field(min_value=Decimal("0"), label=_("new credit limit"))
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
        return keep_reference(
            self, attrs, "customer", _("The customer of a request cannot be changed.")
        )


# --- price lists (R5, R6) ---------------------------------------------------------------------


class PriceListItemSerializer(Serializer):
    id = serializers.IntegerField(read_only=True)
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(is_active=True), help_text="An active product's id."
    )
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    # Above zero here too, so they are reported with every other bad field; floor ≤ list is
    # the service's, with a message naming the field.
    list_price = amount_field(
        label=_("list price"),
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("Prices must be above zero.")},
    )
    floor_price = amount_field(
        label=_("floor price"),
        min_value=Decimal("0.01"),
        error_messages={"min_value": _("Prices must be above zero.")},
        help_text="No order line goes below it (R5); at most the list price.",
    )


class PriceListSerializer(ModelSerializer):
    commission_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
        label=_("commission rate"),
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


# --- orders (R3–R7) ---------------------------------------------------------------------------


class OrderLineSerializer(Serializer):
    id = serializers.IntegerField(read_only=True)
    # Unknown → 400 `lines.N.product` here, with every other bad field; off the active list →
    # 409 `not_on_price_list` from the service (R5).
    product = ReferenceField(
        source="product_id",
        exists=lambda _user, pk: Product.objects.filter(pk=pk).exists(),
        existing=lambda _user, ids: set(
            Product.objects.filter(pk__in=ids).order_by().values_list("pk", flat=True)
        ),
        message=_("Unknown product."),
        help_text="A product's id.",
    )
    product_code = serializers.CharField(source="product.code", read_only=True)
    # The model's lower bounds, so they are reported with the other fields; not below the
    # floor price is the service's rule (R5).
    quantity = quantity_field(
        label=_("quantity"),
        min_value=Decimal("0.001"),
        error_messages={"min_value": _("Enter a quantity above zero.")},
    )
    unit_price = amount_field(
        label=_("unit price"),
        min_value=Decimal("0"),
        error_messages={"min_value": _("The price cannot be negative.")},
        help_text="At least the product's floor price on the active list (R5).",
    )
    tax_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        required=False,
        label=_("tax rate"),
        help_text="Default: the product's rate.",
    )
    net = amount_field(read_only=True)
    tax = amount_field(read_only=True)
    gross = amount_field(read_only=True)


class OrderSerializer(ModelSerializer):
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
        max_digits=5,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
        label=_("first payment ratio"),
    )
    note = serializers.CharField(required=False, allow_blank=True)
    delivery_date = serializers.DateField(
        required=False,
        allow_null=True,
        label=_("delivery date"),
        help_text="交货日期, optional; not in the past when given nor at submit (400 `invalid`).",
    )
    delivery_place = serializers.CharField(
        required=False, allow_blank=True, max_length=200, label=_("delivery place")
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices,
        required=False,
        allow_blank=True,
        label=_("payment method"),
        help_text="`bank_transfer`, `acceptance_bill`, `cheque` or `cash`; empty when not agreed.",
    )
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
            "delivery_date",
            "delivery_place",
            "payment_method",
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
        # Input only: an answer's serializer builds no queryset it would not use (issue 14).
        if "data" in kwargs and request is not None and request.user.is_authenticated:
            # An unknown or invisible customer is a 400 naming the field (API.md, R23).
            self.fields["customer"].queryset = selectors.customer_list(user=request.user)
        if self.instance is not None:
            # PATCH: the lines, when given, replace the order's lines.
            self.fields["lines"].required = False
            self.fields["customer"].required = False

    def validate(self, attrs):
        return keep_reference(
            self, attrs, "customer", _("The customer of an order cannot be changed.")
        )


# --- leads (R26) ------------------------------------------------------------------------------


class LeadSerializer(ModelSerializer):
    """A lead; `owner` is a username (default: the caller). `next_contact_due` is read-only:
    the clock sets it on capture, contact and regrade (R26)."""

    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), required=False
    )
    budget = amount_field(min_value=Decimal("0"), required=False, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            *LEAD_FIELDS,  # what the service takes (sales.services.leads)
            "owner",
            "status",
            "next_contact_due",
            "overdue",
            "last_contacted_at",
            "customer",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "next_contact_due",
            "last_contacted_at",
            "customer",
            "created_at",
        ]

    def get_overdue(self, lead) -> bool:
        from django.utils import timezone

        from sales.leads_clock import is_overdue

        return lead.status == "open" and is_overdue(lead.next_contact_due, timezone.now())


class LeadContactSerializer(ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LeadContact
        fields = ["id", "contacted_at", "channel", "note", "next_step", "by", "created_at"]
        read_only_fields = ["id", "by", "created_at"]


class LeadConvertSerializer(Serializer):
    tax_id = serializers.CharField(required=False, allow_blank=True, max_length=18)


# --- quotations and bids 报价/投标 (R27) ---------------------------------------------------------


class QuotationLineSerializer(OrderLineSerializer):
    """A quotation's line: as an order's (R5)."""


class QuotationSerializer(ModelSerializer):
    """A quotation, or with a `bid_deadline` a bid; for a `customer` or a `lead` (exactly one,
    the caller's own for a clerk, R23)."""

    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.none(),
        required=False,
        allow_null=True,
        help_text="One of the caller's customers (R23); or give `lead`.",
    )
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Lead.objects.none(),
        required=False,
        allow_null=True,
        help_text="One of the caller's leads (R23); or give `customer`.",
    )
    party_name = serializers.CharField(read_only=True)
    salesperson = serializers.CharField(source="created_by.username", read_only=True)
    kind = serializers.CharField(
        read_only=True, help_text="`quotation`, or `bid` when it has a `bid_deadline`."
    )
    status = serializers.CharField(
        read_only=True,
        help_text="`draft`, `submitted`, `approved`, `won`, `lost` or `cancelled`.",
    )
    valid_until = serializers.DateField(label=_("valid until"), help_text="Not in the past.")
    bid_deadline = serializers.DateField(
        required=False,
        allow_null=True,
        label=_("bid deadline"),
        help_text="A bid's tender deadline; not in the past, and not after `valid_until`.",
    )
    note = serializers.CharField(required=False, allow_blank=True)
    order = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    lines = QuotationLineSerializer(many=True)
    approval = DocumentApprovalField()

    class Meta:
        model = Quotation
        fields = [
            "id",
            "number",
            "kind",
            "customer",
            "lead",
            "party_name",
            "salesperson",
            "price_list",
            "status",
            "valid_until",
            "bid_deadline",
            "currency",
            "net_amount",
            "tax_amount",
            "gross_amount",
            "note",
            "lines",
            "outcome_reason",
            "decided_at",
            "order",
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
            "outcome_reason",
            "decided_at",
            "created_at",
            "submitted_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if "data" in kwargs and request is not None and request.user.is_authenticated:
            # An unknown or invisible party is a 400 naming the field (R23).
            self.fields["customer"].queryset = selectors.customer_list(user=request.user)
            self.fields["lead"].queryset = selectors.lead_list(user=request.user)
        if self.instance is not None:
            self.fields["lines"].required = False
            self.fields["valid_until"].required = False

    def validate(self, attrs):
        attrs = keep_reference(
            self, attrs, "customer", _("The party of a quotation cannot be changed.")
        )
        return keep_reference(self, attrs, "lead", _("The party of a quotation cannot be changed."))


class QuotationOutcomeSerializer(Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        label=_("reason"),
        help_text="Why it was won (optional) or lost (required).",
    )


class QuotationToOrderSerializer(Serializer):
    tax_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=18,
        help_text="The new customer's tax id, when a lead is converted first (R26).",
    )


# --- lead imports (issue 15 item 7) -------------------------------------------------------------


class LeadImportSummarySerializer(ModelSerializer):
    """A lead import in a list: who, when, the file, its status and counts."""

    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LeadImport
        fields = [
            "id",
            "filename",
            "created_by",
            "created_at",
            "status",
            "row_count",
            "error_count",
            "duplicate_count",
            "created_count",
            "skipped_count",
            "committed_at",
        ]
        read_only_fields = fields


class LeadImportSerializer(LeadImportSummarySerializer):
    """A lead import with its report: `columns` {"fields": {field: header}, "ignored": [...]},
    and `rows`, each {"row" (as the sheet numbers it), "values" {field: text}, "status"
    (new|duplicate|invalid), "errors" [{"column", "field", "message"}], "duplicates" [{"kind"
    (lead|customer|row), "id", "label", "by" (phone|email|company)}], "decision" (skip|import,
    for a duplicate), and once committed "outcome" (created|skipped|invalid) and "lead"}."""

    class Meta(LeadImportSummarySerializer.Meta):
        fields = [*LeadImportSummarySerializer.Meta.fields, "columns", "rows"]
        read_only_fields = fields


class LeadImportUploadSerializer(Serializer):
    file = serializers.FileField(
        help_text="The sheet: XLSX, or CSV in UTF-8 or GBK; row 1 names the columns (field "
        "names or 公司, 联系人, 职位, 电话, 邮箱, 规模, 行业, 来源, 现供应商, 需求, 预算, "
        "决策权, 等级, 等级理由, 负责人)."
    )


class LeadImportCommitSerializer(Serializer):
    decisions = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text='{"<row>": "skip"|"import"} for the duplicate rows; a row left out is skipped.',
    )
