"""The API's page-number pagination (API.md): `{"count","next","previous","results"}`.

`count` is exact up to EXACT_COUNT_UP_TO rows. A list that holds more is not counted row by
row on every page (a COUNT(*) over a million orders costs as much as reading them, and it
would make page 1 slower the longer the history, issue 14): PostgreSQL's planner estimate of
the list's rows is given instead (never less than EXACT_COUNT_UP_TO + 1), and `next` is
decided by reading one row beyond the page, so it is right whatever the estimate. A page
beyond the last answers 404 as before."""

import json

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

EXACT_COUNT_UP_TO = 10_000


def planner_rows(queryset: QuerySet) -> int:
    """PostgreSQL's estimate of how many rows `queryset` returns (EXPLAIN, not run)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    plan = json.loads(raw) if isinstance(raw, str) else raw
    return int(plan[0]["Plan"]["Plan Rows"])


class _Page(Page):
    more: bool | None = None  # set when the count is an estimate

    def has_next(self) -> bool:
        return super().has_next() if self.more is None else self.more


class CappedCountPaginator(Paginator):
    """Django's paginator with the count above: exact up to EXACT_COUNT_UP_TO, else the
    planner's estimate (PostgreSQL only; other databases always count)."""

    estimated = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if not isinstance(qs, QuerySet) or connections[qs.db].vendor != "postgresql":
            return super().count
        counted = qs.order_by()[: EXACT_COUNT_UP_TO + 1].count()
        if counted <= EXACT_COUNT_UP_TO:
            return counted
        self.estimated = True
        return max(EXACT_COUNT_UP_TO + 1, planner_rows(qs))

    def validate_number(self, number):
        self.count  # noqa: B018  (decides whether the count is an estimate)
        if not self.estimated:
            return super().validate_number(number)
        # The last page is not known: only a whole number ≥ 1 is checked here; a page past
        # the end is found empty by `page`.
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger("That page number is not an integer") from exc
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number):
        number = self.validate_number(number)
        if not self.estimated:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        page = _Page(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        return page

    def _get_page(self, *args, **kwargs):
        return _Page(*args, **kwargs)


class Pagination(PageNumberPagination):
    """{"count","next","previous","results"}; `?page_size=` up to 200 (API.md)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator
