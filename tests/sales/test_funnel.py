"""The presales funnel report (issue 15 item 5; R26, R27, R23): figures from a known data set
— leads of three grades at every stage, quotations won and lost across two months and two
salespeople — the rates with their zero denominators, a clerk's own report, the page with its
SVG charts, the XLSX export holding the same numbers, and `GET reports/funnel/`."""

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from approvals.services import approval_decide
from core.errors import InvalidInput, PermissionRefused
from sales.models import Quotation
from sales.selectors_funnel import funnel_query, funnel_report
from sales.services.leads import lead_close, lead_contact_log, lead_convert, lead_create
from sales.services.quotations import (
    quotation_create,
    quotation_lost,
    quotation_submit,
    quotation_won,
)
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R26", "R27")]

PERIOD = {"date_from": "2026-10-01", "date_to": "2026-11-30"}
LATHE_GROSS = Decimal("180800.00")  # 160,000.00 + 13 % VAT
PRICE_REASON = "价格太高"
FORMULA_REASON = "=SUM(1,2) 竞争对手更便宜"


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def people(make_user, clerk, manager):
    return {
        "clerk": clerk,
        "clerk2": make_user("sales_clerk", username="clerk.zhang", first_name="张", last_name="伟"),
        "manager": manager,
        "head": make_user("sales_head", username="head.zhao"),
    }


def _lead(actor, grade, company, captured):
    return lead_create(
        actor=actor, company=company, contact_name="周经理", grade=grade, now=captured
    )


def _contact(actor, lead, when):
    lead_contact_log(actor=actor, lead_id=lead.pk, contacted_at=when, channel="phone", note="通话")


def _decided(people, salesperson, *, won, decided_at, quantity="1", reason="", **party):
    """A quotation of `salesperson`, approved by the head of sales, won or lost; its outcome
    dated `decided_at` (the services stamp the present moment)."""
    lathe = ProductFactory._meta.model.objects.get(code="P-1001")
    quotation = quotation_create(
        actor=salesperson,
        valid_until=(timezone.localdate() + timedelta(days=30)).isoformat(),
        lines=[{"product": lathe.pk, "quantity": quantity, "unit_price": "160000.00"}],
        **party,
    )
    quotation_submit(actor=salesperson, quotation_id=quotation.pk)
    request = Quotation.objects.get(pk=quotation.pk).approval_request
    approval_decide(actor=people["head"], request_id=request.pk, approve=True)
    if won:
        quotation_won(actor=salesperson, quotation_id=quotation.pk)
    else:
        quotation_lost(actor=salesperson, quotation_id=quotation.pk, reason=reason)
    Quotation.objects.filter(pk=quotation.pk).update(decided_at=decided_at)
    return quotation


@pytest.fixture
def books(people):
    """Seven leads and five decided quotations, the expected figures in the tests below."""
    clerk, clerk2 = people["clerk"], people["clerk2"]
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    active_price_list(items=[(lathe, "168000.00", "150000.00")])
    captured = at(2026, 10, 5, 9, 0)
    a1 = _lead(clerk, "A", "=1+2 精密", captured)  # contacted, quoted, won
    _contact(clerk, a1, at(2026, 10, 5, 15, 0))
    _lead(clerk, "A", "杭州甲", captured)  # not contacted
    b1 = _lead(clerk, "B", "宁波乙", captured)  # contacted
    _contact(clerk, b1, at(2026, 10, 9, 10, 0))
    b2 = _lead(clerk, "B", "无锡丙", captured)  # converted without a logged contact
    lead_convert(actor=clerk, lead_id=b2.pk)
    c1 = _lead(clerk, "C", "常州丁", captured)  # closed
    lead_close(actor=clerk, lead_id=c1.pk, reason="无需求")
    a3 = _lead(clerk2, "A", "南通戊", at(2026, 11, 2, 9, 0))  # contacted, quoted, lost
    _contact(clerk2, a3, at(2026, 11, 2, 11, 0))
    _lead(clerk2, "C", "扬州己", at(2026, 11, 3, 9, 0))  # not contacted
    _lead(clerk, "A", "九月的", at(2026, 9, 30, 23, 0))  # before the period

    mine = CustomerFactory(owner=clerk)
    theirs = CustomerFactory(owner=clerk2)
    _decided(people, clerk, won=True, decided_at=at(2026, 10, 15, 10, 0), lead=a1.pk)
    _decided(
        people,
        clerk2,
        won=True,
        decided_at=at(2026, 10, 20, 10, 0),
        quantity="2",
        customer=theirs.pk,
    )
    # 1 November 00:30 in Shanghai is still 31 October in UTC: it counts in November.
    _decided(
        people,
        clerk2,
        won=False,
        reason=PRICE_REASON,
        decided_at=at(2026, 11, 1, 0, 30),
        lead=a3.pk,
    )
    _decided(
        people,
        clerk,
        won=False,
        reason=FORMULA_REASON,
        quantity="3",
        decided_at=at(2026, 11, 20, 10, 0),
        customer=mine.pk,
    )
    _decided(people, clerk, won=True, decided_at=at(2026, 11, 30, 23, 30), customer=mine.pk)
    _decided(people, clerk, won=True, decided_at=at(2026, 12, 1, 0, 10), customer=mine.pk)  # after
    return people


def report_for(user, **params):
    return funnel_report(user=user, query=funnel_query(**{**PERIOD, **params}))


def by_grade(rows):
    return {row["grade"]: row for row in rows}


def test_leads_by_grade_and_stage(books):
    report = report_for(books["manager"])

    leads = by_grade(report["leads"])
    assert [leads[g]["open_not_contacted"] for g in "ABC"] == [1, 0, 1]
    assert [leads[g]["open_contacted"] for g in "ABC"] == [0, 1, 0]
    assert [leads[g]["quoted"] for g in "ABC"] == [2, 0, 0]
    assert [leads[g]["converted"] for g in "ABC"] == [0, 1, 0]
    assert [leads[g]["closed"] for g in "ABC"] == [0, 0, 1]
    assert [leads[g]["total"] for g in "ABC"] == [3, 2, 2]
    assert report["leads_total"] == {
        "grade": None,
        "open_not_contacted": 2,
        "open_contacted": 1,
        "quoted": 2,
        "converted": 1,
        "closed": 1,
        "total": 7,
    }


def test_conversion_rates_per_grade_and_overall_with_zero_denominators(books):
    conversion = by_grade(report_for(books["manager"])["conversion"])

    a, b, c, overall = conversion["A"], conversion["B"], conversion["C"], conversion[None]
    assert [a[k] for k in ("leads", "contacted", "quoted", "won", "converted")] == [3, 2, 2, 1, 0]
    assert (a["lead_to_contacted"], a["contacted_to_quoted"], a["quoted_to_won"]) == (
        Decimal("0.6667"),
        Decimal("1.0000"),
        Decimal("0.5000"),
    )
    assert a["lead_to_customer"] == Decimal("0.0000")
    # B: the converted lead counts as contacted; nothing quoted, so quoted → won is 0/0.
    assert (b["contacted"], b["lead_to_contacted"], b["contacted_to_quoted"]) == (
        2,
        Decimal("1.0000"),
        Decimal("0.0000"),
    )
    assert (b["quoted_to_won"], b["lead_to_customer"]) == (None, Decimal("0.5000"))
    # C: nobody contacted: contacted → quoted and quoted → won have no denominator.
    assert (c["contacted_to_quoted"], c["quoted_to_won"]) == (None, None)
    assert [overall[k] for k in ("leads", "contacted", "quoted", "won", "converted")] == [
        7,
        4,
        2,
        1,
        1,
    ]
    assert [
        overall[k]
        for k in ("lead_to_contacted", "contacted_to_quoted", "quoted_to_won", "lead_to_customer")
    ] == [Decimal("0.5714"), Decimal("0.5000"), Decimal("0.5000"), Decimal("0.1429")]


