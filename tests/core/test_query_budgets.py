"""Query budgets (issue 14 item 6): every page and every REST read answers with an exact number of
queries, the same with 2 or 12 of every document kind in the books, so a page never grows a
query per row (N+1) unnoticed.

The routes are read from the URL resolver: a new page or endpoint with no line below fails
`test_every_page_and_endpoint_has_a_budget` ("no budget for <name>"), and so does a line whose
route is gone. A budget is measured as the role the page is for (the one who sees everything
it shows), after one warm-up request (per-process caches such as content types are warm in
production), on the last seeded object for a detail page. Changing a number is fine when the
page does more on purpose; say why in the commit."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.core.query_budgets_seed import seed

GM, CLERK, MANAGER, FINANCE = "general_manager", "sales_clerk", "sales_manager", "finance"
ROOT = "superuser"

# Browser pages: url name (+ query) -> (role, queries, {URL argument: seeded kind}). A query may
# name a seeded object as {kind}; an argument "=value" is that value.
PAGES: dict[str, tuple[str, int, dict[str, str]]] = {
    "home": (GM, 16, {}),
    "home?everyone": (ROOT, 28, {}),  # a superuser: every role's cards at once
    # approvals
    "approval-inbox": (GM, 12, {}),
    "approval-detail": (GM, 11, {"pk": "approval"}),
    "approval-delegations": (GM, 8, {}),
    "audit-log": (GM, 8, {}),
    # sales
    "customer-list": (CLERK, 5, {}),
    "customer-create": (CLERK, 3, {}),
    "customer-names?customer=测试": (CLERK, 4, {}),
    "customer-export": (CLERK, 4, {}),
    "customer-import": (CLERK, 3, {}),
    "customer-detail": (CLERK, 9, {"pk": "customer"}),
    "customer-edit": (CLERK, 5, {"pk": "customer"}),
    "lead-list": (CLERK, 5, {}),
    "lead-team-overdue": (MANAGER, 8, {}),  # + the owner filter's choices
    "lead-create": (CLERK, 3, {}),
    "lead-list?grade=A&status=all&q=潜在": (CLERK, 5, {}),
    "lead-list?owner=*": (MANAGER, 8, {}),  # roles (R23), the owner filter's choices
    "lead-team-overdue?grade=A&owner=budget.sales_clerk&q=潜在": (MANAGER, 8, {}),
    "lead-detail": (CLERK, 6, {"pk": "lead"}),
    "lead-import": (CLERK, 4, {}),
    "lead-import-detail": (CLERK, 4, {"pk": "lead_import"}),
    "lead-funnel": (MANAGER, 10, {}),
    "lead-funnel?export=xlsx": (MANAGER, 7, {}),
    "credit-change-list": (MANAGER, 10, {}),
    "credit-change-create": (MANAGER, 6, {}),
    "credit-change-detail": (MANAGER, 10, {"pk": "credit_change"}),
    "credit-change-edit": (MANAGER, 6, {"pk": "draft_credit_change"}),
    "order-list": (CLERK, 9, {}),
    "order-list?export=xlsx": (CLERK, 4, {}),
    "order-create": (CLERK, 7, {}),
    "order-credit?customer={customer}": (CLERK, 9, {}),
    "order-detail": (CLERK, 9, {"pk": "order"}),
    "order-edit": (CLERK, 10, {"pk": "draft_order"}),
    "quotation-list": (CLERK, 8, {}),
    "quotation-create": (CLERK, 8, {}),
    "quotation-create?customer={customer}": (CLERK, 8, {}),
    "quotation-detail": (CLERK, 9, {"pk": "quotation"}),
    "quotation-edit": (CLERK, 8, {"pk": "draft_quotation"}),
    "price-list-list": (GM, 10, {}),
    "price-list-create": (GM, 6, {}),
    "price-list-detail": (GM, 10, {"pk": "price_list"}),
    "price-list-edit": (MANAGER, 8, {"pk": "price_list"}),  # the author of the draft
    "product-list": (GM, 7, {}),
    "product-create": (GM, 5, {}),
    "product-export": (GM, 3, {}),
    "product-import": (GM, 5, {}),
    "product-edit": (GM, 7, {"pk": "product"}),
    # contracts
    "contract-list": (CLERK, 10, {}),
    "contract-list?export=xlsx": (CLERK, 4, {}),
    "contract-create?order={approved_order}": (CLERK, 5, {}),
    "contract-detail": (CLERK, 13, {"pk": "contract"}),
    "contract-edit": (CLERK, 5, {"pk": "draft_contract"}),
    "contract-ledger-list": (FINANCE, 8, {}),
    "contract-ledger-list?export=xlsx": (FINANCE, 4, {}),
    "contract-customer-ledger": (FINANCE, 9, {"customer_id": "customer"}),
    "contract-customer-ledger?export=xlsx": (FINANCE, 6, {"customer_id": "customer"}),
    "contract-ledger": (FINANCE, 14, {"pk": "contract"}),
    # inventory
    "warehouse-list": (GM, 7, {}),
    "warehouse-create": (GM, 5, {}),
    "warehouse-edit": (GM, 7, {"pk": "warehouse"}),
    "stock-list": ("warehouse", 8, {}),
    "production-notice-list": ("planner", 11, {}),
    "production-notice-list?export=xlsx": ("planner", 5, {}),
    "production-notice-create": ("planner", 4, {}),
    "production-notice-detail": ("planner", 11, {"pk": "production_notice"}),
    "production-notice-edit": ("planner", 7, {"pk": "draft_production_notice"}),
    "goods-receipt-list": ("qc", 4, {}),
    "goods-receipt-list?export=xlsx": ("qc", 4, {}),
    "goods-receipt-create": ("production", 6, {}),
    "goods-receipt-detail": ("qc", 6, {"pk": "goods_receipt"}),
    "shipping-notice-list": (CLERK, 10, {}),
    "shipping-notice-list?export=xlsx": (CLERK, 5, {}),
    "shipping-notice-create": (CLERK, 5, {}),
    "shipping-notice-detail": (CLERK, 10, {"pk": "shipping_notice"}),
    "shipping-notice-edit": (CLERK, 8, {"pk": "draft_shipping_notice"}),
    "shipping-notice-delivery": (CLERK, 5, {"pk": "exited_shipping_notice"}),
    "picking-list": ("warehouse", 5, {}),
    "gate-check": ("security", 3, {}),
    "service-dispatch-list": (CLERK, 8, {}),
    "service-dispatch-list?export=xlsx": (CLERK, 4, {}),
    "service-dispatch-create": (CLERK, 4, {}),
    "service-dispatch-detail": (CLERK, 9, {"pk": "service_dispatch"}),
    "service-dispatch-edit": (CLERK, 5, {"pk": "draft_service_dispatch"}),
    # finance
    "receipt-list": (FINANCE, 8, {}),
    "receipt-list?export=xlsx": (FINANCE, 4, {}),
    "receipt-create": (FINANCE, 6, {}),
    "receipt-detail": (FINANCE, 7, {"pk": "receipt"}),
    "invoice-list": (FINANCE, 11, {}),
    "invoice-list?export=xlsx": (FINANCE, 4, {}),
    "invoice-create": (FINANCE, 7, {}),
    "invoice-detail": (FINANCE, 13, {"pk": "invoice"}),
    "commission-slip-list": (FINANCE, 19, {}),
    "commission-slip-list?export=xlsx": (FINANCE, 10, {}),
    "commission-slip-create": (FINANCE, 6, {}),
    "commission-slip-detail": (FINANCE, 11, {"pk": "commission_slip"}),
    "bank-statement-list": (FINANCE, 7, {}),
    "bank-statement-upload": (FINANCE, 5, {}),
    "bank-statement-detail": (FINANCE, 11, {"pk": "bank_statement"}),
    "bank-statement-line-contracts?customer-2={customer}": (
        FINANCE,
        10,
        {"pk": "bank_statement", "row": "=2"},
    ),
    "aging-report": (FINANCE, 9, {}),
    "aging-report?export=xlsx": (FINANCE, 7, {}),
    "aging-customer": (FINANCE, 10, {"customer_id": "customer"}),
    "aging-contract": (FINANCE, 8, {"contract_id": "contract"}),
    "litigation-list": (FINANCE, 7, {}),
    "litigation-edit": (FINANCE, 8, {"pk": "litigation_case"}),
    "journal-list": (FINANCE, 9, {}),
    "journal-list?export=xlsx": (FINANCE, 5, {}),
    "trial-balance": (FINANCE, 6, {}),
    "trial-balance?export=xlsx": (FINANCE, 4, {}),
    "customer-statement": (FINANCE, 5, {}),
    "customer-statement?customer={customer}": (FINANCE, 16, {}),
    "customer-statement-for": (FINANCE, 5, {"pk": "customer"}),
    "month-end-list": (FINANCE, 55, {}),
    "month-end-detail": (FINANCE, 15, {"period": "period"}),
    "month-end-detail?export=xlsx": (FINANCE, 5, {"period": "period"}),
    "month-end-progress": (FINANCE, 7, {"period": "period"}),
}

# REST reads under /api/v1/: url name (+ query) -> (role, queries, {URL argument: seeded kind}).
ENDPOINTS: dict[str, tuple[str, int, dict[str, str]]] = {
    "api:api-root": (GM, 1, {}),
    "api:approval-list": (GM, 5, {}),
    "api:approval-detail": (GM, 4, {"pk": "approval"}),
    "api:delegation-list": (GM, 3, {}),
    "api:audit-list": (GM, 4, {}),
    "api:delegation-detail": (GM, 2, {"pk": "delegation"}),
    "api:customer-list": (CLERK, 4, {}),
    "api:customer-export": (CLERK, 2, {}),
    "api:customer-detail": (CLERK, 3, {"pk": "customer"}),
    "api:customer-credit": (CLERK, 4, {"pk": "customer"}),
    "api:credit-change-list": (MANAGER, 6, {}),
    "api:credit-change-detail": (MANAGER, 5, {"pk": "credit_change"}),
    "api:product-list": (GM, 3, {}),
    "api:product-export": (GM, 2, {}),
    "api:product-detail": (GM, 2, {"pk": "product"}),
    "api:price-list-list": (GM, 7, {}),
    "api:price-list-detail": (GM, 4, {"pk": "price_list"}),
    "api:order-list": (CLERK, 7, {}),
    "api:lead-list": (CLERK, 3, {}),
    "api:lead-list?due=overdue": (MANAGER, 3, {}),
    "api:lead-detail": (CLERK, 2, {"pk": "lead"}),
    "api:lead-contacts": (CLERK, 3, {"pk": "lead"}),
    "api:lead-import-list": (CLERK, 3, {}),
    "api:lead-import-detail": (CLERK, 2, {"pk": "lead_import"}),
    "api:api-funnel-report": (MANAGER, 5, {}),
    "api:order-detail": (CLERK, 6, {"pk": "order"}),
    "api:quotation-list": (CLERK, 7, {}),
    "api:quotation-detail": (CLERK, 6, {"pk": "quotation"}),
    "api:contract-list": (CLERK, 7, {}),
    "api:contract-detail": (CLERK, 6, {"pk": "contract"}),
    "api:contract-ledger": (FINANCE, 7, {"pk": "contract"}),
    "api:warehouse-list": (GM, 3, {}),
    "api:warehouse-detail": (GM, 2, {"pk": "warehouse"}),
    "api:stock-list": ("warehouse", 3, {}),
    "api:production-notice-list": ("planner", 8, {}),
    "api:production-notice-detail": ("planner", 7, {"pk": "production_notice"}),
    "api:goods-receipt-list": ("qc", 3, {}),
    "api:goods-receipt-detail": ("qc", 2, {"pk": "goods_receipt"}),
    "api:shipping-notice-list": (CLERK, 7, {}),
    "api:shipping-notice-by-gate-pass?gate_pass_no={gate_pass}": ("security", 7, {}),
    "api:shipping-notice-detail": (CLERK, 6, {"pk": "shipping_notice"}),
    "api:service-dispatch-list": (CLERK, 6, {}),
    "api:service-dispatch-detail": (CLERK, 5, {"pk": "service_dispatch"}),
    "api:journal-entry-list": (FINANCE, 4, {}),
    "api:journal-entry-detail": (FINANCE, 3, {"pk": "journal_entry"}),
    "api:receipt-list": (FINANCE, 4, {}),
    "api:receipt-detail": (FINANCE, 3, {"pk": "receipt"}),
    "api:invoice-list": (FINANCE, 6, {}),
    "api:invoice-detail": (FINANCE, 5, {"pk": "invoice"}),
    "api:commission-slip-list": (FINANCE, 12, {}),
    "api:commission-slip-department": (FINANCE, 5, {}),
    "api:commission-slip-live": (CLERK, 6, {}),
    "api:commission-slip-detail": (FINANCE, 6, {"pk": "commission_slip"}),
    "api:bank-statement-list": (FINANCE, 3, {}),
    "api:bank-statement-detail": (FINANCE, 9, {"pk": "bank_statement"}),
    "api:interest-posting-list": (FINANCE, 3, {}),
    "api:interest-posting-detail": (FINANCE, 2, {"pk": "interest_posting"}),
    "api:litigation-case-list": (FINANCE, 3, {}),
    "api:litigation-case-detail": (FINANCE, 2, {"pk": "litigation_case"}),
    "api:reconciliation-list": (FINANCE, 6, {}),
    "api:reconciliation-detail": (FINANCE, 6, {"pk": "reconciliation"}),
    "api:period-list": (FINANCE, 5, {}),
    "api:period-detail": (FINANCE, 3, {"period": "period"}),
    "api:api-aging-report": (FINANCE, 5, {}),
    "api:api-customer-statement": (FINANCE, 10, {"customer_id": "customer"}),
    "api:api-trial-balance": (FINANCE, 2, {}),
}

# Routes measured nowhere above, each with the reason.
POST_ONLY = "a POST (a write): no page to budget"
NOT_MEASURED: dict[str, str] = {
    "favicon": "a static file",
    "set_language": "Django's language switch (a POST)",
    "login": "Django's login form, no data",
    "logout": "Django's logout (a POST)",
    "healthz": "the load balancer's probe: no data",
    "api:api-token": "a POST (obtains a token)",
    "api:api-schema": "the OpenAPI schema: built from code, not data",
    "api:api-docs": "Swagger UI: a static page",
    # PDFs: rendered by WeasyPrint (seconds each); their data is the detail page's.
    "contract-pdf": "a PDF",
    "shipping-notice-pdf": "a PDF",
    "gate-pass-pdf": "a PDF",
    "invoice-pdf": "a PDF",
    "commission-slip-pdf": "a PDF",
    "quotation-pdf": "a PDF",
    "api:contract-pdf": "a PDF",
    "api:shipping-notice-pdf": "a PDF",
    "api:shipping-notice-gate-pass": "a PDF",
    "api:invoice-pdf": "a PDF",
    "api:commission-slip-pdf": "a PDF",
    "shipping-notice-scan": "the signed copy's scan, a file served as it was uploaded",
    # Writes (require_POST): answer GET with 405, checked below.
    **dict.fromkeys(
        [
            "approval-decide-many",
            "approval-decide",
            "approval-withdraw",
            "approval-delegation-revoke",
            "credit-change-submit",
            "credit-change-cancel",
            "credit-change-withdraw",
            "order-totals",
            "order-submit",
            "lead-contact",
            "lead-regrade",
            "lead-convert",
            "lead-close",
            "lead-import-commit",
            "order-cancel",
            "quotation-submit",
            "quotation-cancel",
            "quotation-won",
            "quotation-lost",
            "quotation-to-order",
            "price-list-submit",
            "price-list-close",
            "price-list-withdraw",
            "contract-submit",
            "contract-withdraw",
            "production-notice-action",
            "goods-receipt-action",
            "shipping-notice-action",
            "service-dispatch-action",
            "receipt-action",
            "invoice-action",
            "commission-slip-prepare",
            "commission-slip-action",
            "interest-post",
            "month-end-run",
            "month-end-action",
        ],
        POST_ONLY,
    ),
}

# Where PostgreSQL takes more queries, and why (the only backend differences).
JIT_OFF = 1  # the aging query's `SET LOCAL jit = off` (finance.selectors._aging_grouped)
ON_POSTGRESQL = {
    "aging-report": JIT_OFF,
    "aging-report?export=xlsx": JIT_OFF,
    "aging-customer": JIT_OFF,
    "api:api-aging-report": JIT_OFF,
    "month-end-list": 12 * JIT_OFF,  # the summary's overdue at each of 12 month ends
}

# Pages that answer with a redirect (302), not a page.
REDIRECTS = {"customer-statement-for"}  # to customer-statement?customer=…

ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def _routes():
    """(key, route) of every named route the project serves: `name` for a page, `api:name`
    for an endpoint under /api/v1/. The admin is Django's and not measured."""

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield prefix + str(pattern.pattern), pattern

    for route, pattern in walk(get_resolver().url_patterns, ""):
        if route.startswith("admin/"):
            continue
        key = f"api:{pattern.name}" if route.startswith("api/") else pattern.name
        yield key, route, pattern


