"""Viewsets of the finance API: parse input, call one service or selector, serialise."""

import datetime

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from core.permissions import require_role
from finance import selectors, services
from finance.api.serializers import (
    BankConfirmSerializer,
    BankStatementConfirmedSerializer,
    BankStatementSerializer,
    BankStatementSummarySerializer,
    BankStatementUploadSerializer,
    JournalEntrySerializer,
    ReceiptAllocateSerializer,
    ReceiptCreateSerializer,
    ReceiptReverseSerializer,
    ReceiptSerializer,
    StatementSerializer,
    TrialBalanceSerializer,
)
from finance.models import Allocation, BankStatement, JournalEntry, Receipt
from finance.pdf import statement_pdf_response


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


class TrialBalanceView(APIView):
    """`GET reports/trial-balance/?period=YYYY-MM` (finance, its VP, the general manager)."""

    @extend_schema(
        tags=["reports"],
        parameters=[
            OpenApiParameter(
                "period", str, description="YYYY-MM; this month when not given", required=False
            )
        ],
        responses=TrialBalanceSerializer,
        description=(
            "Every account with its opening balance (Σ before the month's first day), the "
            "month's debits and credits and its closing balance. Balances are debit minus "
            "credit (an asset's usually positive, a liability's or revenue's negative); "
            "Σ debit = Σ credit."
        ),
    )
    def get(self, request):
        require_role(request.user, *selectors.JOURNAL_READERS)
        period = request.query_params.get("period") or f"{timezone.localdate():%Y-%m}"
        balance = selectors.trial_balance(period=period)
        return Response(TrialBalanceSerializer(balance).data)


class PdfOrJsonNegotiation(DefaultContentNegotiation):
    """`?format=pdf` asks for the PDF the view answers itself, and the view refuses an unknown
    format naming the field; what it answers through a renderer (the statement, an error) is
    JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) not in (None, "json", "api"):
            format_suffix = "json"
        return super().select_renderer(request, renderers, format_suffix)


def _date(params, name: str, default: datetime.date) -> datetime.date:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(errors={name: [_("Enter a date as YYYY-MM-DD.")]}) from None


class CustomerStatementView(APIView):
    """`GET customers/{id}/statement/?from=&to=` — the statement of account (对账单); R23: a
    clerk's own customers only (404 otherwise)."""

    content_negotiation_class = PdfOrJsonNegotiation

    @extend_schema(
        tags=["customers"],
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day of this month"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="today by default"),
            OpenApiParameter("format", str, enum=["json", "pdf"], required=False),
        ],
        responses={
            (200, "application/json"): StatementSerializer,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
        description=(
            "Debit: signed deliveries (gross) and posted interest; credit: receipts; invoices "
            "listed with 0/0; balance = opening + Σ debit − Σ credit (positive: owed by the "
            "customer; negative: an advance). `?format=pdf`: the Chinese PDF to sign."
        ),
    )
    def get(self, request, customer_id: int):
        params = request.query_params
        today = timezone.localdate()
        errors = {}
        dates = {}
        for name, default in (("from", today.replace(day=1)), ("to", today)):
            try:
                dates[name] = _date(params, name, default)
            except InvalidInput as error:
                errors.update(error.errors)
        fmt = params.get("format") or "json"
        if fmt not in ("json", "api", "pdf"):
            errors["format"] = [_("Choose json or pdf.")]
        if errors:
            raise InvalidInput(errors=errors)
        if "to" not in params and dates["to"] < dates["from"]:
            dates["to"] = dates["from"]  # a `from` in the future with no `to`: that day only
        statement = selectors.customer_statement(
            user=request.user,
            customer_id=customer_id,
            date_from=dates["from"],
            date_to=dates["to"],
        )
        if fmt == "pdf":
            return statement_pdf_response(statement)
        return Response(StatementSerializer(statement).data)


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


ALLOCATIONS = Allocation.objects.select_related("contract").order_by("id")


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

    @extend_schema(request=BankConfirmSerializer, responses=BankStatementConfirmedSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Import the chosen lines as receipts (bank transfer, received on the line's date, the
        line's reference), each with the allocations given (none: on account), all or nothing;
        200 with the statement and the receipts created (`receipts`). Refusals name the line:
        `lines.N.row` (duplicate, imported already), `lines.N.allocations.M.amount`
        (`over_collection`), `lines.N.received_on` (`period_closed`)."""
        statement_id = self.get_object().pk
        data = BankConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _statement, receipts = services.bank_statement_confirm(
            actor=request.user, statement_id=statement_id, lines=data.validated_data["lines"]
        )
        created = (
            selectors.receipt_list(user=request.user)
            .filter(pk__in=[receipt.pk for receipt in receipts])
            .prefetch_related(
                Prefetch(
                    "allocations", Allocation.objects.select_related("contract").order_by("id")
                )
            )
            .in_bulk()
        )
        shown = [created[receipt.pk] for receipt in receipts]
        return Response(
            self._detail(statement_id, receipts=ReceiptSerializer(shown, many=True).data)
        )
