"""REST views of the sales app (API.md): customers and products (R1, R2, R23), credit change
requests (R2), price lists (R5, R6) and orders (R3–R7). Each parses input with a serializer,
calls one service or selector, and serialises the result; deciding a document happens on its
approval (`approvals/{id}/approve/`)."""

from typing import TYPE_CHECKING

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from approvals.selectors import ANSWERED, documents_with_approvals
from core.api.views import ServiceViewSet, TabularMixin
from core.errors import InvalidInput
from core.permissions import require_role
from sales import selectors, services
from sales.api.serializers import (
    CreditChangeSerializer,
    CustomerCreditSerializer,
    CustomerSerializer,
    LeadContactSerializer,
    LeadConvertSerializer,
    LeadImportCommitSerializer,
    LeadImportSerializer,
    LeadImportSummarySerializer,
    LeadImportUploadSerializer,
    LeadSerializer,
    OrderSerializer,
    PriceListSerializer,
    ProductSerializer,
    QuotationOutcomeSerializer,
    QuotationSerializer,
    QuotationToOrderSerializer,
)
from sales.models import (
    CreditChangeRequest,
    CreditChangeStatus,
    CreditStatus,
    Customer,
    Lead,
    LeadImport,
    Order,
    OrderStatus,
    PriceList,
    PriceListStatus,
    Product,
    Quotation,
    QuotationStatus,
)
from sales.selectors import price_list_queryset
from sales.services import credit, lead_imports, leads, orders, price_lists, quotations

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# --- customers and products -------------------------------------------------------------------


class CustomerFilter(django_filters.FilterSet):
    owner = django_filters.CharFilter(field_name="owner__username")

    class Meta:
        model = Customer
        fields = ["owner", "risk_level", "blocked", "is_active"]


class CustomerViewSet(TabularMixin, ServiceViewSet):
    """Customers (R1, R2, R23). Credit fields are read-only: writing them → 409."""

    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()  # for the schema; requests use get_queryset (R23)
    filterset_class = CustomerFilter
    search_fields = ["name", "code", "tax_id", "contact_name"]
    ordering_fields = ["code", "name", "created_at"]

    def get_queryset(self):
        return selectors.customer_list(user=self.request.user).prefetch_related("contacts")

    def check_input(self, data) -> None:
        if isinstance(data, dict):
            services.customer_refuse_credit_fields(data)

    export_filename = "customers"

    def export_rows(self):
        return selectors.customer_export_rows(user=self.request.user)

    def import_service(self, *, actor: "User", rows):
        return services.customers_import(actor=actor, rows=rows)

    def service_create(self, data):
        return services.customer_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.customer_update(actor=self.request.user, customer_id=instance.pk, **data)

    @extend_schema(responses=CustomerCreditSerializer)
    @action(detail=True, methods=["get"])
    def credit(self, request, pk=None):
        customer = self.get_object()
        return Response(CustomerCreditSerializer(selectors.customer_credit(customer=customer)).data)


