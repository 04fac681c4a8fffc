"""Viewsets of the finance API: parse input, call one service or selector, serialise."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.permissions import require_role
from finance import selectors, services
from finance.api.serializers import (
    JournalEntrySerializer,
    ReceiptAllocateSerializer,
    ReceiptCreateSerializer,
    ReceiptReverseSerializer,
    ReceiptSerializer,
)
from finance.models import Allocation, JournalEntry, Receipt


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


class ReceiptFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")
    status = django_filters.CharFilter(field_name="status")
    received_from = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_to = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")


class ReceiptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`receipts/` (R16): finance records, allocates (`allocate/`) and reverses (`reverse/`);
    the sales side reads its own customers' receipts (R23)."""

    serializer_class = ReceiptSerializer
    filterset_class = ReceiptFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Receipt.objects.none()
        require_role(self.request.user, *selectors.RECEIPT_READERS)
        return selectors.receipt_list(user=self.request.user).prefetch_related(
            Prefetch("allocations", Allocation.objects.select_related("contract").order_by("id"))
        )

    def _answer(self, receipt, code=status.HTTP_200_OK):
        fresh = selectors.receipt_get(user=self.request.user, receipt_id=receipt.pk)
        return Response(ReceiptSerializer(fresh).data, status=code)

    @extend_schema(request=ReceiptCreateSerializer, responses={201: ReceiptSerializer})
    def create(self, request):
        data = ReceiptCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["customer_id"] = fields.pop("customer")
        receipt = services.receipt_create(actor=request.user, **fields)
        return self._answer(receipt, status.HTTP_201_CREATED)

    @extend_schema(request=ReceiptAllocateSerializer, responses={200: ReceiptSerializer})
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        data = ReceiptAllocateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = services.receipt_allocate(
            actor=request.user, receipt_id=pk, allocations=data.validated_data.get("allocations")
        )
        return self._answer(receipt)

    @extend_schema(request=ReceiptReverseSerializer, responses={200: ReceiptSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        data = ReceiptReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = services.receipt_reverse(
            actor=request.user, receipt_id=pk, reason=data.validated_data["reason"]
        )
        return self._answer(receipt)
