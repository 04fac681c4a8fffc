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