class ProductViewSet(TabularMixin, ServiceViewSet):
    serializer_class = ProductSerializer
    filterset_fields = ["is_active", "unit"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    queryset = Product.objects.order_by("code")

    export_filename = "products"

    def export_rows(self):
        return selectors.product_export_rows()

    def import_service(self, *, actor: "User", rows):
        return services.products_import(actor=actor, rows=rows)

    def service_create(self, data):
        return services.product_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return services.product_update(actor=self.request.user, product_id=instance.pk, **data)


# --- credit change requests (R2) --------------------------------------------------------------


class CreditChangeFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")
    status = django_filters.ChoiceFilter(choices=CreditChangeStatus.choices)

    class Meta:
        model = CreditChangeRequest
        fields = ["customer", "status"]


class CreditChangeViewSet(ServiceViewSet):
    """Credit change requests (R2, R23). Proposed by `sales_manager` or `finance`, edited by
    the author while in draft, `submit/` to the general manager, `cancel/` a draft."""

    serializer_class = CreditChangeSerializer
    queryset = CreditChangeRequest.objects.none()  # for the schema; requests use get_queryset
    filterset_class = CreditChangeFilter
    search_fields = ["number", "customer__name", "customer__code"]
    ordering_fields = ["created_at", "number"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.credit_change_list(user=self.request.user)

    def check_input(self, data) -> None:
        # A caller who may not propose gets the 403 before any field error.
        if self.action == "create":
            require_role(self.request.user, *credit.PROPOSERS)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    def service_create(self, data):
        return credit.credit_change_create(
            actor=self.request.user, customer_id=data.pop("customer").pk, **data
        )

    def service_update(self, instance, data):
        return credit.credit_change_update(actor=self.request.user, change_id=instance.pk, **data)

    @extend_schema(request=None, responses=CreditChangeSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → pending: the general manager's step opens (R2, R21)."""
        change = credit.credit_change_submit(actor=request.user, change_id=self.object_id())
        return Response(self.get_serializer(change).data)

    @extend_schema(request=None, responses=CreditChangeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft → cancelled."""
        change = credit.credit_change_cancel(actor=request.user, change_id=self.object_id())
        return Response(self.get_serializer(change).data)


# --- price lists (R5, R6) ---------------------------------------------------------------------


class PriceListFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PriceListStatus.choices)

    class Meta:
        model = PriceList
        fields = ["status"]


class PriceListViewSet(ServiceViewSet):
    """Price lists (R6). Edited by their author while in draft; `submit/` opens the general
    manager's step; approved → `active`; `close/` (general manager) takes an active list out
    of use. An active list never overlaps another (409 `price_list_overlap`)."""

    serializer_class = PriceListSerializer
    queryset = PriceList.objects.none()  # for the schema; requests use get_queryset
    filterset_class = PriceListFilter
    search_fields = ["number", "name"]
    ordering_fields = ["valid_from", "number", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return price_list_queryset()

    def check_input(self, data) -> None:
        # A caller who may not author gets the 403 before any field error.
        require_role(self.request.user, *price_lists.AUTHORS)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    def _fresh(self, price_list: PriceList) -> PriceList:
        return price_list_queryset().get(pk=price_list.pk)

    @staticmethod
    def _items(data: dict) -> list[dict] | None:
        items = data.pop("items", None)
        return None if items is None else [dict(item) for item in items]

    def service_create(self, data):
        items = self._items(data)
        price_list = price_lists.price_list_create(actor=self.request.user, items=items, **data)
        return self._fresh(price_list)

    def service_update(self, instance, data):
        price_list = price_lists.price_list_update(
            actor=self.request.user, price_list_id=instance.pk, items=self._items(data), **data
        )
        return self._fresh(price_list)

    @extend_schema(request=None, responses=PriceListSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → pending: the general manager's step opens (R6, R21); 409
        `price_list_overlap` when an active list covers part of the range."""
        price_list = price_lists.price_list_submit(
            actor=request.user, price_list_id=self.object_id()
        )
        return Response(self.get_serializer(self._fresh(price_list)).data)

    @extend_schema(request=None, responses=PriceListSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Active → closed (general manager): the list is no longer used for orders."""
        price_list = price_lists.price_list_close(
            actor=request.user, price_list_id=self.object_id()
        )
        return Response(self.get_serializer(self._fresh(price_list)).data)


# --- orders (R3–R7) ---------------------------------------------------------------------------


class OrderFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    credit_status = django_filters.ChoiceFilter(choices=CreditStatus.choices)

    class Meta:
        model = Order
        fields = ["customer", "status", "credit_status"]


def _lines(data: dict) -> list[dict] | None:
    lines = data.pop("lines", None)
    if lines is None:
        return None
    return [
        {
            "product": line["product_id"],
            **{k: line[k] for k in ("quantity", "unit_price", "tax_rate") if k in line},
        }
        for line in lines
    ]


class OrderViewSet(ServiceViewSet):
    """Orders (R3–R7, R23). A clerk sees the orders of their own customers; other roles see
    all. Drafted and edited by their salesperson; `submit/` → `submitted` with `credit_status`
    `passed` or `hold` and the approval chain; `cancel/` a draft or submitted order."""

    serializer_class = OrderSerializer
    queryset = Order.objects.none()  # for the schema; requests use get_queryset
    filterset_class = OrderFilter
    search_fields = ["number", "customer__name", "customer__code"]
    ordering_fields = ["created_at", "number", "gross_amount"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.order_list(user=self.request.user)

    def check_input(self, data) -> None:
        # A caller who may not enter orders gets the 403 before any field error.
        if self.action == "create":
            require_role(self.request.user, *orders.ORDER_AUTHORS)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    answer_reads = ("customer", "created_by", "lines.product")

    def _fresh(self, order: Order) -> Order:
        return selectors.order_get(user=self.request.user, order_id=order.pk)

    def service_create(self, data):
        lines = _lines(data)
        customer = data.pop("customer")  # read by the serializer from `customer_list` (R23)
        order = orders.order_create(
            actor=self.request.user,
            customer_id=customer.pk,
            customer=customer,
            lines=lines,
            **data,
        )
        order.__dict__[ANSWERED] = None  # a new draft: no approval yet
        return self.answer(order, self._fresh)

    def service_update(self, instance, data):
        order = orders.order_update(
            actor=self.request.user, order_id=instance.pk, lines=_lines(data), **data
        )
        return self._fresh(order)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → submitted: lines re-checked against today's list (409 `below_floor_price`,
        `not_on_price_list`, R5), credit check (R4: `passed` or `hold`), chain opened (R7)."""
        # The service refuses an order the caller may not see with the same 404 (R23).
        order = orders.order_submit(actor=request.user, order_id=self.url_id())
        return Response(self.get_serializer(self.answer(order, self._fresh)).data)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft or submitted → cancelled (a submitted order is withdrawn from approval and
        its exposure released, R3)."""
        order = orders.order_cancel(actor=request.user, order_id=self.object_id())
        return Response(self.get_serializer(self._fresh(order)).data)


# --- leads 潜在客户 (R26) ---------------------------------------------------------------------


class LeadViewSet(ServiceViewSet):
    """Leads (R26, R23). A clerk sees and works their own leads; the sales manager, the head of
    sales and the general manager all. `?due=overdue|today` lists the open leads whose follow-up
    is overdue or due today, overdue first then by due; `?owner=<username>`. PATCH a `grade` to
    regrade (the due moves). `contacts/` logs (POST) and lists (GET) contacts; `convert/` makes
    the customer (R1; 409 `duplicate_customer`)."""

    serializer_class = LeadSerializer
    queryset = Lead.objects.none()  # for the schema; requests use get_queryset (R23)
    search_fields = ["company", "contact_name", "phone"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params if self.action == "list" else {}
        due = params.get("due", "")
        if due not in ("", "overdue", "today"):
            raise InvalidInput(errors={"due": [_("Choose overdue or today.")]})
        return selectors.lead_list(
            user=self.request.user,
            due=due,
            owner=params.get("owner", ""),
            status=params.get("status", ""),
            grade=params.get("grade", ""),
        )

    def check_input(self, data) -> None:
        # A caller who may not work leads gets the 403 before any field error.
        require_role(self.request.user, *leads.LEAD_ROLES)

    def service_create(self, data):
        return leads.lead_create(actor=self.request.user, **data)

    def service_update(self, instance, data):
        return leads.lead_update(actor=self.request.user, lead_id=instance.pk, **data)

    @extend_schema(methods=["GET"], request=None, responses=LeadContactSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=LeadContactSerializer, responses={201: LeadContactSerializer}
    )
    # The contacts are one plain list, neither paginated nor filtered (the schema said so).
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def contacts(self, request, pk=None):
        """GET: the lead's contacts, latest first. POST {"contacted_at","channel","note",
        "next_step"?} → 201; the lead's `next_contact_due` moves on by its grade (R26)."""
        if request.method == "GET":
            lead = self.get_object()
            rows = selectors.lead_contacts(lead=lead)
            return Response(LeadContactSerializer(rows, many=True).data)
        require_role(request.user, *leads.LEAD_ROLES)
        data = LeadContactSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = leads.lead_contact_log(
            actor=request.user, lead_id=self.url_id(), **data.validated_data
        )
        contact.by = request.user
        return Response(LeadContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeadConvertSerializer, responses={201: CustomerSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        """The lead becomes a customer (R1 defaults, same owner) → 201 the customer; the lead is
        `converted`. 409 `duplicate_customer` when a customer has the same tax id or normalised
        name (the existing one is named)."""
        data = LeadConvertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = leads.lead_convert(
            actor=request.user, lead_id=self.url_id(), tax_id=data.validated_data.get("tax_id")
        )
        customer = selectors.customer_get(user=request.user, customer_id=customer.pk)
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)


# --- quotations and bids 报价/投标 (R27) -------------------------------------------------------


class QuotationFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")
    lead = django_filters.NumberFilter(field_name="lead_id")
    status = django_filters.ChoiceFilter(choices=QuotationStatus.choices)

    class Meta:
        model = Quotation
        fields = ["customer", "lead", "status"]


class QuotationViewSet(ServiceViewSet):
    """Quotations and bids (R27, R23). A clerk sees those of their own customers and leads;
    other roles see all. Drafted and edited by their salesperson; `submit/` → the sales head,
    and above 800,000.00 gross also the marketing director, decide on the approval;
    `won/` · `lost/` (reason required) once approved; `to-order/` a won one → 201 a draft order
    with the same lines (a lead converted first); `cancel/` a draft or submitted one."""

    serializer_class = QuotationSerializer
    queryset = Quotation.objects.none()  # for the schema; requests use get_queryset
    filterset_class = QuotationFilter
    search_fields = ["number", "customer__name", "lead__company"]
    ordering_fields = ["created_at", "number", "gross_amount", "valid_until"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.quotation_list(user=self.request.user)

    def check_input(self, data) -> None:
        if self.action == "create":
            require_role(self.request.user, *quotations.QUOTATION_AUTHORS)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    def _fresh(self, quotation: Quotation) -> Quotation:
        return selectors.quotation_get(user=self.request.user, quotation_id=quotation.pk)

    def service_create(self, data):
        customer, lead = data.pop("customer", None), data.pop("lead", None)
        quotation = quotations.quotation_create(
            actor=self.request.user,
            customer=customer.pk if customer is not None else None,
            lead=lead.pk if lead is not None else None,
            lines=_lines(data),
            **data,
        )
        return self._fresh(quotation)

    def service_update(self, instance, data):
        quotation = quotations.quotation_update(
            actor=self.request.user, quotation_id=instance.pk, lines=_lines(data), **data
        )
        return self._fresh(quotation)

    def _act(self, service, **kwargs):
        quotation = service(actor=self.request.user, quotation_id=self.url_id(), **kwargs)
        return Response(self.get_serializer(self._fresh(quotation)).data)

    @extend_schema(request=None, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → submitted: dates still ahead, lines re-checked against today's list (409
        `below_floor_price`, `not_on_price_list`, R5); the review chain opens (R27)."""
        return self._act(quotations.quotation_submit)

    @extend_schema(request=None, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Draft or submitted → cancelled (a submitted one is withdrawn from review)."""
        return self._act(quotations.quotation_cancel)

    @extend_schema(request=QuotationOutcomeSerializer, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def won(self, request, pk=None):
        """Approved → won, within its validity (409 `quotation_expired` after `valid_until`)."""
        data = QuotationOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(quotations.quotation_won, reason=data.validated_data.get("reason", ""))

    @extend_schema(request=QuotationOutcomeSerializer, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def lost(self, request, pk=None):
        """Approved → lost; `reason` is required (400 naming it)."""
        data = QuotationOutcomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(quotations.quotation_lost, reason=data.validated_data.get("reason", ""))

    @extend_schema(
        request=QuotationToOrderSerializer, responses={status.HTTP_201_CREATED: OrderSerializer}
    )
    @action(detail=True, methods=["post"], url_path="to-order")
    def to_order(self, request, pk=None):
        """A won quotation → 201 a draft order with the same lines, priced on today's list
        (R5); a lead is converted into a customer first (R26: 409 `duplicate_customer`, and
        nothing written, when it would duplicate one). Once only."""
        data = QuotationToOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = quotations.quotation_to_order(
            actor=request.user,
            quotation_id=self.url_id(),
            tax_id=data.validated_data.get("tax_id"),
        )
        order = selectors.order_get(user=request.user, order_id=order.pk)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


# --- lead imports (issue 15 item 7, R26) ---------------------------------------------------------


class LeadImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`leads/import/` (issue 15 item 7, R26): upload a sheet of leads (multipart `file`) → 201
    the batch with its report (rows with errors by column, duplicates); `commit/` with a decision
    per duplicate row creates the leads, once. The importer sees their batches; the sales
    manager, the head of sales and the general manager all (R23)."""

    serializer_class = LeadImportSummarySerializer
    parser_classes = [JSONParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LeadImport.objects.none()
        return selectors.lead_import_list(user=self.request.user)

    def get_object(self):
        return selectors.lead_import_get(user=self.request.user, import_id=self.kwargs["pk"])

    @extend_schema(responses=LeadImportSerializer)
    def retrieve(self, request, pk=None):
        return Response(LeadImportSerializer(self.get_object()).data)

    @extend_schema(
        request={"multipart/form-data": LeadImportUploadSerializer},
        responses={201: LeadImportSerializer},
    )
    def create(self, request):
        """Read the sheet (XLSX or CSV by content) and keep its rows checked; no lead is written
        yet. A file that is not a sheet of leads, too large or too long: 400 naming `file`."""
        if len(request.FILES.getlist("file")) > 1:
            raise InvalidInput(errors={"file": [_("Upload one file.")]})
        data = LeadImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = lead_imports.lead_import_preview(
            actor=request.user, upload=data.validated_data["file"]
        )
        return Response(LeadImportSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeadImportCommitSerializer, responses=LeadImportSerializer)
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """Create the leads: the new rows and the duplicates decided `import`; 200 the batch with
        each row's `outcome`. `decisions.<row>` names a bad decision (400); a committed batch is
        a 409 `lead_import_committed`."""
        batch_id = self.get_object().pk
        data = LeadImportCommitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = lead_imports.lead_import_commit(
            actor=request.user,
            import_id=batch_id,
            decisions=data.validated_data.get("decisions"),
        )
        return Response(LeadImportSerializer(batch).data)
