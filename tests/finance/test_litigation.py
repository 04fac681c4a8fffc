"""Litigation follow-up (R18; issue 12 item 6): contracts whose oldest unpaid due is more than
90 days past are flagged by the daily job (idempotent), listed for finance, the sales manager
and the general manager, and followed up (owner, notes, status) through the service, the page
and the API."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import InvalidInput, PermissionRefused, RuleViolation
from finance.models import LitigationCase, LitigationStatus
from finance.services import litigation_update, litigations_flag
from finance.tasks import overdue_daily
from tests.finance.conftest import collect, due

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
DAYS = datetime.timedelta


@pytest.mark.rule("R18")
def test_more_than_90_days_overdue_opens_one_case_and_90_days_does_not(contract, finance):
    today = TODAY()
    due(contract, "5000.00", today - DAYS(days=90))

    assert litigations_flag(as_of=today)["opened"] == []
    assert litigations_flag(as_of=today + DAYS(days=1))["opened"] == [contract.pk]

    case = LitigationCase.objects.get()
    assert (case.owner, case.amount, case.status) == (
        contract.salesperson,
        Decimal("5000.00"),
        LitigationStatus.OPEN,
    )
    assert case.days_overdue(today + DAYS(days=1)) == 91


@pytest.mark.rule("R18")
def test_the_daily_job_is_idempotent_and_refreshes_the_amount(contract, finance):
    today = TODAY()
    due(contract, "5000.00", today - DAYS(days=120))
    due(contract, "3000.00", today - DAYS(days=10))
    litigations_flag(as_of=today)

    collect(finance, contract, "6000.00", today)
    again = litigations_flag(as_of=today)

    assert again["opened"] == [] and again["refreshed"] == 1
    case = LitigationCase.objects.get()
    assert (case.amount, case.oldest_due_on) == (Decimal("2000.00"), today - DAYS(days=10))
    assert case.history.count() == 1  # figures refreshed, not edited


@pytest.mark.rule("R18")
def test_the_oldest_unpaid_due_decides_not_the_oldest_due(contract, finance):
    today = TODAY()
    due(contract, "1000.00", today - DAYS(days=200))
    due(contract, "1000.00", today - DAYS(days=30))
    collect(finance, contract, "1000.00", today - DAYS(days=150))

    assert litigations_flag(as_of=today)["opened"] == []


@pytest.mark.rule("R18")
def test_a_closed_case_is_not_reopened_by_the_job(contract, finance):
    today = TODAY()
    due(contract, "5000.00", today - DAYS(days=100))
    litigations_flag(as_of=today)
    case = LitigationCase.objects.get()
    litigation_update(actor=finance, case_id=case.pk, data={"status": "closed", "notes": "和解"})

    assert litigations_flag(as_of=today)["opened"] == []
    assert LitigationCase.objects.count() == 1


@pytest.mark.rule("R18", "R24")
def test_finance_edits_owner_notes_and_status_with_history(contract, finance, manager):
    due(contract, "5000.00", TODAY() - DAYS(days=100))
    litigations_flag(as_of=TODAY())
    case = LitigationCase.objects.get()

    litigation_update(
        actor=finance,
        case_id=case.pk,
        data={"owner": manager.username, "notes": "律师函已发", "status": "in_progress"},
    )
    closed = litigation_update(actor=manager, case_id=case.pk, data={"status": "closed"})

    assert (closed.owner, closed.notes, closed.status) == (manager, "律师函已发", "closed")
    assert closed.closed_at is not None
    assert [h.history_user for h in closed.history.order_by("history_id")][1:] == [finance, manager]
    reopened = litigation_update(actor=finance, case_id=case.pk, data={"status": "in_progress"})
    assert reopened.closed_at is None


@pytest.mark.rule("R18", "R25")
def test_bad_edits_name_the_field_and_change_nothing(contract, finance, clerk):
    due(contract, "5000.00", TODAY() - DAYS(days=100))
    litigations_flag(as_of=TODAY())
    case = LitigationCase.objects.get()

    with pytest.raises(InvalidInput) as refused:
        litigation_update(
            actor=finance, case_id=case.pk, data={"owner": "nobody", "status": "won", "x": 1}
        )
    assert set(refused.value.errors) == {"x"}
    with pytest.raises(InvalidInput) as refused:
        litigation_update(actor=finance, case_id=case.pk, data={"owner": "nobody", "status": "won"})
    assert set(refused.value.errors) == {"owner", "status"}
    litigation_update(actor=finance, case_id=case.pk, data={"status": "in_progress"})
    with pytest.raises(RuleViolation) as refused:
        litigation_update(actor=finance, case_id=case.pk, data={"status": "open"})
    assert refused.value.code == "invalid_transition"
    with pytest.raises(PermissionRefused):
        litigation_update(actor=clerk, case_id=case.pk, data={"notes": "x"})
    case.refresh_from_db()
    assert (case.owner, case.notes, case.status) == (contract.salesperson, "", "in_progress")


# -- API and pages ----------------------------------------------------------------------------


@pytest.fixture
def flagged(contract):
    due(contract, "5000.00", TODAY() - DAYS(days=100))
    litigations_flag(as_of=TODAY())
    return LitigationCase.objects.get()


@pytest.mark.rule("R18")
def test_the_api_lists_and_patches_cases(flagged, finance, manager, gm, clerk, api):
    body = api.as_user(manager).get("/api/v1/litigation/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["contract"], row["amount"], row["days"], row["status"]) == (
        flagged.contract_id,
        "5000.00",
        100,
        "open",
    )
    assert api.as_user(gm).get(f"/api/v1/litigation/{flagged.pk}/").status_code == 200
    assert api.as_user(clerk).get("/api/v1/litigation/").status_code == 403

    patched = api.as_user(finance).patch(
        f"/api/v1/litigation/{flagged.pk}/",
        {"owner": manager.username, "notes": "电话催收", "status": "in_progress"},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["owner"], patched.json()["status"]) == (manager.username, "in_progress")

    bad = api.as_user(finance).patch(
        f"/api/v1/litigation/{flagged.pk}/", {"status": "open"}, format="json"
    )
    assert bad.status_code == 409 and bad.json()["code"] == "invalid_transition"
    unknown = api.as_user(finance).patch(
        f"/api/v1/litigation/{flagged.pk}/", {"owner": "nobody"}, format="json"
    )
    assert unknown.status_code == 400 and list(unknown.json()["errors"]) == ["owner"]


@pytest.mark.rule("R18")
def test_the_page_lists_the_case_and_saves_the_form(flagged, finance, manager, client):
    client.force_login(finance)

    page = client.get("/finance/litigation/").content.decode()
    assert flagged.contract.display_number in page and "5,000.00" in page
    assert 'id="interest-post"' in page

    saved = client.post(
        f"/finance/litigation/{flagged.pk}/",
        {"owner": manager.username, "status": "in_progress", "notes": "已立案"},
    )
    assert saved.status_code == 302
    flagged.refresh_from_db()
    assert (flagged.owner, flagged.status, flagged.notes) == (manager, "in_progress", "已立案")

    refused = client.post(
        f"/finance/litigation/{flagged.pk}/",
        {"owner": manager.username, "status": "open", "notes": ""},
    )
    assert refused.status_code == 400


@pytest.mark.rule("R18")
def test_a_clerk_gets_no_litigation_page(flagged, clerk, client):
    client.force_login(clerk)

    assert client.get("/finance/litigation/").status_code == 403


@pytest.mark.rule("R18")
def test_the_home_card_counts_open_cases_for_finance(flagged, finance, client):
    client.force_login(finance)

    html = client.get("/").content.decode()

    assert "/finance/litigation/" in html and "¥5,000.00" in html


@pytest.mark.rule("R18")
def test_the_interest_button_posts_a_month_for_finance(contract, finance, client):
    due(contract, "100000.00", datetime.date(2025, 11, 27))
    collect(finance, contract, "100000.00", datetime.date(2025, 12, 3))
    client.force_login(finance)

    response = client.post("/finance/interest/post/", {"period": "2025-11"}, follow=True)

    assert "150.00" in response.content.decode()
    assert contract.interest_postings.get().amount == Decimal("150.00")


@pytest.mark.rule("R18")
@pytest.mark.celery_worker
def test_worker_flags_a_contract_once(celery_live_worker, contract):
    due(contract, "5000.00", TODAY() - DAYS(days=91))

    first = overdue_daily.delay(TODAY().isoformat()).get(timeout=30)
    second = overdue_daily.delay(TODAY().isoformat()).get(timeout=30)

    assert first["opened"] == [contract.pk] and second["opened"] == []
    assert LitigationCase.objects.count() == 1
