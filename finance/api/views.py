"""Viewsets of the finance API: parse input, call one service or selector, serialise."""

import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput
from core.permissions import require_role
from finance import selectors
from finance.api.serializers import (
    JournalEntrySerializer,
    StatementSerializer,
    TrialBalanceSerializer,
)
from finance.models import JournalEntry
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
    """`?format=pdf` asks for the PDF the view answers itself; anything the view answers through
    a renderer (the statement, an error) is JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) == "pdf":
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
        if fmt not in ("json", "pdf"):
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