def test_quotations_won_and_lost_by_month_in_local_time(books):
    report = report_for(books["manager"])

    october, november = report["quotations_by_month"]
    assert (october["month"].isoformat(), november["month"].isoformat()) == (
        "2026-10-01",
        "2026-11-01",
    )
    assert (october["won"], october["won_gross"], october["lost"], october["win_rate"]) == (
        2,
        LATHE_GROSS * 3,
        0,
        Decimal("1.0000"),
    )
    assert (november["won"], november["lost"], november["lost_gross"]) == (1, 2, LATHE_GROSS * 4)
    assert november["win_rate"] == Decimal("0.3333")
    assert report["quotations_total"] == {
        "won": 3,
        "won_gross": LATHE_GROSS * 4,
        "lost": 2,
        "lost_gross": LATHE_GROSS * 4,
        "win_rate": Decimal("0.6000"),
    }


def test_quotations_by_salesperson_and_the_lost_reasons(books):
    report = report_for(books["manager"])

    people = {row["salesperson"]: row for row in report["quotations_by_salesperson"]}
    assert set(people) == {"clerk.li", "clerk.zhang"}
    li, zhang = people["clerk.li"], people["clerk.zhang"]
    assert (li["won"], li["won_gross"], li["lost"], li["lost_gross"]) == (
        2,
        LATHE_GROSS * 2,
        1,
        LATHE_GROSS * 3,
    )
    assert li["win_rate"] == Decimal("0.6667")
    assert (zhang["name"], zhang["won"], zhang["lost"], zhang["win_rate"]) == (
        "张 伟",
        1,
        1,
        Decimal("0.5000"),
    )
    assert report["lost_reasons"] == [
        {"reason": FORMULA_REASON, "count": 1, "gross": LATHE_GROSS * 3},
        {"reason": PRICE_REASON, "count": 1, "gross": LATHE_GROSS},
    ]


@pytest.mark.rule("R23")
def test_a_clerk_sees_only_their_own_leads_and_quotations(books):
    report = report_for(books["clerk"])

    assert report["leads_total"]["total"] == 5
    assert by_grade(report["leads"])["A"]["quoted"] == 1  # not clerk.zhang's lead
    assert [row["salesperson"] for row in report["quotations_by_salesperson"]] == ["clerk.li"]
    assert (report["quotations_total"]["won"], report["quotations_total"]["lost"]) == (2, 1)
    assert [row["reason"] for row in report["lost_reasons"]] == [FORMULA_REASON]


def test_the_salesperson_filter_narrows_leads_and_quotations(books):
    report = report_for(books["manager"], salesperson="clerk.zhang")

    assert report["leads_total"]["total"] == 2
    assert (report["quotations_total"]["won"], report["quotations_total"]["lost"]) == (1, 1)
    assert [row["salesperson"] for row in report["quotations_by_salesperson"]] == ["clerk.zhang"]


def test_an_empty_period_has_no_rates_rather_than_zero_divisions(books):
    report = report_for(books["manager"], date_from="2025-01-01", date_to="2025-02-28")

    overall = by_grade(report["conversion"])[None]
    assert overall["leads"] == 0
    assert overall["lead_to_contacted"] is None and overall["lead_to_customer"] is None
    assert [m["win_rate"] for m in report["quotations_by_month"]] == [None, None]
    assert report["quotations_total"]["win_rate"] is None


