"""Commission slips over REST (API.md `commission-slips/`, R19, R21, R23) and as a Chinese PDF
(提成单)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import ClosedPeriod
from core.periods import period_of
from finance.models import CommissionSlip, JournalEntry
from tests.finance.conftest import collect, due

pytestmark = pytest.mark.django_db
D = datetime.date
URL = "/api/v1/commission-slips/"
THIS_MONTH = period_of(timezone.localdate())


@pytest.fixture
def vp(make_user):
    return make_user("finance_vp", username="vp.finance")


@pytest.fixture
def september(contract, finance):
    """The clerk's contract has 1,000.00 overdue from Sep 1 2026 (0.50 interest a day) and
    collects 20,000.00 on Sep 3 (2.5 % → 500.00), which ends it: 1.00 interest in September."""
    due(contract, "1000.00", D(2026, 8, 31))
    collect(finance, contract, "20000.00", D(2026, 9, 3))
    return contract


@pytest.mark.rule("R19")
def test_a_clerk_prepares_their_slip_and_gets_the_computed_document(api, clerk, september):
    response = api.as_user(clerk).post(
        URL, {"salesperson": "clerk.li", "period": "2026-09"}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "number": None,
        "salesperson": "clerk.li",
        "period": "2026-09",
        "status": "draft",
        "lines": [
            {
                "contract": september.pk,
                "contract_number": september.number,
                "collected": "20000.00",
                "rate": "0.0250",
                "amount": "500.00",
                "interest": "1.00",
            }
        ],
        "collected": "20000.00",
        "gross": "500.00",
        "offset": "1.00",
        "carried_in": "0.00",
        "total": "499.00",
        "carried_out": "0.00",
        "created_by": "clerk.li",
        "created_at": body["created_at"],
        "submitted_at": None,
        "approved_on": None,
        "paid_on": None,
        "approval": None,
    }


@pytest.mark.rule("R19", "R21")
def test_submit_approve_and_pay_through_the_api(api, clerk, finance, vp, gm, september):
    slip = api.as_user(clerk).post(URL, {"salesperson": "clerk.li", "period": "2026-09"}).json()

    submitted = api.as_user(clerk).post(f"{URL}{slip['id']}/submit/")
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["status"] == "submitted" and body["number"].startswith("TC-")
    assert body["approval"]["current_steps"] == [{"sequence": 1, "role": "finance"}]

    own = api.as_user(clerk).post(f"/api/v1/approvals/{body['approval']['id']}/approve/")
    assert own.status_code == 403 and own.json()["code"] == "self_approval_forbidden"
    early = api.as_user(gm).post(f"/api/v1/approvals/{body['approval']['id']}/approve/")
    assert early.status_code == 403 and early.json()["code"] == "not_your_step"
    for approver in (finance, vp, gm):
        decided = api.as_user(approver).post(f"/api/v1/approvals/{body['approval']['id']}/approve/")
        assert decided.status_code == 200, decided.content
    approved = api.as_user(finance).get(f"{URL}{slip['id']}/").json()
    assert (approved["status"], approved["total"]) == ("approved", "499.00")

    refused = api.as_user(clerk).post(f"{URL}{slip['id']}/pay/")
    assert refused.status_code == 403
    paid = api.as_user(finance).post(f"{URL}{slip['id']}/pay/", {}, format="json")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert JournalEntry.objects.filter(source_type="commission_slip").count() == 2


@pytest.mark.rule("R19", "R20")
def test_pay_into_a_closed_month_is_409_period_closed_naming_the_date(
    api, clerk, finance, vp, gm, september
):
    from tests.finance.test_commission import approve_all

    slip = api.as_user(clerk).post(URL, {"salesperson": "clerk.li", "period": "2026-09"}).json()
    api.as_user(clerk).post(f"{URL}{slip['id']}/submit/")
    approve_all(CommissionSlip.objects.get(pk=slip["id"]), finance, vp, gm)
    ClosedPeriod.objects.create(period=THIS_MONTH)

    response = api.as_user(finance).post(f"{URL}{slip['id']}/pay/", {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "period_closed"
    assert list(response.json()["errors"]) == ["paid_on"]


@pytest.mark.rule("R19", "R23")
def test_a_clerk_lists_and_opens_only_their_own_slips(api, clerk, finance, make_user, september):
    other = make_user("sales_clerk", username="clerk.zhang")
    mine = api.as_user(clerk).post(URL, {"salesperson": "clerk.li", "period": "2026-09"}).json()
    theirs = (
        api.as_user(finance).post(URL, {"salesperson": "clerk.zhang", "period": "2026-09"}).json()
    )

    listed = api.as_user(clerk).get(URL).json()
    assert [row["id"] for row in listed["results"]] == [mine["id"]]
    assert api.as_user(clerk).get(f"{URL}{theirs['id']}/").status_code == 404
    assert api.as_user(finance).get(URL).json()["count"] == 2
    assert api.as_user(finance).get(f"{URL}?salesperson=clerk.zhang").json()["count"] == 1
    refused = api.as_user(clerk).post(URL, {"salesperson": "clerk.zhang", "period": "2026-10"})
    assert refused.status_code == 403 and "salesperson" in refused.json()["errors"]
    assert api.as_user(other).get(f"{URL}{mine['id']}/").status_code == 404


@pytest.mark.rule("R19", "R25")
def test_bad_input_is_400_naming_each_field_and_a_second_slip_409(api, clerk, make_user):
    client = api.as_user(clerk)

    missing = client.post(URL, {}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"salesperson", "period"}
    bad = client.post(URL, {"salesperson": "nobody", "period": "2026-13"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"salesperson", "period"}
    assert client.post(URL, {"salesperson": "clerk.li", "period": "2026-09"}).status_code == 201
    again = client.post(URL, {"salesperson": "clerk.li", "period": "2026-09"})
    assert again.status_code == 409 and again.json()["code"] == "duplicate_commission_slip"
    keeper = api.as_user(make_user("warehouse"))
    assert keeper.post(URL, {"salesperson": "clerk.li", "period": "2026-09"}).status_code == 403
    assert keeper.get(URL).status_code == 403
    assert CommissionSlip.objects.count() == 1


@pytest.mark.rule("R19")
def test_live_figure_department_accrual_and_prepare(api, clerk, finance, september):
    mine = api.as_user(clerk).get(f"{URL}live/?period=2026-09")
    assert mine.status_code == 200
    assert (mine.json()["salesperson"], mine.json()["total"]) == ("clerk.li", "499.00")
    assert api.as_user(clerk).get(f"{URL}live/").json()["period"] == THIS_MONTH
    assert (
        api.as_user(clerk).get(f"{URL}live/?salesperson=finance.sun&period=2026-09").status_code
        == 403
    )
    theirs = api.as_user(finance).get(f"{URL}live/?salesperson=clerk.li&period=2026-09")
    assert theirs.json()["total"] == "499.00"

    department = api.as_user(finance).get(f"{URL}department/?period=2026-09").json()
    assert department["year_to_date"] == "499.00" and len(department["rows"]) == 9
    assert api.as_user(clerk).get(f"{URL}department/").status_code == 403

    first = api.as_user(finance).post(f"{URL}prepare/", {"period": "2026-09"}, format="json")
    again = api.as_user(finance).post(f"{URL}prepare/", {"period": "2026-09"}, format="json")
    assert first.json() == {
        "period": "2026-09",
        "created": 1,
        "recomputed": 0,
        "unchanged": 0,
        "frozen": 0,
    }
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 1)
    assert api.as_user(clerk).post(f"{URL}prepare/", {"period": "2026-09"}).status_code == 403


@pytest.mark.rule("R19")
def test_a_drafts_figures_are_live_and_recompute_stores_them(api, clerk, finance, september):
    slip = api.as_user(clerk).post(URL, {"salesperson": "clerk.li", "period": "2026-09"}).json()
    collect(finance, september, "4000.00", D(2026, 9, 28))

    read = api.as_user(clerk).get(f"{URL}{slip['id']}/").json()
    assert read["total"] == "599.00"
    assert CommissionSlip.objects.get(pk=slip["id"]).total == Decimal("499.00")
    stored = api.as_user(clerk).post(f"{URL}{slip['id']}/recompute/")
    assert stored.status_code == 200
    assert CommissionSlip.objects.get(pk=slip["id"]).total == Decimal("599.00")
    cancelled = api.as_user(clerk).post(f"{URL}{slip['id']}/cancel/").json()
    assert cancelled["status"] == "cancelled"
    assert api.as_user(clerk).post(f"{URL}{slip['id']}/submit/").status_code == 409


@pytest.mark.rule("R19")
def test_the_pdf_is_a_chinese_commission_slip(api, client, clerk, september):
    from pypdf import PdfReader

    slip = api.as_user(clerk).post(URL, {"salesperson": "clerk.li", "period": "2026-09"}).json()

    response = api.as_user(clerk).get(f"{URL}{slip['id']}/pdf/")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "提成单" in text.replace(" ", "")
    for expected in (
        september.number,
        "2026-09",
        "20,000.00",
        "500.00",
        "499.00",
        "肆佰玖拾玖元整",
    ):
        assert expected in text, expected
    client.force_login(clerk)
    assert client.get(f"/commission-slips/{slip['id']}/pdf/").status_code == 200
