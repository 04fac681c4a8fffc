"""The API's `?field=value` filters: django-filter's backend, without the work of a filter form
when the request names none of its filters (issue 14).

`DjangoFilterBackend` makes a `FilterSet` and its form for every request — every detail
(`GET …/1/`, whose queryset DRF filters too), every action and every unfiltered list —
nearly a tenth of a detail's time, to find every filter empty and return the queryset as it
was. Here, when no query parameter starts with the name of one of the `FilterSet`'s filters,
the queryset is returned as the `FilterSet` would return it (`queryset.all()`), without it —
but only for a `FilterSet` shown, once per class, to leave a queryset unchanged when no
filter is given: its form valid and every value empty without data, and every filter one of
django-filter's own, which passes a queryset through on an empty value. Any other
`FilterSet` (one with a required filter, its own `filter_queryset` or `qs`, or a filter of
its own kind) is always run, as before. A `FilterSet` made from `filterset_fields` is made
once per view class instead of for every request.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import QueryDict
from django_filters import NumberFilter
from django_filters import filterset as df_filterset
from django_filters.constants import EMPTY_VALUES
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.rest_framework import filterset as df_rest_filterset

_NOTHING_GIVEN_IS_NO_FILTER: dict[type, bool] = {}
# What every supported database compares with an integer column: a number filter's value
# beyond it (`?customer=1e400`) is a 400 naming the parameter, not a 500 from SQLite's driver
# (OverflowError) — found by the schema-driven fuzzing (issue 16).
_BIGINT = 2**63 - 1
_NUMBER_BOUNDS = (MinValueValidator(-_BIGINT), MaxValueValidator(_BIGINT))
_AUTO_FILTERSETS: dict[tuple, type] = {}


def _nothing_given_is_no_filter(filterset_class, queryset) -> bool:
    """Whether a `filterset_class` given none of its filters' parameters returns its queryset
    unfiltered (decided once per class)."""
    known = _NOTHING_GIVEN_IS_NO_FILTER.get(filterset_class)
    if known is not None:
        return known
    base = df_filterset.BaseFilterSet
    plain = (
        filterset_class.filter_queryset is base.filter_queryset
        and filterset_class.qs is base.qs
        and filterset_class.form in (base.form, df_rest_filterset.FilterSet.form)
        # django-filter's own filters pass the queryset through on an empty value (a `method`
        # too: `FilterMethod` does).
        and all(
            type(f).__module__.startswith("django_filters.")
            for f in filterset_class.base_filters.values()
        )
    )
    if plain:
        try:
            empty = filterset_class(data=QueryDict(), queryset=queryset.none())
            plain = empty.is_valid() and all(
                value in EMPTY_VALUES for value in empty.form.cleaned_data.values()
            )
        except Exception:  # e.g. a filter whose choices need a request: always run it
            plain = False
    _NOTHING_GIVEN_IS_NO_FILTER[filterset_class] = plain
    return plain


class FilterBackend(DjangoFilterBackend):
    def get_filterset_class(self, view, queryset=None):
        if getattr(view, "filterset_class", None) or queryset is None:
            return super().get_filterset_class(view, queryset)
        fields = getattr(view, "filterset_fields", None)
        if not fields:
            return None
        key = (type(view), queryset.model, repr(fields))
        made = _AUTO_FILTERSETS.get(key)
        if made is None:
            made = _AUTO_FILTERSETS[key] = super().get_filterset_class(view, queryset)
        return made

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            for name, field in filterset.form.fields.items():
                if isinstance(filterset.filters.get(name), NumberFilter):
                    field.validators = [*field.validators, *_NUMBER_BOUNDS]
        return filterset

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = tuple(filterset_class.base_filters)
        given = any(key.startswith(names) for key in request.query_params)
        if not given and _nothing_given_is_no_filter(filterset_class, queryset):
            return queryset.all()  # what FilterSet.qs returns when no filter applies
        return super().filter_queryset(request, queryset, view)
