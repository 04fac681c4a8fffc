import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from approvals.api.serializers import with_answered_approval
from approvals.selectors import ANSWERED, documents_with_approvals
from core.api.views import ServiceViewSet
from core.errors import InvalidInput
from core.permissions import require_role
from core.roles import Role
from inventory import selectors, services
from inventory.api.serializers import (
    AcceptanceSerializer,
    DeliverySerializer,
    GatePassSerializer,
    GoodsReceiptSerializer,
    ProductionNoticeSerializer,
    ReasonSerializer,
    ServiceDispatchSerializer,
    ShippingNoticeSerializer,
    StockAdjustmentSerializer,
    StockMoveSerializer,
    StockSerializer,
    WarehouseSerializer,
)
from inventory.models import (
    GoodsReceipt,
    GoodsReceiptStatus,
    ProductionNotice,
    ProductionNoticeStatus,
    ServiceDispatch,
    ServiceDispatchStatus,
    ShippingNotice,
    ShippingNoticeStatus,
    StockLevel,
    Warehouse,
)
from inventory.pdf import gate_pass_pdf_response, shipping_notice_pdf_response
from inventory.services.dispatch import DISPATCH_AUTHORS
from inventory.services.production import RECEIPT_READERS
from inventory.services.shipping import NOTICE_AUTHORS


