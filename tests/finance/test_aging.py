"""Aging (R18, R23; issue 12 item 7): what is unpaid by days past the due date, collected
applied oldest due first, as of any date, per customer and in total; the API, the page with its
SVG chart, the drill-down and the XLSX export."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.errors import NotVisible, PermissionRefused
from finance.selectors import aging_contract, aging_customer, aging_report, bucket_of
from tests.factories import CustomerFactory
from tests.finance.conftest import another_contract, collect, due

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
DAYS = datetime.timedelta


def buckets(**amounts) -> dict:
    base = dict.fromkeys(("current", "1-30", "31-60", "61-90", "90+"), Decimal("0.00"))
    renamed = {"b1_30": "1-30", "b31_60": "31-60", "b61_90": "61-90", "b90": "90+"}
    return base | {renamed.get(k, k): Decimal(v) for k, v in amounts.items()}


@pytest.mark.rule("R18")
@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
    ],
)
def test_bucket_of_days_past_due(days, bucket):
    assert bucket_of(days) == bucket


@pytest.mark.rule("R18")
def test_each_boundary_day_lands_in_its_bucket_in_the_sql(contract, finance):
    """Days past due 0 → current, 1 and 30 → 1–30, 31 and 60 → 31–60, 61 and 90 → 61–90,
    91 → 90+: a due of a distinct amount at each, read back by the set-based query."""
    today = TODAY()
    amounts = {
        0: "1.00",
        1: "2.00",
        30: "4.00",
        31: "8.00",
        60: "16.00",
        61: "32.00",
        90: "64.00",
        91: "128.00",
        -7: "256.00",
    }
    for days, amount in amounts.items():
        due(contract, amount, today - DAYS(days=days))

    report = aging_report(user=finance, as_of=today)

    expected = buckets(current="257.00", b1_30="6.00", b31_60="24.00", b61_90="96.00", b90="128.00")
    assert report["buckets"] == expected
    assert [(r["customer"].pk, r["buckets"]) for r in report["customers"]] == [
        (contract.customer_id, expected)
    ]
    assert report["total"] == Decimal("511.00")
    dues = aging_contract(user=finance, contract_id=contract.pk, as_of=today)["dues"]
    assert {row["days"]: row["bucket"] for row in dues} == {
        -7: "current",
        0: "current",
        1: "1-30",
        30: "1-30",
        31: "31-60",
        60: "31-60",
        61: "61-90",
        90: "61-90",
        91: "90+",
    }


@pytest.mark.rule("R18")
def test_collected_is_applied_to_the_oldest_due_first(contract, finance):
    today = TODAY()
    due(contract, "1000.00", today - DAYS(days=100))
    due(contract, "2000.00", today - DAYS(days=45))
    due(contract, "3000.00", today + DAYS(days=5))
    collect(finance, contract, "1500.00", today - DAYS(days=2))

    report = aging_report(user=finance, as_of=today)

    assert report["buckets"] == buckets(current="3000.00", b31_60="1500.00")
    dues = aging_contract(user=finance, contract_id=contract.pk, as_of=today)["dues"]
    assert [(row["due"].amount, row["unpaid"]) for row in dues] == [
        (Decimal("2000.00"), Decimal("1500.00")),
        (Decimal("3000.00"), Decimal("3000.00")),
    ]


@pytest.mark.rule("R18")
def test_as_of_a_past_date_counts_only_what_was_delivered_and_collected_by_then(contract, finance):
    today = TODAY()
    due(contract, "1000.00", today - DAYS(days=100))  # delivered 145 days ago
    due(contract, "500.00", today)  # delivered 45 days ago
    collect(finance, contract, "1000.00", today - DAYS(days=10))
    as_of = today - DAYS(days=50)

    assert aging_report(user=finance, as_of=as_of)["buckets"] == buckets(b31_60="1000.00")
    assert aging_report(user=finance, as_of=today)["buckets"] == buckets(current="500.00")


@pytest.mark.rule("R18", "R23")
def test_a_clerk_sees_the_aging_of_their_own_customers_only(
    contract, finance, clerk, make_user, catalogue, manager, gm, head
):
    other_clerk = make_user("sales_clerk", username="clerk.zhou")
    theirs = CustomerFactory(owner=other_clerk, credit_limit=Decimal("10000000"), credit_days=45)
    other = another_contract(
        clerk=other_clerk,
        customer=theirs,
        catalogue=catalogue,
        manager=manager,
        gm=gm,
        head=head,
        finance=finance,
    )
    due(contract, "100.00", TODAY() - DAYS(days=3))
    due(other, "900.00", TODAY() - DAYS(days=3))

    mine = aging_report(user=clerk)
    everyone = aging_report(user=finance)

    assert [r["customer"].pk for r in mine["customers"]] == [contract.customer_id]
    assert mine["total"] == Decimal("100.00") and everyone["total"] == Decimal("1000.00")
    with pytest.raises(NotVisible):
        aging_customer(user=clerk, customer_id=theirs.pk)
    with pytest.raises(NotVisible):
        aging_contract(user=clerk, contract_id=other.pk)


@pytest.mark.rule("R18")
def test_roles_without_receivables_get_no_aging(make_user):
    with pytest.raises(PermissionRefused):
        aging_report(user=make_user("warehouse"))


# -- API --------------------------------------------------------------------------------------


@pytest.mark.rule("R18")
def test_get_reports_aging_answers_the_api_shape(contract, finance, api):
    due(contract, "1130.00", TODAY() - DAYS(days=31))
    as_of = TODAY().isoformat()

    body = api.as_user(finance).get(f"/api/v1/reports/aging/?as_of={as_of}").json()

    zero = {"current": "0.00", "1-30": "0.00", "31-60": "0.00", "61-90": "0.00", "90+": "0.00"}
    assert body["as_of"] == as_of
    assert body["buckets"] == zero | {"31-60": "1130.00"}
    assert body["total"] == "1130.00"
    assert body["customers"] == [
        {
            "customer": contract.customer_id,
            "code": contract.customer.code,
            "name": contract.customer.name,
            "buckets": zero | {"31-60": "1130.00"},
            "total": "1130.00",
        }
    ]


@pytest.mark.rule("R18", "R25")
def test_a_bad_as_of_is_400_naming_it_and_a_role_without_receivables_is_403(
    finance, make_user, api
):
    bad = api.as_user(finance).get("/api/v1/reports/aging/?as_of=2026-02-30")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["as_of"]

    assert api.as_user(make_user("qc")).get("/api/v1/reports/aging/").status_code == 403


# -- pages ------------------------------------------------------------------------------------


@pytest.mark.rule("R18")
def test_the_page_draws_the_chart_and_drills_down_to_the_dues(
    contract, finance, client, django_assert_max_num_queries
):
    due(contract, "1130.00", TODAY() - DAYS(days=95))
    due(contract, "226.00", TODAY() - DAYS(days=5))
    client.force_login(finance)

    with django_assert_max_num_queries(12):
        page = client.get("/finance/aging/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg id="aging-chart"' in html and html.count("<rect") >= 2
    assert contract.customer.name in html and "1,356.00" in html
    customer_page = client.get(f"/finance/aging/customer/{contract.customer_id}/")
    assert contract.display_number in customer_page.content.decode()
    dues_page = client.get(f"/finance/aging/contract/{contract.pk}/").content.decode()
    assert "1,130.00" in dues_page and ">95<" in dues_page


@pytest.mark.rule("R18")
def test_the_export_is_a_spreadsheet_with_the_buckets_as_numbers(contract, finance, client):
    due(contract, "1130.00", TODAY() - DAYS(days=61))
    client.force_login(finance)

    response = client.get(f"/finance/aging/?as_of={TODAY().isoformat()}&export=xlsx")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == (contract.customer.code, contract.customer.name)
    assert rows[1][5] == 1130 and rows[1][7] == 1130


@pytest.mark.rule("R18", "R25")
def test_a_bad_date_on_the_page_is_shown_beside_the_picker(finance, client):
    client.force_login(finance)

    page = client.get("/finance/aging/?as_of=tomorrow")

    assert page.status_code == 400 and 'id="filter-error-as_of"' in page.content.decode()


@pytest.mark.rule("R18", "R23")
def test_a_clerks_home_card_leads_to_their_customers_aging(contract, clerk, client):
    due(contract, "1130.00", TODAY() - DAYS(days=3))
    client.force_login(clerk)

    html = client.get("/").content.decode()

    assert "/finance/aging/" in html and "¥1,130.00" in html


@pytest.mark.rule("R18")
def test_the_report_per_bucket_equals_the_dues_drill_down(contract, finance):
    """The report applies collected per bucket, the drill-down per due: the same parts."""
    import random

    rng = random.Random(7)
    today = TODAY()
    for _ in range(25):
        due(
            contract,
            f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}",
            today - DAYS(days=rng.randint(-20, 150)),
        )
    for days in (130, 70, 20):
        collect(finance, contract, f"{rng.randint(1000, 100000)}.00", today - DAYS(days=days))

    report = aging_report(user=finance, as_of=today)
    dues = aging_contract(user=finance, contract_id=contract.pk, as_of=today)

    assert report["buckets"] == dues["buckets"]
    assert report["total"] == sum(row["unpaid"] for row in dues["dues"])
