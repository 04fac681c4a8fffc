"""Viewsets of the finance API: parse input, call one service or selector, serialise."""

import datetime

import django_filters
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.api.serializers import with_answered_approval
from approvals.selectors import ANSWERED, documents_with_approvals
from core.api.serializers import Serializer
from core.api.views import ServiceViewSet
from core.errors import InvalidInput
from core.permissions import require_role
from core.prefetch import carries
from finance import selectors, selectors_monthend, services
from finance.api.serializers import (
    AgingReportSerializer,
    BankConfirmSerializer,
    BankStatementConfirmedSerializer,
    BankStatementSerializer,
    BankStatementSummarySerializer,
    BankStatementUploadSerializer,
    CommissionDepartmentSerializer,
    CommissionLiveSerializer,
    CommissionPaySerializer,
    CommissionPrepareResultSerializer,
    CommissionPrepareSerializer,
    CommissionSlipCreateSerializer,
    CommissionSlipSerializer,
    FapiaoSerializer,
    InterestPostingSerializer,
    InterestRunResultSerializer,
    InterestRunSerializer,
    InvoiceSerializer,
    JournalEntrySerializer,
    LitigationCaseSerializer,
    PeriodReopenSerializer,
    PeriodSerializer,
    ReceiptAllocateSerializer,
    ReceiptCreateSerializer,
    ReceiptReverseSerializer,
    ReceiptSerializer,
    ReconciliationSerializer,
    ReconciliationStartSerializer,
    RedInvoiceSerializer,
    StatementSerializer,
    TrialBalanceSerializer,
)
from finance.models import (
    Allocation,
    BankStatement,
    CommissionSlip,
    CommissionSlipLine,
    InterestPosting,
    Invoice,
    InvoiceStatus,
    JournalEntry,
    LitigationCase,
    LitigationStatus,
    Receipt,
    Reconciliation,
    ReconciliationStatus,
)
from finance.pdf import (
    commission_slip_pdf_response,
    invoice_request_pdf_response,
    statement_pdf_response,
)
from finance.services.commission import COMMISSION_MANAGERS, COMMISSION_PREPARERS
from finance.services.invoices import INVOICE_AUTHORS


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
        # A new receipt as its service left it (customer locked, allocations and their
        # contracts kept, R23 checked) needs no second read (issue 14).
        if not carries(receipt, "customer", "created_by", "allocations.contract"):
            receipt = selectors.receipt_get(user=self.request.user, receipt_id=receipt.pk)
        return Response(ReceiptSerializer(receipt).data, status=code)

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


# --- invoices (R17) ------------------------------------------------------------------------------


class InvoiceFilter(django_filters.FilterSet):
    contract = django_filters.NumberFilter(field_name="contract_id")
    customer = django_filters.NumberFilter(field_name="customer_id")
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices)
    red = django_filters.BooleanFilter(
        field_name="reverses", lookup_expr="isnull", exclude=True, label="red invoices only"
    )

    class Meta:
        model = Invoice
        fields = ["contract", "customer", "status", "red"]


