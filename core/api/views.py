from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.authentication import TokenAuthentication, token_expired, token_expires_at
from core.api.serializers import Serializer
from core.errors import AuthenticationRefused
from core.prefetch import carries
from core.tabular import FORMATS, table_response, table_rows


class TokenRequestSerializer(Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenView(APIView):
    """`POST auth/token/` {"username","password"} → {"token","expires_at"}: the caller's token,
    a new one when the last has expired (`API_TOKEN_TTL_HOURS`); the only anonymous endpoint.
    `DELETE auth/token/` with that token revokes it (204): it is refused from then on."""

    permission_classes = [AllowAny]

    def get_authenticators(self):
        # Anonymous for POST (the password is the credential); DELETE names its token.
        if self.request is not None and self.request.method == "DELETE":
            return [TokenAuthentication()]
        return []

    @extend_schema(
        tags=["auth"],
        request=TokenRequestSerializer,
        responses=inline_serializer(
            "Token", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
        ),
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise AuthenticationRefused()
        token, _created = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        return Response(
            {
                "token": token.key,
                "expires_at": serializers.DateTimeField().to_representation(
                    token_expires_at(token)
                ),
            }
        )

    @extend_schema(tags=["auth"], request=None, responses={204: None})
    def delete(self, request):
        if not isinstance(request.auth, Token):
            raise NotAuthenticated()
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A resource whose writes go through services (STYLE.md: thin API).

    Subclasses implement `service_create(validated_data)` and `service_update(instance,
    validated_data)`; the serializer only parses input and renders output.
    """

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def service_create(self, data: dict):
        raise NotImplementedError

    def service_update(self, instance, data: dict):
        raise NotImplementedError

    def check_input(self, data) -> None:
        """Hook for refusals that must come before field validation (e.g. R2)."""

    def object_id(self) -> int:
        """The id in the URL, once `get_object()` would have found it (same queryset, same
        filters, else 404), for an action that hands the id to a service and answers with a
        fresh read: one EXISTS query instead of loading the document, its lines and its
        prefetches only to take its id (issue 14)."""
        if type(self).get_object is not generics.GenericAPIView.get_object:
            return self.get_object().pk  # a view that finds its objects its own way
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        value = self.kwargs[lookup_url_kwarg]
        queryset = self.filter_queryset(self.get_queryset())
        try:
            found = queryset.filter(**{self.lookup_field: value}).exists()
        except (TypeError, ValueError, ValidationError):
            found = False
        if not found:
            raise Http404
        return int(value)

    def url_id(self) -> int:
        """The id in the URL, parsed but not looked up, for an action whose service refuses an
        unknown or invisible id itself with the same 404 (`NotVisible`, R23): no query
        (issue 14). Not an integer → 404, as `object_id`."""
        value = str(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        if not value.isdigit() or int(value) >= 2**63:
            raise Http404
        return int(value)

    # What the answer's serializer reads on a document beyond its own columns ("customer",
    # "lines.product"): `answer` serialises a service's result as it is when it carries them.
    answer_reads: tuple[str, ...] = ()

    def answer(self, instance, fresh):
        """`instance` as a service returned it when it carries what the serializer reads
        (`answer_reads`, `core.prefetch.carries`), else `fresh(instance)` read again (issue
        14). The author, when the caller is, counts as loaded."""
        author_field = getattr(instance, "approval_author_field", "created_by")
        author_id = getattr(instance, f"{author_field}_id", None)
        if author_id is not None and author_id == self.request.user.pk:
            setattr(instance, author_field, self.request.user)
        if carries(instance, *self.answer_reads):
            return instance
        return fresh(instance)

    def create(self, request, *args, **kwargs):
        self.check_input(request.data)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.service_create(dict(serializer.validated_data))
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        self.check_input(request.data)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.service_update(instance, dict(serializer.validated_data))
        return Response(self.get_serializer(instance).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class ImportSerializer(Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or GB18030) or XLSX with a header row")


class ImportResultSerializer(Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class TabularMixin:
    """`GET …/export/?file_format=csv|xlsx` and `POST …/import/` (multipart `file`), the same files
    and the same all-or-nothing import service as the list pages."""

    export_filename = "export"

    def export_rows(self) -> tuple[list[str], list[list]]:
        raise NotImplementedError

    def import_service(self, *, actor, rows):
        raise NotImplementedError

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=["csv", "xlsx"])],
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, FORMATS["xlsx"]): OpenApiTypes.BINARY,
        },
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        headers, rows = self.export_rows()
        return table_response(
            filename=self.export_filename,
            headers=headers,
            rows=rows,
            fmt=request.query_params.get("file_format", "csv"),
        )

    @extend_schema(request=ImportSerializer, responses=ImportResultSerializer)
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request):
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = self.import_service(
            actor=request.user, rows=table_rows(data.validated_data["file"])
        )
        return Response(ImportResultSerializer(result).data)
