"""`GET reports/funnel/` (issue 15 item 5; R26, R27): the presales funnel as JSON, the same
figures as the page `leads/funnel/` and its XLSX export (`sales.selectors_funnel`)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import amount_field
from core.api.serializers import Serializer
from sales import selectors_funnel as funnel


def _rate(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, **kwargs)


FunnelLeadRowSerializer = type(
    "FunnelLeadRowSerializer",
    (serializers.Serializer,),
    {
        "grade": serializers.CharField(allow_null=True),
        **{stage: serializers.IntegerField() for stage in funnel.STAGES},
        "total": serializers.IntegerField(),
    },
)

FunnelConversionSerializer = type(
    "FunnelConversionSerializer",
    (serializers.Serializer,),
    {
        "grade": serializers.CharField(allow_null=True),
        **{key: serializers.IntegerField() for key in funnel.REACHED},
        **{key: _rate() for key, _n, _d in funnel.RATES},
    },
)


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class MonthField(serializers.DateField):
    """A month, written `YYYY-MM`: a string with its pattern in the schema, not a `date` (the
    fuzzing found the `date` this field declared before, issue 16)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class FunnelOutcomeSerializer(Serializer):
    won = serializers.IntegerField()
    won_gross = amount_field()
    lost = serializers.IntegerField()
    lost_gross = amount_field()
    win_rate = _rate()


class FunnelMonthSerializer(FunnelOutcomeSerializer):
    month = MonthField()


class FunnelSalespersonSerializer(FunnelOutcomeSerializer):
    salesperson = serializers.CharField()
    name = serializers.CharField()


class FunnelLostReasonSerializer(Serializer):
    reason = serializers.CharField()
    count = serializers.IntegerField()
    gross = amount_field()


class FunnelReportSerializer(Serializer):
    """The funnel: leads by grade (null: all grades) and stage, the conversion rates (4
    places, null when the denominator is 0), quotations won and lost by month (`YYYY-MM`) and
    by salesperson (username), the lost reasons most often given."""

    date_from = serializers.DateField()
    date_to = serializers.DateField()
    salesperson = serializers.CharField(source="salesperson.username", allow_null=True)
    stages = serializers.ListField(child=serializers.CharField())
    leads = FunnelLeadRowSerializer(many=True)
    leads_total = FunnelLeadRowSerializer()
    conversion = FunnelConversionSerializer(many=True)
    quotations_by_month = FunnelMonthSerializer(many=True)
    quotations_by_salesperson = FunnelSalespersonSerializer(many=True)
    quotations_total = FunnelOutcomeSerializer()
    lost_reasons = FunnelLostReasonSerializer(many=True)


class FunnelReportView(APIView):
    """`GET reports/funnel/?date_from=&date_to=&salesperson=`: the presales funnel for the
    period (default: from the first of the month 11 months back to today) and, optionally, one
    salesperson (a username); a clerk's covers their own leads and quotations (R23). Bad input
    is a 400 `invalid` naming the field."""

    @extend_schema(
        tags=["reports"],
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter("salesperson", OpenApiTypes.STR, description="a username"),
        ],
        responses=FunnelReportSerializer,
    )
    def get(self, request):
        query = funnel.funnel_query(
            date_from=request.query_params.get("date_from"),
            date_to=request.query_params.get("date_to"),
            salesperson=request.query_params.get("salesperson"),
        )
        report = funnel.funnel_report(user=request.user, query=query)
        return Response(FunnelReportSerializer(report).data)