def _gets(pattern) -> bool:
    """Whether a REST route answers GET (a ViewSet's actions, or an APIView's `get`)."""
    actions = getattr(pattern.callback, "actions", None)
    if actions is not None:
        return "get" in actions
    view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
    return view is None or hasattr(view, "get")


def _url(route: str, values: dict) -> str:
    path = ARGUMENT.sub(lambda m: str(values[m.group(1) or m.group(2)]), route)
    return "/" + path.replace("^", "").replace("$", "")


def test_every_page_and_endpoint_has_a_budget():
    problems = []
    seen = set()
    for key, _route, pattern in _routes():
        seen.add(key)
        if key in NOT_MEASURED:
            continue
        if key.startswith("api:") and not _gets(pattern):
            continue  # writes only
        table = ENDPOINTS if key.startswith("api:") else PAGES
        if not any(k.split("?")[0] == key for k in table):
            problems.append(f"no budget for {key}")
    for key in [*PAGES, *ENDPOINTS, *NOT_MEASURED]:
        if key.split("?")[0] not in seen:
            problems.append(f"budget for {key}, which is no route")
    assert problems == []


class _Last(dict):
    def __init__(self, books):
        super().__init__()
        self.books = books

    def __missing__(self, kind):
        return self.books.last(kind)


@pytest.mark.django_db
def test_the_routes_counted_as_writes_refuse_get(client, make_user):
    """What is left out as "a POST" really is one: a GET answers 405 (before any lookup, so
    any id will do)."""
    client.force_login(make_user(is_superuser=True, is_staff=True))
    values = {"pk": 1, "action": "submit", "period": "2026-01", "row": 1}
    answers = {
        key: client.get(_url(route, values)).status_code
        for key, route, _pattern in _routes()
        if NOT_MEASURED.get(key) == POST_ONLY
    }

    assert answers == dict.fromkeys(answers, 405)


def _measure(books, key, role, arguments, route) -> tuple[int, int]:
    user = books.users[role]
    values = {
        name: kind[1:] if kind.startswith("=") else books.last(kind)
        for name, kind in arguments.items()
    }
    query = "?" + key.split("?", 1)[1].format_map(_Last(books)) if "?" in key else ""
    url = _url(route, values) + query
    if key.startswith("api:"):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    else:
        client = Client()
        client.force_login(user)
    client.get(url)  # warm-up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response.status_code, len(captured.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 12])
def test_every_page_and_endpoint_keeps_its_query_budget(size):
    books = seed(size)
    routes = {key: route for key, route, _pattern in _routes()}
    measured = {}
    for table in (PAGES, ENDPOINTS):
        for key, (role, budget, arguments) in table.items():
            status, count = _measure(books, key, role, arguments, routes[key.split("?")[0]])
            if connection.vendor == "postgresql":
                budget += ON_POSTGRESQL.get(key, 0)
            if status != (302 if key in REDIRECTS else 200) or count != budget:
                measured[key] = f"{count} queries (budget {budget}), status {status}"
    assert not measured, f"with {size} of each document:\n" + "\n".join(
        f"{key}: {found}" for key, found in measured.items()
    )
