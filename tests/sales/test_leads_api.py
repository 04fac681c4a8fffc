"""REST for leads (API.md "Presales": leads/, contacts/, convert/): R26, R1, R23, R25."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sales.models import Customer, Lead, LeadContact
from sales.services.leads import lead_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

BODY = {
    "company": "苏州新锐精密有限公司",
    "contact_name": "周经理",
    "position": "采购经理",
    "phone": "0512-66668888",
    "email": "zhou@xr.cn",
    "source": "exhibition",
    "budget": "300000.00",
    "grade": "A",
    "grade_reason": "有明确采购计划",
}


def _rows(response):
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


@pytest.mark.rule("R26")
def test_post_lead_answers_201_open_with_the_first_due(api, clerk):
    before = timezone.now()
    response = api.as_user(clerk).post("/api/v1/leads/", BODY, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open"
    assert body["owner"] == "clerk.li"
    assert body["budget"] == "300000.00"
    lead = Lead.objects.get(pk=body["id"])
    assert before + timedelta(hours=24) <= lead.next_contact_due
    assert lead.next_contact_due == lead.created_at + timedelta(hours=24)
    assert body["next_contact_due"]


@pytest.mark.rule("R25")
def test_bad_input_is_400_naming_each_field_and_writes_nothing(api, clerk):
    response = api.as_user(clerk).post(
        "/api/v1/leads/",
        {"company": "", "grade": "D", "email": "nope", "owner": "ghost", "budget": "-1"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {"company", "contact_name", "grade", "email", "owner", "budget"} <= set(body["errors"])
    assert not Lead.objects.exists()


@pytest.mark.rule("R23")
def test_a_clerk_may_not_give_a_lead_to_another_owner(api, clerk, manager):
    response = api.as_user(clerk).post(
        "/api/v1/leads/", {**BODY, "owner": manager.username}, format="json"
    )
    assert response.status_code == 403
    assert "owner" in response.json()["errors"]
    assert not Lead.objects.exists()


def test_a_role_outside_sales_is_403(api, make_user):
    response = api.as_user(make_user("warehouse")).post("/api/v1/leads/", BODY, format="json")
    assert response.status_code == 403
    assert not Lead.objects.exists()


@pytest.mark.rule("R23", "R26")
def test_lists_due_overdue_and_today_and_clerks_see_their_own(api, clerk, manager, make_user):
    other = make_user("sales_clerk", username="clerk.zhao")
    now = timezone.now()
    overdue = lead_create(actor=clerk, now=now - timedelta(days=2), **BODY)
    lead_create(actor=clerk, now=now, **{**BODY, "grade": "C"})
    theirs = lead_create(actor=other, now=now - timedelta(days=3), **BODY)

    rows = _rows(api.as_user(clerk).get("/api/v1/leads/?due=overdue"))
    assert [r["id"] for r in rows] == [overdue.pk]
    assert rows[0]["overdue"] is True
    rows = _rows(api.as_user(manager).get("/api/v1/leads/?due=overdue"))
    assert [r["id"] for r in rows] == [theirs.pk, overdue.pk]
    rows = _rows(api.as_user(manager).get("/api/v1/leads/?due=overdue&owner=clerk.zhao"))
    assert [r["id"] for r in rows] == [theirs.pk]
    assert api.as_user(clerk).get(f"/api/v1/leads/{theirs.pk}/").status_code == 404
    bad = api.as_user(clerk).get("/api/v1/leads/?due=soon")
    assert bad.status_code == 400 and "due" in bad.json()["errors"]


@pytest.mark.rule("R26")
def test_patch_regrade_moves_the_due(api, clerk):
    lead = lead_create(actor=clerk, **{**BODY, "grade": "C"})
    response = api.as_user(clerk).patch(f"/api/v1/leads/{lead.pk}/", {"grade": "A"}, format="json")
    assert response.status_code == 200, response.content
    lead.refresh_from_db()
    assert lead.grade == "A"
    assert lead.next_contact_due < timezone.now() + timedelta(hours=24, minutes=1)
    assert lead.history.count() == 2


@pytest.mark.rule("R23")
def test_another_clerks_lead_is_404_for_every_action(api, clerk, make_user):
    lead = lead_create(actor=make_user("sales_clerk", username="clerk.zhao"), **BODY)
    client = api.as_user(clerk)
    assert (
        client.patch(f"/api/v1/leads/{lead.pk}/", {"grade": "B"}, format="json").status_code == 404
    )
    contact = {"contacted_at": timezone.now().isoformat(), "channel": "phone", "note": "x"}
    assert (
        client.post(f"/api/v1/leads/{lead.pk}/contacts/", contact, format="json").status_code == 404
    )
    assert client.get(f"/api/v1/leads/{lead.pk}/contacts/").status_code == 404
    assert client.post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json").status_code == 404
    lead.refresh_from_db()
    assert lead.grade == "A" and lead.status == "open"
    assert not LeadContact.objects.exists() and not Customer.objects.exists()


@pytest.mark.rule("R26")
def test_post_contact_answers_201_and_moves_the_due(api, clerk):
    lead = lead_create(actor=clerk, **{**BODY, "grade": "B"})
    when = timezone.now() - timedelta(hours=1)
    response = api.as_user(clerk).post(
        f"/api/v1/leads/{lead.pk}/contacts/",
        {
            "contacted_at": when.isoformat(),
            "channel": "wechat",
            "note": "发了资料",
            "next_step": "拜访",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["by"] == "clerk.li"
    lead.refresh_from_db()
    assert lead.next_contact_due == when + timedelta(days=7)
    listed = api.as_user(clerk).get(f"/api/v1/leads/{lead.pk}/contacts/")
    assert [c["note"] for c in listed.json()] == ["发了资料"]


@pytest.mark.rule("R25")
def test_a_bad_contact_is_400_naming_each_field_and_writes_nothing(api, clerk):
    lead = lead_create(actor=clerk, **BODY)
    due = lead.next_contact_due
    response = api.as_user(clerk).post(
        f"/api/v1/leads/{lead.pk}/contacts/",
        {"contacted_at": "yesterday", "channel": "fax", "note": ""},
        format="json",
    )
    assert response.status_code == 400
    assert {"contacted_at", "channel", "note"} <= set(response.json()["errors"])
    future = (timezone.now() + timedelta(days=1)).isoformat()
    response = api.as_user(clerk).post(
        f"/api/v1/leads/{lead.pk}/contacts/",
        {"contacted_at": future, "channel": "phone", "note": "x"},
        format="json",
    )
    assert response.status_code == 400 and "contacted_at" in response.json()["errors"]
    assert not LeadContact.objects.exists()
    lead.refresh_from_db()
    assert lead.next_contact_due == due


@pytest.mark.rule("R1", "R26")
def test_convert_answers_201_with_the_customer_and_r1_defaults(api, clerk):
    lead = lead_create(actor=clerk, **BODY)
    response = api.as_user(clerk).post(
        f"/api/v1/leads/{lead.pk}/convert/", {"tax_id": "91320500MA1XXXXX0A"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["credit_limit"], body["credit_days"], body["risk_level"]) == ("0.00", 0, "high")
    assert body["owner"] == "clerk.li" and body["tax_id"] == "91320500MA1XXXXX0A"
    detail = api.as_user(clerk).get(f"/api/v1/leads/{lead.pk}/").json()
    assert detail["status"] == "converted" and detail["customer"] == body["id"]


@pytest.mark.rule("R26")
def test_a_duplicate_customer_is_409_naming_it_and_writes_nothing(api, clerk):
    existing = CustomerFactory(name="苏州新锐精密股份有限公司", owner=clerk)
    lead = lead_create(actor=clerk, **BODY)
    response = api.as_user(clerk).post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_customer"
    assert existing.code in body["detail"]
    assert Customer.objects.count() == 1
    lead.refresh_from_db()
    assert lead.status == "open"


def test_a_bad_tax_id_on_convert_is_400_and_writes_nothing(api, clerk):
    lead = lead_create(actor=clerk, **BODY)
    response = api.as_user(clerk).post(
        f"/api/v1/leads/{lead.pk}/convert/", {"tax_id": "123"}, format="json"
    )
    assert response.status_code == 400 and "tax_id" in response.json()["errors"]
    assert not Customer.objects.exists()
