"""Viewsets of the finance API: parse input, call one service or selector, serialise."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from core.errors import InvalidInput
from core.permissions import require_role
from finance import selectors, services
from finance.api.serializers import (
    BankStatementSerializer,
    BankStatementSummarySerializer,
    BankStatementUploadSerializer,
    JournalEntrySerializer,
)
from finance.models import BankStatement, JournalEntry


class JournalFilter(django_filters.FilterSet):
    contract = django_filters.NumberFilter(field_name="contract_id")
    customer = django_filters.NumberFilter(field_name="customer_id")
    account = django_filters.CharFilter(field_name="lines__account__code", distinct=True)


class JournalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`GET journal/?contract=&customer=&account=`: posted entries, read only (R24), for
    finance, its VP and the general manager."""

    serializer_class = JournalEntrySerializer
    filterset_class = JournalFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks without a user
            return JournalEntry.objects.none()
        require_role(self.request.user, *selectors.JOURNAL_READERS)
        return selectors.journal_entries()


class BankStatementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """`bank-statements/` (issue 12 item 4): finance uploads the bank's export (multipart
    `file`) and confirms its lines into receipts (`confirm/`); finance, its VP and the general
    manager read them."""

    serializer_class = BankStatementSummarySerializer
    filterset_fields = ["status"]
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankStatement.objects.none()
        return selectors.bank_statement_list(user=self.request.user)

    def _detail(self, statement_id, **extra):
        statement = selectors.bank_statement_get(user=self.request.user, statement_id=statement_id)
        proposals = selectors.bank_line_proposals(statement.lines.all())
        context = {**self.get_serializer_context(), "proposals": proposals}
        return {**BankStatementSerializer(statement, context=context).data, **extra}

    @extend_schema(responses=BankStatementSerializer)
    def retrieve(self, request, pk=None):
        """One statement: each line's status, customer, errors by column, the receipt it
        became, and the customer's open contracts proposed (oldest due first)."""
        return Response(self._detail(self.get_object().pk))

    def get_object(self):
        return selectors.bank_statement_get(user=self.request.user, statement_id=self.kwargs["pk"])

    @extend_schema(
        request={"multipart/form-data": BankStatementUploadSerializer},
        responses={201: BankStatementSerializer},
    )
    def create(self, request):
        """Upload a statement (CSV or XLSX by content); 201 with its lines matched, duplicate
        or invalid (errors by column). A file that is not a statement: 400 naming `file`."""
        if len(request.FILES.getlist("file")) > 1:
            raise InvalidInput(errors={"file": [_("Upload one file: the bank statement.")]})
        data = BankStatementUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        statement = services.bank_statement_upload(
            actor=request.user, upload=data.validated_data["file"]
        )
        return Response(self._detail(statement.pk), status=status.HTTP_201_CREATED)