def test_the_default_period_is_the_last_twelve_months():
    query = funnel_query(today=timezone.localdate().replace(year=2026, month=12, day=7))

    assert (query.date_from.isoformat(), query.date_to.isoformat()) == ("2026-01-01", "2026-12-07")


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2026-11-30", "date_to": "2026-11-01"}, "date_to"),
        ({"date_from": "2020-01-01", "date_to": "2026-11-30"}, "date_from"),
        ({"salesperson": "nobody"}, "salesperson"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(people, params, field):
    with pytest.raises(InvalidInput) as refused:
        funnel_query(**params)

    assert list(refused.value.errors) == [field]


def test_roles_without_presales_business_are_refused(make_user):
    with pytest.raises(PermissionRefused):
        funnel_report(user=make_user("finance"), query=funnel_query())


def test_the_marketing_director_sees_everyones_funnel(books, make_user):
    report = report_for(make_user("marketing_director"))

    assert report["leads_total"]["total"] == 7


# --- the page, its export and the REST endpoint --------------------------------------------------


def test_the_page_shows_the_tables_and_the_charts_drawn_on_the_server(books, client):
    client.force_login(books["manager"])

    response = client.get(reverse("lead-funnel"), PERIOD)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg id="funnel-stage-chart"' in html and '<svg id="funnel-outcome-chart"' in html
    assert 'data-series="lost_gross" data-value="723200.00"' in html  # November's lost bar
    assert "<script" not in html.split('id="funnel-stage-chart"')[1].split("</svg>")[0]
    assert 'data-month="2026-11"' in html and "723,200.00" in html
    assert "33.33%" in html  # November's win rate
    assert "—" in html  # quoted → won for grade B has no denominator
    assert 'href="?date_from=2026-10-01&amp;date_to=2026-11-30&amp;export=xlsx"' in html


def test_the_page_answers_in_chinese(books, client):
    client.force_login(books["manager"])

    response = client.get(reverse("lead-funnel"), PERIOD, HTTP_ACCEPT_LANGUAGE="zh-hans")

    html = response.content.decode()
    assert "销售漏斗" in html and "转化率" in html


@pytest.mark.rule("R25")
def test_a_bad_filter_shows_the_error_beside_it(books, client):
    client.force_login(books["manager"])

    response = client.get(
        reverse("lead-funnel"), {"date_from": "2026-11-30", "date_to": "2026-11-01"}
    )

    assert response.status_code == 400
    assert 'id="filter-error-date_to"' in response.content.decode()


def test_a_clerk_reaches_their_funnel_from_the_leads_page_and_finance_is_refused(
    books, client, make_user
):
    client.force_login(books["clerk"])
    assert 'id="lead-funnel-link"' in client.get(reverse("lead-list")).content.decode()
    page = client.get(reverse("lead-funnel"), PERIOD).content.decode()
    assert "clerk.zhang" not in page and "南通戊" not in page

    client.force_login(make_user("finance"))
    assert client.get(reverse("lead-funnel")).status_code == 403


def test_the_xlsx_holds_the_same_numbers_and_no_formula(books, client):
    client.force_login(books["manager"])

    response = client.get(reverse("lead-funnel"), {**PERIOD, "export": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="funnel-2026-10-01-2026-11-30.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Leads by stage",
        "Conversion",
        "Quotations by month",
        "Quotations by salesperson",
        "Lost reasons",
    ]
    leads = [[c.value for c in row] for row in book["Leads by stage"].iter_rows(min_row=2)]
    assert leads[0][1:] == [1, 0, 2, 0, 0, 3]  # grade A
    assert leads[-1][1:] == [2, 1, 2, 1, 1, 7]  # all grades
    conversion = [[c.value for c in row] for row in book["Conversion"].iter_rows(min_row=2)]
    assert conversion[1][-2] is None  # B: quoted → won, 0/0
    assert [Decimal(str(v)) for v in conversion[-1][-4:]] == [
        Decimal("0.5714"),
        Decimal("0.5"),
        Decimal("0.5"),
        Decimal("0.1429"),
    ]
    months = [[c.value for c in row] for row in book["Quotations by month"].iter_rows(min_row=2)]
    assert months[1][0] == "2026-11" and months[1][1] == 1 and months[1][3] == 2
    assert Decimal(str(months[1][4])) == LATHE_GROSS * 4
    assert months[-1][0] == "Total" and Decimal(str(months[-1][5])) == Decimal("0.6")
    reasons = book["Lost reasons"]
    assert reasons["A2"].value == FORMULA_REASON and reasons["A2"].data_type == "s"
    assert all(
        cell.data_type != "f"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
    )


@pytest.mark.rule("R25")
def test_the_export_has_no_csv(books, client):
    client.force_login(books["manager"])

    response = client.get(reverse("lead-funnel"), {**PERIOD, "export": "csv"})

    assert response.status_code == 400


def test_rest_answers_the_same_figures(books, api):
    response = api.as_user(books["manager"]).get("/api/v1/reports/funnel/", PERIOD)

    assert response.status_code == 200
    body = response.json()
    assert (body["date_from"], body["date_to"], body["salesperson"]) == (
        "2026-10-01",
        "2026-11-30",
        None,
    )
    assert body["leads_total"]["total"] == 7 and body["leads"][0]["quoted"] == 2
    overall = body["conversion"][-1]
    assert (overall["grade"], overall["lead_to_contacted"], overall["quoted_to_won"]) == (
        None,
        "0.5714",
        "0.5000",
    )
    assert body["conversion"][1]["quoted_to_won"] is None
    assert body["quotations_by_month"][1] == {
        "month": "2026-11",
        "won": 1,
        "won_gross": "180800.00",
        "lost": 2,
        "lost_gross": "723200.00",
        "win_rate": "0.3333",
    }
    assert body["quotations_total"]["win_rate"] == "0.6000"
    assert body["lost_reasons"][1] == {"reason": PRICE_REASON, "count": 1, "gross": "180800.00"}


@pytest.mark.rule("R23")
def test_rest_gives_a_clerk_their_own_and_refuses_bad_input(books, api):
    mine = api.as_user(books["clerk"]).get("/api/v1/reports/funnel/", PERIOD).json()
    assert mine["leads_total"]["total"] == 5
    assert [r["salesperson"] for r in mine["quotations_by_salesperson"]] == ["clerk.li"]

    refused = api.get("/api/v1/reports/funnel/", {"date_from": "2026-02-30"})
    assert refused.status_code == 400
    assert (refused.json()["code"], list(refused.json()["errors"])) == ("invalid", ["date_from"])


def test_rest_filters_by_salesperson(books, api):
    body = (
        api.as_user(books["manager"])
        .get("/api/v1/reports/funnel/", {**PERIOD, "salesperson": "clerk.zhang"})
        .json()
    )

    assert body["salesperson"] == "clerk.zhang"
    assert body["leads_total"]["total"] == 2


def test_the_report_costs_the_same_queries_whatever_the_data(books, django_assert_num_queries):
    """The reader's roles, then four aggregates: leads, by month, by salesperson, reasons."""
    query = funnel_query(**PERIOD)
    reader = User.objects.get(pk=books["manager"].pk)
    with django_assert_num_queries(5):
        funnel_report(user=reader, query=query)
    _lead(books["clerk"], "B", "另一家", at(2026, 10, 6, 9, 0))
    another = _lead(books["clerk"], "A", "再一家", at(2026, 10, 6, 9, 0))
    _decided(books, books["clerk"], won=True, decided_at=at(2026, 10, 7, 9, 0), lead=another.pk)
    reader = User.objects.get(pk=books["manager"].pk)
    with django_assert_num_queries(5):
        funnel_report(user=reader, query=query)


def test_rest_refuses_other_roles_and_anonymous_callers(people, api, make_user):
    assert api.get("/api/v1/reports/funnel/").status_code == 401

    refused = api.as_user(make_user("finance")).get("/api/v1/reports/funnel/")

    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
