# ruff: noqa: F811  (the fixtures imported from test_month_end)
"""The month-end REST API (API.md `reconciliations/`, `periods/`; R20, R21): start a run (202
while it works), read its differences, confirm it as the sales manager and finance, close the
month, reopen it as the VP of finance — and every refusal with the error body."""

import pytest
from django.db import connection

from core.models import ClosedPeriod
from finance.models import Reconciliation
from finance.services.interest import previous_period
from tests.finance.test_month_end import books, finance2, last_month_day, vp  # noqa: F401

pytestmark = pytest.mark.rule("R20")


@pytest.fixture
def start(api, django_capture_on_commit_callbacks):
    """POST reconciliations/ as `user`; the run's task runs once the request has answered."""

    def post(user, period=None):
        api.force_authenticate(user)
        with django_capture_on_commit_callbacks(execute=True):
            answer = api.post(
                "/api/v1/reconciliations/",
                {"period": period or previous_period()},
                format="json",
            )
        return answer

    return post


def test_a_run_started_through_the_api_answers_202_and_then_shows_its_differences(
    api, start, books, finance
):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contracts_contractledger SET invoiced = 7 WHERE contract_id = %s", [books.pk]
        )

    started = start(finance)

    assert started.status_code == 202, started.content
    body = started.json()
    assert (body["period"], body["status"]) == (previous_period(), "running")
    detail = api.get(f"/api/v1/reconciliations/{body['id']}/").json()
    assert detail["status"] == "computed"
    assert detail["done"] == detail["total"] == 1
    assert detail["differences"] == [
        {
            "contract": books.pk,
            "contract_number": books.number,
            "customer": books.customer_id,
            "figure": "invoiced",
            "source": "documents",
            "ledger": "7.00",
            "source_value": "0.00",
            "difference": "7.00",
        }
    ]
    assert detail["approval"]["status"] == "pending"
    listed = api.get("/api/v1/reconciliations/").json()
    assert [r["period"] for r in listed["results"]] == [previous_period()]
    assert listed["results"][0]["differences"] == []


def test_bad_input_and_wrong_roles_are_refused_with_the_error_body(
    api, start, finance, clerk, manager
):
    bad = start(finance, "2026-13")
    assert bad.status_code == 400
    assert "period" in bad.json()["errors"]
    missing = api.post("/api/v1/reconciliations/", {}, format="json")
    assert missing.status_code == 400 and "period" in missing.json()["errors"]
    assert start(manager).status_code == 403
    api.force_authenticate(clerk)
    assert api.get("/api/v1/reconciliations/").status_code == 403
    assert api.get("/api/v1/periods/").status_code == 403
    assert not Reconciliation.objects.exists()


def test_a_second_start_while_one_works_is_409(api, books, finance, finance2):
    api.force_authenticate(finance)
    first = api.post("/api/v1/reconciliations/", {"period": previous_period()}, format="json")
    assert first.status_code == 202  # its task waits for a commit that never comes here
    api.force_authenticate(finance2)
    second = api.post("/api/v1/reconciliations/", {"period": previous_period()}, format="json")
    assert second.status_code == 409
    assert second.json()["code"] == "run_in_progress"
    assert second.json()["errors"] == {"period": ["A run of this month is already working."]}


def test_confirm_close_and_reopen_through_the_api(
    api,
    start,
    books,
    finance,
    finance2,
    manager,
    vp,
    customer,
):
    period = previous_period()
    run_id = start(finance).json()["id"]
    api.force_authenticate(finance)
    own = api.post(f"/api/v1/reconciliations/{run_id}/confirm/")
    assert own.status_code == 403 and own.json()["code"] == "self_approval_forbidden"
    early = api.post(f"/api/v1/periods/{period}/close/")
    assert early.status_code == 409 and early.json()["code"] == "reconciliation_not_confirmed"

    api.force_authenticate(manager)
    assert api.post(f"/api/v1/reconciliations/{run_id}/confirm/").json()["status"] == "computed"
    api.force_authenticate(finance2)
    assert api.post(f"/api/v1/reconciliations/{run_id}/confirm/").json()["status"] == "confirmed"
    months = {row["period"]: row for row in api.get("/api/v1/periods/").json()}
    assert months[period]["status"] == "confirmed"
    assert months[period]["reconciliation"] == run_id

    api.force_authenticate(manager)
    assert api.post(f"/api/v1/periods/{period}/close/").status_code == 403
    api.force_authenticate(finance)
    closed = api.post(f"/api/v1/periods/{period}/close/")
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"

    late = api.post(
        "/api/v1/receipts/",
        {
            "customer": customer.pk,
            "amount": "100.00",
            "method": "bank_transfer",
            "received_on": last_month_day(15).isoformat(),
            "allocations": [],
        },
        format="json",
    )
    assert late.status_code == 409
    assert late.json()["code"] == "period_closed"
    assert "received_on" in late.json()["errors"]

    assert api.post(f"/api/v1/periods/{period}/reopen/", {"reason": "x"}).status_code == 403
    api.force_authenticate(vp)
    blank = api.post(f"/api/v1/periods/{period}/reopen/", {"reason": " "}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()["errors"]
    reopened = api.post(
        f"/api/v1/periods/{period}/reopen/", {"reason": "补录签收单"}, format="json"
    )
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "confirmed"
    assert not ClosedPeriod.objects.filter(period=period).exists()
