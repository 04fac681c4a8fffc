"""Serializers of the finance API: parse and shape, no business rule; money through
`core.api.fields.amount_field`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.fields import amount_field
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


class TrialBalanceRowSerializer(serializers.Serializer):
    account = serializers.CharField(help_text=_("Account code"))
    name = serializers.CharField()
    opening = amount_field(help_text=_("Debit minus credit before the month's first day"))
    debit = amount_field()
    credit = amount_field()
    closing = amount_field(help_text=_("Opening + debit − credit"))


class TrialBalanceTotalsSerializer(serializers.Serializer):
    opening = amount_field()
    debit = amount_field()
    credit = amount_field()
    closing = amount_field()


class TrialBalanceSerializer(serializers.Serializer):
    """API.md `reports/trial-balance/?period=`: Σ debit = Σ credit; balances debit − credit."""

    period = serializers.CharField(help_text=_("YYYY-MM"))
    accounts = TrialBalanceRowSerializer(many=True)
    totals = TrialBalanceTotalsSerializer()


class StatementLineSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=["delivery", "interest", "invoice", "receipt"])
    document = serializers.CharField()
    debit = amount_field()
    credit = amount_field()
    balance = amount_field()


class StatementSerializer(serializers.Serializer):
    """API.md `customers/{id}/statement/`: balance = opening + Σ debit − Σ credit; positive is
    what the customer owes, negative an advance."""

    customer = serializers.IntegerField(source="customer.pk")
    # `from` is a Python keyword: the field is named in `get_fields`.
    to = serializers.DateField()
    opening_balance = amount_field()
    lines = StatementLineSerializer(many=True)
    closing_balance = amount_field()

    def get_fields(self):
        fields = super().get_fields()
        ordered = {"customer": fields.pop("customer"), "from": serializers.DateField()}
        return {**ordered, **fields}
