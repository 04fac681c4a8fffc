import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals import selectors, services
from approvals.api.serializers import (
    ApprovalSerializer,
    AuditEventSerializer,
    AuditQuerySerializer,
    DecideSerializer,
    DelegationSerializer,
    RejectSerializer,
)
from approvals.models import ApprovalRequest, Delegation, DocumentType, RequestStatus


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _acted_on(acted: ApprovalRequest) -> Response:
    """The approval the caller has just decided or withdrawn: as the engine returned it when it
    carries its steps and decisions (issue 14), else read afresh — without the R23 filter of
    `approval_list`: a clerk standing in for an approver no longer "may decide" it once they
    have, and would get a 404 for a decision that was written."""
    approval = acted
    if not selectors.approval_is_loaded(acted):
        approval = selectors._with_steps_and_decisions(
            ApprovalRequest.objects.filter(pk=acted.pk)
        ).get()
    return Response(ApprovalSerializer(approval).data)


class ApprovalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    document_type = django_filters.ChoiceFilter(choices=DocumentType.choices)
    document_id = django_filters.NumberFilter()
    customer = django_filters.NumberFilter(field_name="customer_id")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "document_type", "document_id", "customer"]


@extend_schema(
    parameters=[
        OpenApiParameter(
            "mine", str, enum=["pending"], description="`pending`: what you may decide now (R22)"
        )
    ]
)
class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Approval requests (R21, R22). `?mine=pending` is the inbox, oldest first."""

    serializer_class = ApprovalSerializer
    filterset_class = ApprovalFilter
    queryset = ApprovalRequest.objects.none()  # for the schema

    def get_queryset(self):
        if self.action == "list" and self.request.query_params.get("mine") == "pending":
            return selectors.inbox_for(user=self.request.user)
        return selectors.approval_list(user=self.request.user)

    def _decide(self, request, pk, *, approve: bool):
        serializer = (DecideSerializer if approve else RejectSerializer)(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.approval_decide(
            actor=request.user,
            request_id=int(pk),
            approve=approve,
            comment=serializer.validated_data.get("comment", ""),
            role=serializer.validated_data.get("role") or None,
            ip_address=client_ip(request),
        )
        return _acted_on(decided)

    @extend_schema(request=DecideSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, pk, approve=True)

    @extend_schema(request=RejectSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, pk, approve=False)

    @extend_schema(request=DecideSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        withdrawn = services.approval_withdraw(
            actor=request.user,
            request_id=int(pk),
            comment=serializer.validated_data.get("comment", ""),
        )
        return _acted_on(withdrawn)


class DelegationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Delegations the caller gave or received; `revoke/` ends one early."""

    serializer_class = DelegationSerializer
    queryset = Delegation.objects.none()

    def get_queryset(self):
        return selectors.delegation_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.delegation_create(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=None, responses=DelegationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        delegation = services.delegation_revoke(actor=request.user, delegation_id=int(pk))
        return Response(DelegationSerializer(delegation).data)


class AuditViewSet(viewsets.ViewSet):
    """`GET audit/` (general manager only, issue 16): the latest 300 logins, failed logins and
    approval decisions, newest first; `?kind=login|failed_login|decision&username=&date_from=
    &date_to=`."""

    @extend_schema(parameters=[AuditQuerySerializer], responses=AuditEventSerializer(many=True))
    def list(self, request):
        query = AuditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = selectors.audit_events(user=request.user, **query.validated_data)
        return Response(AuditEventSerializer(events, many=True).data)