class InvoiceViewSet(ServiceViewSet):
    """Invoices (R17): finance requests one for an active contract whose invoice threshold is
    collected (409 `collection_threshold_not_met`), for at most what is neither invoiced nor
    in approval (409 `over_invoicing`) — checked at create, at `submit/` and at the VP's
    approval (`approvals/{id}/approve/`), which issues it with its number. `red/` drafts the
    red invoice of an issued one; `fapiao/` records the tax system's fapiao once. Read by
    finance, its VP, the GM and sales (a clerk their own customers' only, R23)."""

    serializer_class = InvoiceSerializer
    queryset = Invoice.objects.none()  # for the schema; requests use get_queryset
    filterset_class = InvoiceFilter
    search_fields = ["number", "fapiao_number", "contract__number", "customer__name"]
    ordering_fields = ["created_at", "number", "amount", "issued_on"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks without a user
            return Invoice.objects.none()
        require_role(self.request.user, *selectors.INVOICE_READERS)
        return selectors.invoice_list(user=self.request.user)

    def check_input(self, data) -> None:
        # A caller who may not request invoices gets the 403 before any field error.
        if self.action == "create":
            require_role(self.request.user, *INVOICE_AUTHORS)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    # What the answer reads beyond the invoice's row: a service's invoice that carries them
    # (the contract and customer it locked, the caller as author) is not read again (issue 14).
    answer_reads = ("contract", "customer", "created_by")

    def _fresh(self, invoice):
        return with_answered_approval(
            invoice, selectors.invoice_get(user=self.request.user, invoice_id=invoice.pk)
        )

    def _answer(self, invoice, status=200):
        return Response(self.get_serializer(self.answer(invoice, self._fresh)).data, status=status)

    def service_create(self, data):
        invoice = services.invoice_create(
            actor=self.request.user,
            contract_id=data["contract_id"],
            amount=data.get("amount"),
            buyer_bank=data.get("buyer_bank", ""),
            buyer_account=data.get("buyer_account", ""),
            note=data.get("note", ""),
        )
        invoice.__dict__[ANSWERED] = None  # a new draft: no approval yet
        return self.answer(invoice, self._fresh)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → in approval by the VP of finance; R17 checked again (409)."""
        invoice = services.invoice_submit(actor=request.user, invoice_id=self.url_id())
        return self._answer(invoice)

    @extend_schema(request=None, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft → cancelled."""
        invoice = services.invoice_cancel(actor=request.user, invoice_id=self.object_id())
        return self._answer(invoice)

    @extend_schema(request=RedInvoiceSerializer, responses={201: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def red(self, request, pk=None):
        """An issued invoice → 201 its red invoice in draft (negative amounts, `reverses`);
        the same chain; once issued, the original becomes `reversed`."""
        invoice_id = self.object_id()
        data = RedInvoiceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        red = services.invoice_red_create(
            actor=request.user, invoice_id=invoice_id, note=data.validated_data.get("note", "")
        )
        return self._answer(red, status=status.HTTP_201_CREATED)

    @extend_schema(request=FapiaoSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def fapiao(self, request, pk=None):
        """The tax system's fapiao number and date of an issued invoice, recorded once."""
        invoice_id = self.object_id()
        data = FapiaoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invoice = services.invoice_fapiao_record(
            actor=request.user, invoice_id=invoice_id, **data.validated_data
        )
        return self._answer(invoice)

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The invoice request (开票通知单) as a PDF, with the buyer's tax details."""
        return invoice_request_pdf_response(self.get_object())


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


# -- overdue interest (R18) ---------------------------------------------------------------------


class InterestPostingFilter(django_filters.FilterSet):
    contract = django_filters.NumberFilter(field_name="contract_id")
    customer = django_filters.NumberFilter(field_name="contract__customer_id")
    period = django_filters.CharFilter(field_name="period")


class InterestPostingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """`GET interest-postings/?contract=&customer=&period=`: the months of interest posted (R18).
    `POST interest-postings/` {"period"} (finance): post a month that has ended now — what the
    task does on the 1st; a second run posts nothing (200 with the counts either way)."""

    serializer_class = InterestPostingSerializer
    filterset_class = InterestPostingFilter
    queryset = InterestPosting.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InterestPosting.objects.none()
        require_role(self.request.user, *selectors.JOURNAL_READERS)
        return selectors.interest_postings(user=self.request.user)

    @extend_schema(request=InterestRunSerializer, responses={200: InterestRunResultSerializer})
    def create(self, request):
        require_role(request.user, *services.INTEREST_POSTERS)
        data = InterestRunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.interest_post_month(
            actor=request.user, period=data.validated_data["period"]
        )
        return Response(InterestRunResultSerializer(result).data)


# -- litigation follow-up (R18) -----------------------------------------------------------------


class LitigationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LitigationStatus.choices)
    owner = django_filters.CharFilter(field_name="owner__username")
    contract = django_filters.NumberFilter(field_name="contract_id")
    customer = django_filters.NumberFilter(field_name="contract__customer_id")


class LitigationViewSet(ServiceViewSet):
    """`GET litigation/`: contracts overdue more than 90 days, the longest overdue first (R18),
    for finance, the sales manager and the general manager; `PATCH litigation/{id}/` edits
    owner (a username), notes and status (open → in_progress → closed; closed → in_progress)."""

    serializer_class = LitigationCaseSerializer
    filterset_class = LitigationFilter
    queryset = LitigationCase.objects.none()  # for the schema; requests use get_queryset
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LitigationCase.objects.none()
        return selectors.litigation_list(user=self.request.user)

    def service_update(self, instance, data):
        if "owner" in data:
            data["owner"] = data["owner"]["username"]
        services.litigation_update(actor=self.request.user, case_id=instance.pk, data=data)
        return selectors.litigation_get(user=self.request.user, case_id=instance.pk)


# -- aging (R18) --------------------------------------------------------------------------------


class AsOfSerializer(Serializer):
    reject_unknown_fields = False  # query parameters: `page`, `format` and the like pass

    as_of = serializers.DateField(required=False)


class AgingReportView(APIView):
    """`GET reports/aging/?as_of=`: what is unpaid as of the date (default today), by days past
    the due date — current (not yet due), 1–30, 31–60, 61–90, 90+ — per customer and in total;
    a clerk's covers their own customers (R23)."""

    @extend_schema(
        tags=["reports"],
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE)],
        responses=AgingReportSerializer,
    )
    def get(self, request):
        query = AsOfSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.aging_report(user=request.user, as_of=query.validated_data.get("as_of"))
        return Response(AgingReportSerializer(report).data)


# -- month end (R20) ------------------------------------------------------------------------------


class ReconciliationFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(field_name="period")
    status = django_filters.ChoiceFilter(choices=ReconciliationStatus.choices)


class ReconciliationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """`POST reconciliations/` {"period"} (finance): start the month's run — 202 `running`
    while a worker works on it (poll `GET reconciliations/{id}/`), 201 `computed` where it ran
    at once; a run already working → 409 `run_in_progress`. `confirm/` (sales manager, finance)
    → `confirmed` once both have (R20, R21). Lists leave the differences out."""

    serializer_class = ReconciliationSerializer
    filterset_class = ReconciliationFilter
    queryset = Reconciliation.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Reconciliation.objects.none()
        require_role(self.request.user, *selectors_monthend.MONTH_END_READERS)
        return Reconciliation.objects.select_related("started_by").order_by("-period")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "brief": self.action == "list"}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else documents_with_approvals(page)

    def _answer(self, pk, code=status.HTTP_200_OK):
        reconciliation = Reconciliation.objects.select_related("started_by").get(pk=pk)
        return Response(
            ReconciliationSerializer(reconciliation, context=self.get_serializer_context()).data,
            status=code,
        )

    @extend_schema(
        request=ReconciliationStartSerializer,
        responses={201: ReconciliationSerializer, 202: ReconciliationSerializer},
    )
    def create(self, request):
        data = ReconciliationStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        started = services.month_end_start(actor=request.user, period=data.validated_data["period"])
        running = (
            Reconciliation.objects.filter(pk=started.pk).values_list("status", flat=True).get()
            == ReconciliationStatus.RUNNING
        )
        return self._answer(
            started.pk, status.HTTP_202_ACCEPTED if running else status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={200: ReconciliationSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        reconciliation = self.get_object()
        services.reconciliation_confirm(actor=request.user, reconciliation_id=reconciliation.pk)
        return self._answer(reconciliation.pk)


class PeriodViewSet(viewsets.ViewSet):
    """`GET periods/`: the months with their status — `open`, `running`, `computed` (run,
    awaiting confirmation), `returned`, `failed`, `confirmed`, `closed` — newest first;
    `POST periods/{period}/close/` (finance): close a month whose run is confirmed (R20);
    later postings dated in it → 409 `period_closed`; `POST periods/{period}/reopen/`
    {"reason"} (finance_vp)."""

    lookup_field = "period"
    lookup_value_regex = r"[0-9]{4}-[0-9]{2}"
    serializer_class = PeriodSerializer

    def _period(self, period):
        return selectors_monthend.period_overview(period)

    @extend_schema(responses={200: PeriodSerializer(many=True)})
    def list(self, request):
        require_role(request.user, *selectors_monthend.MONTH_END_READERS)
        return Response(PeriodSerializer(selectors_monthend.periods_overview(), many=True).data)

    @extend_schema(responses={200: PeriodSerializer})
    def retrieve(self, request, period=None):
        require_role(request.user, *selectors_monthend.MONTH_END_READERS)
        return Response(PeriodSerializer(self._period(period)).data)

    @extend_schema(request=None, responses={200: PeriodSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, period=None):
        services.period_close(actor=request.user, period=period)
        return Response(PeriodSerializer(self._period(period)).data)

    @extend_schema(request=PeriodReopenSerializer, responses={200: PeriodSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, period=None):
        data = PeriodReopenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.period_reopen(
            actor=request.user, period=period, reason=data.validated_data["reason"]
        )
        return Response(PeriodSerializer(self._period(period)).data)


# --- commission slips (R19) ----------------------------------------------------------------------


class CommissionSlipFilter(django_filters.FilterSet):
    period = django_filters.CharFilter()
    salesperson = django_filters.CharFilter(field_name="salesperson__username")
    status = django_filters.CharFilter(help_text="draft, submitted, approved, paid, cancelled")

    class Meta:
        model = CommissionSlip
        fields = ["period", "salesperson", "status"]


class CommissionSlipViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Commission slips (R19): POST `{"salesperson","period"}` prepares a draft computed from
    the journal — a clerk their own (R23), finance or a sales manager anyone's; a draft's
    figures are live on every read and stored by `recompute/`; `submit/` freezes and numbers
    it and starts the chain finance → VP of finance → GM (`approvals/{id}/approve/`), whose
    last approval books Dr 6601 / Cr 2211; `pay/` (finance) books Dr 2211 / Cr 1002. `live/`
    is a salesperson's figure of a month so far, `department/` the sales department's accrual
    (部门提成), `prepare/` the month's drafts for every salesperson with activity."""

    serializer_class = CommissionSlipSerializer
    queryset = CommissionSlip.objects.none()  # for the schema; requests use get_queryset
    filterset_class = CommissionSlipFilter
    search_fields = ["number", "salesperson__username"]
    ordering_fields = ["period", "number", "created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CommissionSlip.objects.none()
        require_role(self.request.user, *selectors.COMMISSION_READERS)
        return selectors.commission_slip_list(user=self.request.user).prefetch_related(
            Prefetch("lines", CommissionSlipLine.objects.select_related("contract"))
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return selectors.commission_slips_with_figures(documents_with_approvals(page))

    def get_object(self):
        slip = super().get_object()
        return selectors.commission_slips_with_figures([slip])[0]

    def _answer(self, slip, code=status.HTTP_200_OK):
        fresh = selectors.commission_slip_get(user=self.request.user, slip_id=slip.pk)
        fresh = selectors.commission_slips_with_figures([fresh])[0]
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=CommissionSlipCreateSerializer, responses={201: CommissionSlipSerializer}
    )
    def create(self, request):
        require_role(request.user, *COMMISSION_PREPARERS)
        data = CommissionSlipCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        slip = services.commission_slip_create(
            actor=request.user,
            salesperson=data.validated_data["salesperson"],
            period=data.validated_data["period"].strip(),
        )
        return self._answer(slip, status.HTTP_201_CREATED)

    def _act(self, service, **kwargs):
        slip = service(actor=self.request.user, slip_id=self.get_object().pk, **kwargs)
        return self._answer(slip)

    @extend_schema(request=None, responses=CommissionSlipSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → in approval: recomputed, frozen, numbered."""
        return self._act(services.commission_slip_submit)

    @extend_schema(request=None, responses=CommissionSlipSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        """A draft's figures stored anew."""
        return self._act(services.commission_slip_recompute)

    @extend_schema(request=None, responses=CommissionSlipSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft → cancelled."""
        return self._act(services.commission_slip_cancel)

    @extend_schema(request=CommissionPaySerializer, responses=CommissionSlipSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        """Approved → paid (finance), Dr 2211 / Cr 1002 dated `paid_on` (409 period_closed)."""
        data = CommissionPaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(services.commission_slip_pay, **data.validated_data)

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """提成单 as a PDF."""
        return commission_slip_pdf_response(self.get_object())

    @extend_schema(
        parameters=[
            OpenApiParameter("salesperson", str, description="username; default the caller"),
            OpenApiParameter("period", str, description="YYYY-MM; default this month"),
        ],
        responses=CommissionLiveSerializer,
    )
    @action(detail=False, methods=["get"])
    def live(self, request):
        """A salesperson's commission of a month as it stands now (R19; a clerk: their own)."""
        figures = selectors.commission_live_for(
            user=request.user,
            salesperson=request.query_params.get("salesperson"),
            period=request.query_params.get("period"),
        )
        return Response(CommissionLiveSerializer(figures).data)

    @extend_schema(
        parameters=[OpenApiParameter("period", str, description="YYYY-MM; default this month")],
        responses=CommissionDepartmentSerializer,
    )
    @action(detail=False, methods=["get"])
    def department(self, request):
        """部门提成: the department's accrual per month of the year, and year to date."""
        require_role(request.user, *selectors.COMMISSION_DEPARTMENT_READERS)
        period = selectors.commission_period(
            request.query_params.get("period") or f"{timezone.localdate():%Y-%m}"
        )
        return Response(
            CommissionDepartmentSerializer(selectors.commission_department(period=period)).data
        )

    @extend_schema(request=CommissionPrepareSerializer, responses=CommissionPrepareResultSerializer)
    @action(detail=False, methods=["post"])
    def prepare(self, request):
        """The month's drafts for every salesperson with activity; drafts recomputed. A second
        call changes nothing."""
        require_role(request.user, *COMMISSION_MANAGERS)
        data = CommissionPrepareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.commission_slips_prepare(
            actor=request.user, period=data.validated_data["period"].strip()
        )
        return Response(CommissionPrepareResultSerializer(result).data)
