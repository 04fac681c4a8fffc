"""The trial balance 试算平衡表 of a month (issue 12 item 9; API.md `reports/trial-balance/`):
every account's opening balance (Σ before the month's first day), the month's debits and
credits, the closing balance — debit-minus-credit balances, so Σ opening = Σ closing = 0 and
Σ debit = Σ credit; a page with a totals row and an XLSX export, for finance, its VP and the
general manager."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from finance.models import CHART
from finance.services import journal_post

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _months():
    """(a day of the month before last, the first and last day of last month, today)."""
    this_month = TODAY().replace(day=1)
    last_day = this_month - datetime.timedelta(days=1)
    first_day = last_day.replace(day=1)
    return first_day - datetime.timedelta(days=1), first_day, last_day, TODAY()


def _post(actor, day, lines):
    with transaction.atomic():
        journal_post(
            actor=actor, date=day, memo="test", source_type="test", source_id=1, lines=lines
        )


@pytest.fixture
def finance(make_user):
    return make_user("finance", username="finance.tb")


@pytest.fixture
def postings(finance):
    """Before last month: 1,000 received on account. Last month: a delivery of 1,130 (1,000 +
    130 VAT not yet invoiced) on its first and last day, 500 of the advance applied. This
    month: 200 more received (after the period)."""
    before, first, last, today = _months()
    _post(finance, before, [("1002", "1000.00", 0), ("2203", 0, "1000.00")])
    _post(finance, first, [("1122", "1130.00", 0), ("6001", 0, "1000.00"), ("222102", 0, "130.00")])
    _post(finance, last, [("2203", "500.00", 0), ("1122", 0, "500.00")])
    _post(finance, today, [("1002", "200.00", 0), ("2203", 0, "200.00")])
    return f"{first:%Y-%m}"


def _rows(body) -> dict:
    return {row["account"]: row for row in body["accounts"]}


def test_each_account_opens_with_what_came_before_and_closes_with_the_month(
    api, finance, postings, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):  # session, token, roles…, one aggregate: not per account
        response = api.as_user(finance).get(f"/api/v1/reports/trial-balance/?period={postings}")

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == postings
    rows = _rows(body)
    assert set(rows) == {code for code, *_rest in CHART}  # every account, zeros too
    assert rows["1002"] == {
        "account": "1002",
        "name": rows["1002"]["name"],
        "opening": "1000.00",
        "debit": "0.00",
        "credit": "0.00",
        "closing": "1000.00",
    }
    assert (rows["2203"]["opening"], rows["2203"]["debit"], rows["2203"]["closing"]) == (
        "-1000.00",  # a liability: credit balance, negative
        "500.00",
        "-500.00",
    )
    assert (rows["1122"]["debit"], rows["1122"]["credit"], rows["1122"]["closing"]) == (
        "1130.00",
        "500.00",
        "630.00",
    )
    assert rows["6001"]["closing"] == "-1000.00"
    assert rows["222102"]["closing"] == "-130.00"
    assert rows["6603"] == {**rows["6603"], "opening": "0.00", "debit": "0.00", "closing": "0.00"}


def test_debits_equal_credits_and_balances_sum_to_zero(api, finance, postings):
    body = api.as_user(finance).get(f"/api/v1/reports/trial-balance/?period={postings}").json()

    debit = sum(Decimal(r["debit"]) for r in body["accounts"])
    credit = sum(Decimal(r["credit"]) for r in body["accounts"])
    assert debit == credit == Decimal("1630.00")
    assert sum(Decimal(r["opening"]) for r in body["accounts"]) == 0
    assert sum(Decimal(r["closing"]) for r in body["accounts"]) == 0
    assert body["totals"] == {
        "opening": "0.00",
        "debit": "1630.00",
        "credit": "1630.00",
        "closing": "0.00",
    }


def test_the_next_month_opens_where_this_one_closed(api, finance, postings):
    this_month = f"{TODAY():%Y-%m}"
    last = _rows(
        api.as_user(finance).get(f"/api/v1/reports/trial-balance/?period={postings}").json()
    )
    now = _rows(api.as_user(finance).get("/api/v1/reports/trial-balance/").json())

    assert all(now[code]["opening"] == last[code]["closing"] for code in now)
    assert now["1002"]["debit"] == "200.00"
    body = api.as_user(finance).get("/api/v1/reports/trial-balance/").json()
    assert body["period"] == this_month  # no period: this month


@pytest.mark.rule("R25")
@pytest.mark.parametrize("period", ["2025-13", "2025-3", "abc", "2025-03-01", "0999-01"])
def test_a_bad_period_is_400_naming_the_field(api, finance, period):
    response = api.as_user(finance).get(f"/api/v1/reports/trial-balance/?period={period}")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["period"]


@pytest.mark.parametrize("role", ["sales_clerk", "sales_manager", "warehouse"])
def test_only_finance_its_vp_and_the_general_manager_read_it(api, client, make_user, role):
    assert api.as_user(make_user(role)).get("/api/v1/reports/trial-balance/").status_code == 403
    client.force_login(make_user(role, username=f"{role}.page"))
    assert client.get("/trial-balance/").status_code == 403
    for reader in ("finance_vp", "general_manager"):
        user = make_user(reader)
        assert api.as_user(user).get("/api/v1/reports/trial-balance/").status_code == 200


def test_the_page_shows_the_accounts_a_totals_row_and_the_sign_convention(
    client, finance, postings
):
    client.force_login(finance)

    response = client.get("/trial-balance/", {"period": postings})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="trial-balance-totals"' in page and "1,630.00" in page
    assert 'id="sign-convention"' in page
    assert "-1,000.00" in page  # 2203 opened with the advance
    assert "/journal/?account=1002" in page


def test_the_page_names_a_bad_period(client, finance):
    client.force_login(finance)

    response = client.get("/trial-balance/", {"period": "2025-13"})

    assert response.status_code == 400
    assert 'id="filter-error-period"' in response.content.decode()


def test_the_export_is_a_sheet_of_numbers_with_a_totals_row(client, finance, postings):
    client.force_login(finance)

    response = client.get("/trial-balance/", {"period": postings, "export": "xlsx"})

    assert response["Content-Disposition"].endswith(f'trial-balance-{postings}.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(CHART) + 1
    by_code = {row[0]: row for row in rows[1:-1]}
    assert by_code["1122"][2:] == (0, 1130, 500, 630)
    assert rows[-1][3] == rows[-1][4] == 1630 and rows[-1][2] == 0 and rows[-1][5] == 0
