from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.models import ApprovalRequest, Decision, Delegation, RequestStatus
from core.api.fields import amount_field
from core.api.serializers import ModelSerializer, Serializer


class StepSerializer(Serializer):
    sequence = serializers.IntegerField()
    role = serializers.CharField()


class DecisionSerializer(ModelSerializer):
    user = serializers.CharField(source="user.username")
    on_behalf_of = serializers.CharField(
        source="on_behalf_of.username", default=None, allow_null=True
    )

    class Meta:
        model = Decision
        fields = ["role", "user", "on_behalf_of", "decision", "comment", "decided_at"]


class ApprovalSerializer(ModelSerializer):
    """API.md's `approval` object, with the inbox's fields."""

    current_steps = StepSerializer(source="open_steps", many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    customer = serializers.IntegerField(source="customer_id", allow_null=True)
    requested_by = serializers.CharField(source="requested_by.username")
    amount = amount_field(read_only=True, allow_null=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "document_type",
            "document_id",
            "document_number",
            "status",
            "current_steps",
            "amount",
            "customer",
            "customer_name",
            "requested_by",
            "on_hold",
            "created_at",
            "closed_at",
            "decisions",
        ]


class DocumentApprovalSchema(Serializer):
    """The shape of API.md's `approval` object, for the OpenAPI schema."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    current_steps = StepSerializer(many=True)
    decisions = DecisionSerializer(many=True)


@extend_schema_field(DocumentApprovalSchema(read_only=True, allow_null=True))
class DocumentApprovalField(serializers.Field):
    """The `approval` of an approvable document (null before its first submit)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("source", "*")
        super().__init__(**kwargs)

    def to_representation(self, document):
        from approvals.selectors import ANSWERED, approvals_for_documents

        # The request the service has just opened (the engine leaves it, with its steps),
        # else the one a list fetched in bulk, else one read.
        request = document.__dict__.get(ANSWERED, False)
        if request is False:
            request = getattr(document, "_approval_request", False)
        if request is False:
            request = approvals_for_documents(
                document_type=str(document.approval_document_type), document_ids=[document.pk]
            ).get(document.pk)
        if request is None:
            return None
        return {
            "id": request.id,
            "status": request.status,
            "current_steps": self._rows(StepSerializer, request.open_steps),
            "decisions": self._rows(DecisionSerializer, request.decisions.all()),
        }

    def _rows(self, serializer_class, rows) -> list:
        """`serializer_class(rows, many=True).data`, by one list serializer per class for every
        document this field shows (a list's rows), not two new ones per document (issue 14)."""
        serializers_ = self.__dict__.setdefault("_row_serializers", {})
        if serializer_class not in serializers_:
            serializers_[serializer_class] = serializer_class(many=True)
        return serializers_[serializer_class].to_representation(rows)


def with_answered_approval(written, fresh):
    """`fresh` (a document read again after a service wrote `written`) with the approval
    request the engine left on `written` when it opened it (`approvals.selectors.ANSWERED`),
    so `DocumentApprovalField` shows it without reading it again (issue 14)."""
    from approvals.selectors import ANSWERED

    if ANSWERED in written.__dict__:
        fresh.__dict__[ANSWERED] = written.__dict__[ANSWERED]
    return fresh


class DecideSerializer(Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    role = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Which open step to decide when you hold several.",
    )


class RejectSerializer(Serializer):
    comment = serializers.CharField()


class DelegationSerializer(ModelSerializer):
    delegator = serializers.CharField(source="delegator.username", read_only=True)
    delegate = serializers.SlugRelatedField(
        slug_field="username",
        queryset=Delegation._meta.get_field("delegate").related_model.objects.filter(
            is_active=True
        ),
    )

    class Meta:
        model = Delegation
        fields = [
            "id",
            "delegator",
            "delegate",
            "role",
            "valid_from",
            "valid_to",
            "revoked_at",
            "created_at",
        ]
        read_only_fields = ["id", "delegator", "revoked_at", "created_at"]


class AuditQuerySerializer(Serializer):
    """`GET audit/` filters (issue 16)."""

    reject_unknown_fields = False  # query parameters: `format`, a cache-buster …

    kind = serializers.ChoiceField(
        choices=["login", "failed_login", "decision"], required=False, allow_blank=True
    )
    username = serializers.CharField(required=False, allow_blank=True, max_length=150)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class AuditEventSerializer(Serializer):
    kind = serializers.CharField(help_text="`login`, `failed_login` or `decision`.")
    at = serializers.DateTimeField()
    username = serializers.CharField()
    ip_address = serializers.CharField(allow_null=True)
    detail = serializers.CharField()
    locked_out = serializers.BooleanField(required=False)
    request_id = serializers.IntegerField(required=False)
