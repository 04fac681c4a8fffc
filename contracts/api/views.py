"""REST for contracts (API.md `contracts/`, R8, R9, R23): a clerk drafts a contract from an
approved order of one of their customers, edits its terms while in draft, `submit/` opens the
co-sign of the head of sales and finance (decided on `approvals/{id}/approve/`), and
`ledger/` reads the contract ledger."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals.api.serializers import with_answered_approval
from approvals.selectors import ANSWERED, documents_with_approvals
from contracts import selectors, services
from contracts.api.serializers import ContractSerializer, LedgerSerializer
from contracts.models import Contract, ContractStatus
from contracts.pdf import contract_pdf_response
from core.api.views import ServiceViewSet
from core.permissions import require_role


class ContractFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")
    order = django_filters.NumberFilter(field_name="order_id")
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices)
    salesperson = django_filters.CharFilter(field_name="salesperson__username")

    class Meta:
        model = Contract
        fields = ["customer", "order", "status", "salesperson"]


class ContractViewSet(ServiceViewSet):
    """Contracts (R8, R9, R23). A clerk sees the contracts of their own customers; other
    roles see all. `submit/` → `pending_signoff`; both co-signers → `active` with its number."""

    serializer_class = ContractSerializer
    queryset = Contract.objects.none()  # for the schema; requests use get_queryset
    filterset_class = ContractFilter
    search_fields = ["number", "order__number", "customer__name", "customer__code"]
    ordering_fields = ["created_at", "number", "gross_amount"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.contract_list(user=self.request.user)

    def check_input(self, data) -> None:
        # A caller who may not draft contracts gets the 403 before any field error.
        if self.action == "create":
            require_role(self.request.user, *services.CONTRACT_AUTHORS)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is None:
            return None
        return documents_with_approvals(page)

    # What the answer's serializer reads beyond the contract's columns (`ServiceViewSet.answer`).
    answer_reads = ("order", "customer", "salesperson", "created_by", "lines.product")

    def _fresh(self, contract: Contract) -> Contract:
        fresh = selectors.contract_get(user=self.request.user, contract_id=contract.pk)
        return with_answered_approval(contract, fresh)

    def answer(self, instance, fresh):
        if instance.salesperson_id == self.request.user.pk:
            instance.salesperson = self.request.user
        return super().answer(instance, fresh)

    def service_create(self, data):
        order = data.pop("order")
        contract = services.contract_draft(actor=self.request.user, order_id=order.pk, terms=data)
        contract.__dict__[ANSWERED] = None  # a new draft: no approval yet
        return self.answer(contract, self._fresh)

    def service_update(self, instance, data):
        contract = services.contract_update_terms(
            actor=self.request.user, contract_id=instance.pk, terms=data
        )
        return self._fresh(contract)

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Draft → pending_signoff: the head of sales and finance co-sign, in either order (R8)."""
        # The service refuses a contract the caller may not see with the same 404 (R23).
        contract = services.contract_submit(actor=request.user, contract_id=self.url_id())
        return Response(self.get_serializer(self.answer(contract, self._fresh)).data)

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The contract as a PDF (R9): parties, lines, 大写金额, terms, co-signers."""
        return contract_pdf_response(self.get_object())

    @extend_schema(request=None, responses=LedgerSerializer)
    @action(detail=True, methods=["get"])
    def ledger(self, request, pk=None):
        """The contract ledger (合同台帐): amounts gross, `collection_ratio` 4 places."""
        figures = selectors.ledger_figures(contract=self.get_object())
        return Response(LedgerSerializer(figures).data)