class WarehouseViewSet(ServiceViewSet):
    serializer_class = WarehouseSerializer
    filterset_fields = ["is_active"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    queryset = Warehouse.objects.order_by("code")

    def service_create(self, data):
        return services.warehouse_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.warehouse_update(actor=self.request.user, warehouse_id=instance.pk, **data)


class StockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET stock/?product=&warehouse=` (API.md): on hand, reserved, available."""

    serializer_class = StockSerializer
    queryset = StockLevel.objects.none()  # for the schema
    filter_backends: list = []

    @extend_schema(
        parameters=[OpenApiParameter("product", int), OpenApiParameter("warehouse", int)]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        def number(name):
            value = self.request.query_params.get(name)
            if value in (None, ""):
                return None
            # Beyond a 64-bit id it is no id (SQLite's driver failed on it: a 500, issue 16).
            if not (value.isascii() and value.isdigit()) or int(value) >= 2**63:
                raise InvalidInput(errors={name: ["Enter a whole number."]})
            return int(value)

        return selectors.stock_list(product=number("product"), warehouse=number("warehouse"))


class StockAdjustmentViewSet(viewsets.GenericViewSet):
    """`POST stock-adjustments/` {product, warehouse, quantity, reason} (warehouse role)."""

    serializer_class = StockAdjustmentSerializer
    queryset = StockLevel.objects.none()

    @extend_schema(request=StockAdjustmentSerializer, responses={201: StockMoveSerializer})
    def create(self, request):
        data = StockAdjustmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.stock_adjust(
            actor=request.user,
            product_id=data.validated_data["product"],
            warehouse_id=data.validated_data["warehouse"],
            quantity=data.validated_data["quantity"],
            reason=data.validated_data["reason"],
        )
        return Response(StockMoveSerializer(move).data, status=status.HTTP_201_CREATED)


# --- fulfilment documents (API.md "Fulfilment", R10–R15) ----------------------------------------
# Every write calls one service; the services check the role, visibility (R23), state and rules
# and raise the domain errors that the API error handler turns into 400/403/404/409.


class _DocumentFilter(django_filters.FilterSet):
    contract = django_filters.NumberFilter(field_name="contract_id")
    customer = django_filters.NumberFilter(field_name="customer_id")


class ProductionNoticeFilter(_DocumentFilter):
    status = django_filters.ChoiceFilter(choices=ProductionNoticeStatus.choices)

    class Meta:
        model = ProductionNotice
        fields = ["status", "contract", "customer"]


class _ApprovableViewSet(ServiceViewSet):
    """A fulfilment document with an approval: lists batch-load the approvals of a page."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    search_fields = ["number", "contract__number", "customer__name"]
    ordering_fields = ["created_at", "number"]
    authors: tuple = ()

    def check_input(self, data) -> None:
        # A caller who may not prepare the document gets the 403 before any field error.
        if self.action == "create":
            require_role(self.request.user, *self.authors)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    def _answer(self, document):
        """200 with the whole document, read again as the caller sees it."""
        fresh = with_answered_approval(document, self._fresh(document))
        return Response(self.get_serializer(fresh).data)


class ProductionNoticeViewSet(_ApprovableViewSet):
    """Production notices (R10): prepared by the planner from an active contract, lines within
    the contract's quantities (409 `over_production`); `submit/` → the sales VP signs on
    `approvals/{id}/approve/` → `released`; `complete/`; `cancel/` a draft. `progress` is the
    goods received on posted receipts against each line."""

    serializer_class = ProductionNoticeSerializer
    queryset = ProductionNotice.objects.none()  # for the schema; requests use get_queryset
    filterset_class = ProductionNoticeFilter
    authors = (Role.PLANNER,)

    def get_queryset(self):
        return selectors.production_notice_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        progress = selectors.production_progress(page)
        for notice in page:
            notice._progress = progress[notice.pk]
        return page

    def _fresh(self, notice):
        return selectors.production_notice_get(user=self.request.user, notice_id=notice.pk)

    def service_create(self, data):
        return self._fresh(services.production_notice_create(actor=self.request.user, data=data))

    def service_update(self, instance, data):
        notice = services.production_notice_update(
            actor=self.request.user, notice_id=instance.pk, data=data
        )
        return self._fresh(notice)

    @extend_schema(request=None, responses=ProductionNoticeSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → submitted for the sales VP (R10); `over_production` checked again."""
        notice = services.production_notice_submit(actor=request.user, notice_id=self.object_id())
        return self._answer(notice)

    @extend_schema(request=None, responses=ProductionNoticeSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Released → completed (the planner)."""
        notice = services.production_notice_complete(actor=request.user, notice_id=self.object_id())
        return self._answer(notice)

    @extend_schema(request=None, responses=ProductionNoticeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft → cancelled (the planner)."""
        notice = services.production_notice_cancel(actor=request.user, notice_id=self.object_id())
        return self._answer(notice)


class GoodsReceiptFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GoodsReceiptStatus.choices)
    product = django_filters.NumberFilter(field_name="product_id")
    production_notice = django_filters.NumberFilter(field_name="production_notice_id")

    class Meta:
        model = GoodsReceipt
        fields = ["status", "product", "production_notice"]


class GoodsReceiptViewSet(ServiceViewSet):
    """Goods receipts (R11): recorded by production with the QC certificate number; `confirm/`
    by QC — another person (403 `self_approval_forbidden`) — posts the stock receipt; `reject/`
    {"reason"} leaves stock alone. `?status=recorded` is QC's queue, oldest first."""

    serializer_class = GoodsReceiptSerializer
    queryset = GoodsReceipt.objects.none()  # for the schema; requests use get_queryset
    filterset_class = GoodsReceiptFilter
    search_fields = ["number", "qc_certificate_no", "product__code"]
    ordering_fields = ["created_at", "number"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        require_role(self.request.user, *RECEIPT_READERS)
        status_filter = self.request.query_params.get("status", "")
        if status_filter not in GoodsReceiptStatus.values:
            status_filter = ""
        return selectors.goods_receipt_list(status=status_filter)

    def check_input(self, data) -> None:
        if self.action == "create":
            require_role(self.request.user, Role.PRODUCTION)

    def _answer(self, receipt):
        return Response(
            self.get_serializer(selectors.goods_receipt_get(receipt_id=receipt.pk)).data
        )

    def service_create(self, data):
        receipt = services.goods_receipt_record(actor=self.request.user, data=data)
        return selectors.goods_receipt_get(receipt_id=receipt.pk)

    @extend_schema(request=None, responses=GoodsReceiptSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Recorded → posted by QC: the stock goes up in the same transaction (R11)."""
        receipt = services.goods_receipt_confirm(actor=request.user, receipt_id=self.object_id())
        return self._answer(receipt)

    @extend_schema(request=ReasonSerializer, responses=GoodsReceiptSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Recorded → rejected by QC with the reason; nothing enters stock."""
        receipt_id = self.object_id()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = services.goods_receipt_reject(
            actor=request.user, receipt_id=receipt_id, reason=data.validated_data["reason"]
        )
        return self._answer(receipt)


class ShippingNoticeFilter(_DocumentFilter):
    status = django_filters.ChoiceFilter(choices=ShippingNoticeStatus.choices)
    warehouse = django_filters.NumberFilter(field_name="warehouse_id")

    class Meta:
        model = ShippingNotice
        fields = ["status", "contract", "customer", "warehouse"]


class ShippingNoticeViewSet(_ApprovableViewSet):
    """Shipping notices (R12–R14). A clerk drafts one for an active contract of their customer
    (409 `over_shipment` here or at `submit/`); `submit/` → the sales manager approves on
    `approvals/{id}/approve/` (409 `customer_overdue`); `issue/` by the warehouse (409
    `notice_expired`, `insufficient_stock`) gives the gate pass; `exit/` by security;
    `confirm-delivery/` records the customer-signed copy: revenue (R14).

    `submit/`, `issue/`, `exit/` and `confirm-delivery/` hand the URL's id to the service,
    which refuses an unknown or invisible notice with the same 404 (R23; no EXISTS first),
    and answer with the notice the service returned, completed (issue 14)."""

    serializer_class = ShippingNoticeSerializer
    queryset = ShippingNotice.objects.none()  # for the schema; requests use get_queryset
    filterset_class = ShippingNoticeFilter
    search_fields = ["number", "gate_pass_no", "contract__number", "customer__name"]
    ordering_fields = ["created_at", "number", "valid_until"]
    authors = NOTICE_AUTHORS

    def get_queryset(self):
        return selectors.shipping_notice_list(user=self.request.user)

    def _fresh(self, notice):
        return selectors.shipping_notice_get(user=self.request.user, notice_id=notice.pk)

    def _completed(self, notice):
        """The service's notice with what the answer shows, else read again (issue 14)."""
        done = selectors.shipping_notice_completed(notice, user=self.request.user)
        return done if done is not None else with_answered_approval(notice, self._fresh(notice))

    def _answer(self, notice):
        return Response(self.get_serializer(self._completed(notice)).data)

    def service_create(self, data):
        notice = services.shipping_notice_create(actor=self.request.user, data=data)
        notice.__dict__[ANSWERED] = None  # a new draft: no approval yet
        return self._completed(notice)

    def service_update(self, instance, data):
        notice = services.shipping_notice_update(
            actor=self.request.user, notice_id=instance.pk, data=data
        )
        return self._completed(notice)

    @extend_schema(request=None, responses=ShippingNoticeSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → submitted for the sales manager; quantities (`over_shipment`) and the
        customer's overdue amount (`customer_overdue`) checked again (R12)."""
        notice = services.shipping_notice_submit(actor=request.user, notice_id=self.url_id())
        return self._answer(notice)

    @extend_schema(request=None, responses=ShippingNoticeSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Approved → issued by the warehouse: stock out, gate pass number (R13)."""
        notice = services.shipping_notice_issue(actor=request.user, notice_id=self.url_id())
        return self._answer(notice)

    @extend_schema(request=GatePassSerializer, responses=ShippingNoticeSerializer)
    @action(detail=True, methods=["post"])
    def exit(self, request, pk=None):
        """Issued → shipped: security records the exit; a gate pass number, when given, must
        be the notice's (400 naming `gate_pass_no`)."""
        notice_id = self.url_id()
        data = GatePassSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.shipping_notice_exit(
            actor=request.user,
            notice_id=notice_id,
            gate_pass_no=data.validated_data.get("gate_pass_no"),
        )
        return self._answer(notice)

    @extend_schema(
        request={
            "application/json": DeliverySerializer,
            "multipart/form-data": DeliverySerializer,
        },
        responses=ShippingNoticeSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="confirm-delivery",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def confirm_delivery(self, request, pk=None):
        """Shipped → delivered with the customer-signed copy (R14): signer, signing date, and
        in multipart an optional `scan` (PDF, JPEG or PNG). The revenue is booked now."""
        notice_id = self.url_id()
        if len(request.FILES.getlist("scan")) > 1:
            raise InvalidInput(errors={"scan": [_("Upload one file: the signed copy.")]})
        data = DeliverySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.shipping_notice_confirm_delivery(
            actor=request.user,
            notice_id=notice_id,
            signed_by=data.validated_data["signed_by"],
            signed_at=data.validated_data["signed_at"],
            scan=data.validated_data.get("scan"),
            book_in_open_period=data.validated_data["book_in_open_period"],
        )
        return self._answer(notice)

    @extend_schema(request=None, responses=ShippingNoticeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """A draft (its author) or an approved, not yet issued notice (its author or a sales
        manager) → cancelled; an approved one gives back its reservation."""
        notice = services.shipping_notice_cancel(actor=request.user, notice_id=self.object_id())
        return self._answer(notice)

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The shipping notice (发货单) as a PDF: the company copy and the customer copy to
        sign (签收联)."""
        return shipping_notice_pdf_response(self.get_object())

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="gate-pass")
    def gate_pass(self, request, pk=None):
        """The gate pass (出门证) as a PDF, once the notice is issued (404 before)."""
        return gate_pass_pdf_response(self.get_object())

    @extend_schema(
        parameters=[OpenApiParameter("gate_pass_no", str, required=True)],
        responses=ShippingNoticeSerializer,
    )
    @action(detail=False, methods=["get"], url_path="by-gate-pass", filter_backends=[])
    def by_gate_pass(self, request):
        """Security's check: the notice a typed or scanned gate pass number belongs to; an
        unknown number (or one the caller may not see, R23) is a 400 naming `gate_pass_no`."""
        found = selectors.shipping_notice_by_gate_pass(request.query_params.get("gate_pass_no"))
        notice = self.get_queryset().filter(pk=found.pk).first()
        if notice is None:
            raise InvalidInput(
                errors={"gate_pass_no": [_("No shipment has this gate pass number.")]}
            )
        return Response(self.get_serializer(notice).data)


class ServiceDispatchFilter(_DocumentFilter):
    status = django_filters.ChoiceFilter(choices=ServiceDispatchStatus.choices)

    class Meta:
        model = ServiceDispatch
        fields = ["status", "contract", "customer"]


class ServiceDispatchViewSet(_ApprovableViewSet):
    """Service dispatch (R15): a clerk drafts it; `submit/` is refused `first_payment_required`
    until the contract's collected amount reaches its first payment, else the sales manager
    approves on `approvals/{id}/approve/`; `complete/` with the acceptance report number."""

    serializer_class = ServiceDispatchSerializer
    queryset = ServiceDispatch.objects.none()  # for the schema; requests use get_queryset
    filterset_class = ServiceDispatchFilter
    ordering_fields = ["created_at", "number", "scheduled_on"]
    authors = DISPATCH_AUTHORS

    def get_queryset(self):
        return selectors.service_dispatch_list(user=self.request.user)

    def _fresh(self, dispatch):
        return selectors.service_dispatch_get(user=self.request.user, dispatch_id=dispatch.pk)

    def service_create(self, data):
        return self._fresh(services.service_dispatch_create(actor=self.request.user, data=data))

    def service_update(self, instance, data):
        dispatch = services.service_dispatch_update(
            actor=self.request.user, dispatch_id=instance.pk, data=data
        )
        return self._fresh(dispatch)

    @extend_schema(request=None, responses=ServiceDispatchSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → submitted for the sales manager, once the first payment is in (R15)."""
        dispatch = services.service_dispatch_submit(
            actor=request.user, dispatch_id=self.object_id()
        )
        return self._answer(dispatch)

    @extend_schema(request=AcceptanceSerializer, responses=ServiceDispatchSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Approved → completed with the customer's acceptance report number (验收)."""
        dispatch_id = self.object_id()
        data = AcceptanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispatch = services.service_dispatch_complete(
            actor=request.user,
            dispatch_id=dispatch_id,
            acceptance_report_no=data.validated_data["acceptance_report_no"],
        )
        return self._answer(dispatch)

    @extend_schema(request=None, responses=ServiceDispatchSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft → cancelled (its clerk)."""
        dispatch = services.service_dispatch_cancel(
            actor=request.user, dispatch_id=self.object_id()
        )
        return self._answer(dispatch)
