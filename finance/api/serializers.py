"""Serializers of the finance API: parse and shape, no business rule; money through
`core.api.fields.amount_field`."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.api.serializers import DocumentApprovalField
from contracts.models import Contract
from core.api.fields import ReferenceField, amount_field
from core.permissions import sees_customer
from finance.models import JournalEntry, JournalLine


class JournalLineSerializer(serializers.ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="code", read_only=True)
    debit = amount_field(read_only=True)
    credit = amount_field(read_only=True)

    class Meta:
        model = JournalLine
        fields = ["account", "debit", "credit"]


class JournalEntrySerializer(serializers.ModelSerializer):
    """API.md `journal/`: `{"id","date","memo","lines":[{"account","debit","credit"}]}`, with
    the contract, customer, source document and what it reverses added."""

    lines = JournalLineSerializer(many=True, read_only=True)
    source = serializers.SerializerMethodField(label=_("source document"))

    class Meta:
        model = JournalEntry
        fields = ["id", "date", "memo", "contract", "customer", "source", "reverses", "lines"]
        read_only_fields = fields

    def get_source(self, entry) -> dict:
        return {"type": entry.source_type, "id": entry.source_id, "number": entry.source_number}


# --- invoices (R17) ------------------------------------------------------------------------------


def _contract_usable(user, pk) -> bool:
    """Known and visible to the caller (R23); whether it may be invoiced is the service's 409."""
    contract = Contract.objects.select_related("customer").filter(pk=pk).first()
    return contract is not None and sees_customer(user, owner_id=contract.customer.owner_id)


def _username(source):
    return serializers.CharField(source=f"{source}.username", read_only=True, allow_null=True)


class InvoiceSerializer(serializers.Serializer):
    """API.md `invoices/`: POST `{"contract","amount"?}` (default: gross − invoiced) → a draft;
    `submit/` → the VP of finance → `issued` with its `number`; `red/` → a red invoice
    (negative, `reverses`); `fapiao/` records the tax system's fapiao."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(
        read_only=True, allow_null=True, help_text="FP-YYYY-NNNNN, given at issue."
    )
    status = serializers.CharField(
        read_only=True,
        help_text="`draft`, `submitted` (in approval), `issued`, `reversed` or `cancelled`.",
    )
    contract = ReferenceField(
        source="contract_id",
        exists=_contract_usable,
        message=_("Unknown contract."),
        help_text="An active contract (R17: its invoice threshold collected).",
    )
    contract_number = serializers.CharField(
        source="contract.number", read_only=True, allow_null=True
    )
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    reverses = serializers.IntegerField(
        source="reverses_id",
        read_only=True,
        allow_null=True,
        help_text="A red invoice: the invoice it reverses.",
    )
    amount = amount_field(
        required=False,
        allow_null=True,
        min_value=Decimal("0.01"),
        help_text="Gross; default: the contract's gross less what is invoiced. Negative on a "
        "red invoice.",
    )
    net_amount = amount_field(read_only=True)
    tax_amount = amount_field(
        read_only=True, help_text="amount × contract tax / contract gross, to the cent."
    )
    buyer_name = serializers.CharField(read_only=True)
    buyer_tax_id = serializers.CharField(read_only=True)
    buyer_address = serializers.CharField(read_only=True)
    buyer_phone = serializers.CharField(read_only=True)
    buyer_bank = serializers.CharField(
        required=False, allow_blank=True, max_length=100, label=_("buyer's bank")
    )
    buyer_account = serializers.CharField(
        required=False, allow_blank=True, max_length=40, label=_("buyer's bank account")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    created_by = _username("created_by")
    created_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True)
    issued_on = serializers.DateField(read_only=True)
    fapiao_number = serializers.CharField(read_only=True)
    fapiao_date = serializers.DateField(read_only=True)
    approval = DocumentApprovalField()


class RedInvoiceSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class FapiaoSerializer(serializers.Serializer):
    fapiao_number = serializers.CharField(
        max_length=20, label=_("fapiao number"), help_text="8 to 20 digits."
    )
    fapiao_date = serializers.DateField(label=_("fapiao date"))
