"""`core.api.filters.FilterBackend` (issue 14): django-filter's backend, without a filter form
for a request that names none of the filters — and the same answers."""

import django_filters
import pytest
from django.urls import get_resolver
from rest_framework.test import APIRequestFactory

from core.api.filters import FilterBackend, _nothing_given_is_no_filter
from sales.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _api_viewsets():
    seen = set()

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns)
            else:
                cls = getattr(pattern.callback, "cls", None)
                if cls is not None and cls not in seen:
                    seen.add(cls)
                    yield cls

    return list(walk(get_resolver().url_patterns))


def test_every_filterset_of_the_api_is_skipped_when_no_filter_is_given():
    """Every `FilterSet` the API uses leaves the queryset as it is without its parameters (so
    the backend may skip it); a new one that does not is simply always run."""
    backend = FilterBackend()
    checked = 0
    for cls in _api_viewsets():
        view = cls()
        if getattr(view, "filterset_class", None) is None and not getattr(
            view, "filterset_fields", None
        ):
            continue
        queryset = getattr(cls, "queryset", None)
        if queryset is None:
            continue
        filterset = backend.get_filterset_class(view, queryset)
        assert _nothing_given_is_no_filter(filterset, queryset), cls
        checked += 1
    assert checked >= 10


def _filtered(filterset_class, params: str):
    class View:
        pass

    view = View()
    view.filterset_class = filterset_class
    request = APIRequestFactory().get(f"/?{params}")
    from rest_framework.request import Request

    return FilterBackend().filter_queryset(Request(request), Customer.objects.all(), view)


def test_a_filterset_that_filters_without_parameters_is_always_run(make_user):
    class Required(django_filters.FilterSet):
        code = django_filters.CharFilter(required=True)

        class Meta:
            model = Customer
            fields = ["code"]

    class Own(django_filters.FilterSet):
        class Meta:
            model = Customer
            fields = ["code"]

        def filter_queryset(self, queryset):
            return queryset.filter(blocked=True)

    assert not _nothing_given_is_no_filter(Required, Customer.objects.all())
    assert not _nothing_given_is_no_filter(Own, Customer.objects.all())
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _filtered(Required, "page=2")
    owner = make_user("sales_clerk", username="owner")
    CustomerFactory(owner=owner, blocked=False)
    blocked = CustomerFactory(owner=owner, blocked=True)
    assert list(_filtered(Own, "page=2")) == [blocked]


def test_filters_still_apply_on_lists_and_details(api, make_user):
    clerk = make_user("sales_clerk", username="clerk.li")
    open_one = CustomerFactory(owner=clerk, blocked=False)
    blocked = CustomerFactory(owner=clerk, blocked=True)
    api.as_user(clerk)

    ids = {row["id"] for row in api.get("/api/v1/customers/?blocked=true").json()["results"]}
    assert ids == {blocked.pk}
    everyone = {row["id"] for row in api.get("/api/v1/customers/?page_size=10").json()["results"]}
    assert everyone == {open_one.pk, blocked.pk}
    # A detail is filtered as DRF filters it: by the list's filters too.
    assert api.get(f"/api/v1/customers/{open_one.pk}/").status_code == 200
    assert api.get(f"/api/v1/customers/{open_one.pk}/?blocked=true").status_code == 404
    assert api.get(f"/api/v1/customers/{blocked.pk}/?blocked=true").status_code == 200
    # A bad filter value is refused as before.
    assert (
        api.get("/api/v1/customers/?risk_level=nonsense").status_code
        == api.get(f"/api/v1/customers/{open_one.pk}/?risk_level=nonsense").status_code
        == 400
    )
