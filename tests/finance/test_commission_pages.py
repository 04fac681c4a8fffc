"""Commission slip pages (R19, R22, R23): the list with filters, totals, XLSX, the salesperson's
live figure and the department's accrual; the form; the detail with its buttons and refusals;
the slip in the approvals inbox."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.models import ClosedPeriod
from core.periods import period_of
from finance.models import CommissionSlip, CommissionSlipStatus
from finance.services import commission_slip_create, commission_slip_submit
from tests.finance.conftest import collect
from tests.finance.test_commission import approve_all

pytestmark = pytest.mark.django_db
D = datetime.date
THIS_MONTH = period_of(timezone.localdate())


@pytest.fixture
def vp(make_user):
    return make_user("finance_vp", username="vp.finance")


@pytest.fixture
def october(contract, finance):
    """20,000.00 collected on the clerk's contract on Oct 8 2026: 500.00 at 2.5 %."""
    collect(finance, contract, "20000.00", D(2026, 10, 8))
    return contract


@pytest.mark.rule("R19", "R23")
def test_a_clerk_prepares_their_slip_from_the_form_and_is_offered_only_themselves(
    client, clerk, october, make_user
):
    other = make_user("sales_clerk", username="clerk.zhang")
    client.force_login(clerk)

    form = client.get("/commission-slips/new/")
    assert form.status_code == 200
    choices = [value for value, _label in form.context["form"].fields["salesperson"].choices]
    assert choices == [clerk.pk]
    refused = client.post("/commission-slips/new/", {"salesperson": other.pk, "period": "2026-10"})
    assert refused.status_code == 400 and "salesperson" in refused.context["form"].errors
    bad = client.post("/commission-slips/new/", {"salesperson": clerk.pk, "period": "2026/10"})
    assert bad.status_code == 400 and "period" in bad.context["form"].errors

    made = client.post("/commission-slips/new/", {"salesperson": clerk.pk, "period": "2026-10"})

    slip = CommissionSlip.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/commission-slips/{slip.pk}/"
    page = client.get(made["Location"]).content.decode()
    assert october.number in page and "500.00" in page
    assert 'id="submit"' in page and 'id="commission-slip-pdf"' in page
    again = client.post("/commission-slips/new/", {"salesperson": clerk.pk, "period": "2026-10"})
    assert again.status_code == 409 and "period" in again.context["form"].errors


@pytest.mark.rule("R19", "R23")
def test_the_list_filters_totals_exports_and_shows_the_clerks_live_figure(
    client, clerk, finance, october, make_user, django_assert_max_num_queries
):
    other = make_user("sales_clerk", username="clerk.zhang")
    commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    commission_slip_create(actor=finance, salesperson=other, period="2026-10")
    collect(finance, october, "4000.00", timezone.localdate())  # 100.00 this month so far

    client.force_login(clerk)
    page = client.get("/commission-slips/")
    html = page.content.decode()
    assert [s.salesperson for s in page.context["page_obj"]] == [clerk]
    assert 'id="my-commission-total">100.00' in html.replace("¥", "")
    assert 'id="department-accrual"' not in html

    client.force_login(finance)
    with django_assert_max_num_queries(40):
        listed = client.get("/commission-slips/?period=2026-10")
    assert len(listed.context["page_obj"]) == 2
    assert listed.context["totals"]["total"] == 500
    assert 'id="department-accrual"' in listed.content.decode()
    only = client.get("/commission-slips/?salesperson=zhang&status=draft")
    assert [s.salesperson for s in only.context["page_obj"]] == [other]
    bad = client.get("/commission-slips/?period=10-2026")
    assert bad.status_code == 400
    sheet = client.get("/commission-slips/?period=2026-10&export=xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert len(rows) == 4 and [row[8] for row in rows[1:]] == [500, 0, 500]  # and a total row


@pytest.mark.rule("R19", "R21", "R22")
def test_the_slip_reaches_the_inbox_and_is_paid_from_its_page(
    client, clerk, finance, vp, gm, october
):
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    client.force_login(clerk)
    submitted = client.post(f"/commission-slips/{slip.pk}/submit/")
    assert submitted.status_code == 302
    slip.refresh_from_db()
    assert slip.status == CommissionSlipStatus.SUBMITTED

    client.force_login(finance)
    inbox = client.get("/approvals/").content.decode()
    request = slip.approval_request
    assert f"/approvals/{request.pk}/" in inbox
    approval = client.get(f"/approvals/{request.pk}/").content.decode()
    assert slip.number in approval and "500.00" in approval and october.number in approval
    approve_all(slip, finance, vp, gm)

    ClosedPeriod.objects.create(period=THIS_MONTH)
    refused = client.post(f"/commission-slips/{slip.pk}/pay/", {"paid_on": ""})
    assert refused.status_code == 409
    assert "paid_on" in refused.context["pay_form"].errors
    ClosedPeriod.objects.all().delete()
    paid = client.post(f"/commission-slips/{slip.pk}/pay/", {"paid_on": ""})
    assert paid.status_code == 302
    slip.refresh_from_db()
    assert slip.status == CommissionSlipStatus.PAID


@pytest.mark.rule("R19")
def test_a_refused_button_says_why_and_changes_nothing(client, clerk, october):
    slip = commission_slip_create(actor=clerk, salesperson=clerk, period="2026-10")
    commission_slip_submit(actor=clerk, slip_id=slip.pk)
    client.force_login(clerk)

    response = client.post(f"/commission-slips/{slip.pk}/cancel/", follow=True)

    assert "cannot be cancelled" in response.content.decode()
    assert CommissionSlip.objects.get(pk=slip.pk).status == CommissionSlipStatus.SUBMITTED
    assert client.post(f"/commission-slips/{slip.pk}/nonsense/").status_code == 404


@pytest.mark.rule("R19")
def test_finance_prepares_the_month_from_the_list(client, finance, october):
    client.force_login(finance)

    response = client.post("/commission-slips/prepare/", {"period": "2026-10"})

    assert response.status_code == 302 and response["Location"].endswith("?period=2026-10")
    assert CommissionSlip.objects.get().period == "2026-10"


@pytest.mark.rule("R19", "R23")
def test_the_clerks_home_card_and_who_may_open_the_pages(client, clerk, make_user, october):
    client.force_login(clerk)
    home = client.get("/").content.decode()
    assert "My commission this month" in home and "/commission-slips/" in home

    client.force_login(make_user("warehouse"))
    assert client.get("/commission-slips/").status_code == 403
    assert client.get("/commission-slips/new/").status_code == 403
