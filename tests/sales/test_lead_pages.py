"""Lead pages (R26): my follow-ups, team overdue, capture, detail with the contact log, log a
contact, regrade, convert — through the services; R23 visibility; refusals beside the field."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sales.models import Customer, Lead, LeadContact
from sales.services.leads import lead_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def new_lead(owner, grade="A", company="苏州新锐精密有限公司", **fields):
    return lead_create(actor=owner, company=company, contact_name="周经理", grade=grade, **fields)


def overdue_lead(owner, company):
    return new_lead(owner, company=company, now=timezone.now() - timedelta(days=3))


@pytest.mark.rule("R26")
def test_my_follow_ups_lists_own_open_leads_overdue_first_and_marked(client, clerk, make_user):
    other = make_user("sales_clerk", username="clerk.zhao")
    new_lead(clerk, "C", company="晚到期公司")
    overdue_lead(clerk, "已逾期公司")
    new_lead(other, company="别人的公司")
    client.force_login(clerk)

    html = client.get("/leads/").content.decode()

    assert html.index("已逾期公司") < html.index("晚到期公司")
    assert 'class="overdue"' in html
    assert "别人的公司" not in html


@pytest.mark.rule("R26")
def test_team_overdue_for_the_manager_only(client, clerk, manager):
    overdue_lead(clerk, "已逾期公司")
    new_lead(clerk, company="未逾期公司")
    client.force_login(manager)

    html = client.get("/leads/overdue/").content.decode()

    assert "已逾期公司" in html and "未逾期公司" not in html
    assert "clerk.li" in html
    client.force_login(clerk)
    assert client.get("/leads/overdue/").status_code == 403


@pytest.mark.rule("R26")
def test_capture_form_creates_a_lead_owned_by_the_clerk(client, clerk):
    client.force_login(clerk)
    assert client.get("/leads/new/").status_code == 200

    response = client.post(
        "/leads/new/",
        {"company": "杭州远景有限公司", "contact_name": "李总", "grade": "B", "source": "website"},
    )

    lead = Lead.objects.get()
    assert response.status_code == 302 and response.url == f"/leads/{lead.pk}/"
    assert lead.owner == clerk and lead.next_contact_due is not None


@pytest.mark.rule("R25")
def test_capture_refusal_is_shown_beside_the_field_and_writes_nothing(client, clerk):
    client.force_login(clerk)

    response = client.post(
        "/leads/new/", {"company": "", "contact_name": "李总", "grade": "A", "source": "other"}
    )

    assert response.status_code == 400
    assert 'id="id_company_error"' in response.content.decode()
    assert not Lead.objects.exists()


@pytest.mark.rule("R23")
def test_another_clerks_lead_is_not_found(client, clerk, make_user):
    other = make_user("sales_clerk", username="clerk.zhao")
    lead = new_lead(other)
    client.force_login(clerk)

    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    response = client.post(
        f"/leads/{lead.pk}/contacts/",
        {"contacted_at": "2026-01-05T10:00", "channel": "phone", "note": "x"},
    )
    assert response.status_code == 404
    assert client.post(f"/leads/{lead.pk}/convert/", {}).status_code == 404
    assert not LeadContact.objects.exists() and not Customer.objects.exists()


@pytest.mark.rule("R26")
def test_detail_shows_the_contact_log_and_logging_a_contact_moves_the_due(client, clerk):
    lead = overdue_lead(clerk, "已逾期公司")
    client.force_login(clerk)
    assert client.get(f"/leads/{lead.pk}/").status_code == 200
    when = timezone.localtime() - timedelta(hours=1)

    response = client.post(
        f"/leads/{lead.pk}/contacts/",
        {
            "contacted_at": when.strftime("%Y-%m-%dT%H:%M"),
            "channel": "visit",
            "note": "拜访了采购部",
            "next_step": "报价",
        },
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.next_contact_due > timezone.now()
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "拜访了采购部" in html and "报价" in html


@pytest.mark.rule("R25")
def test_a_contact_in_the_future_is_refused_beside_the_field(client, clerk):
    lead = new_lead(clerk)
    due = lead.next_contact_due
    client.force_login(clerk)
    later = timezone.localtime() + timedelta(days=2)

    response = client.post(
        f"/leads/{lead.pk}/contacts/",
        {"contacted_at": later.strftime("%Y-%m-%dT%H:%M"), "channel": "phone", "note": "x"},
    )

    assert response.status_code == 400
    assert 'id="id_contacted_at_error"' in response.content.decode()
    lead.refresh_from_db()
    assert lead.next_contact_due == due and not LeadContact.objects.exists()


@pytest.mark.rule("R26")
def test_regrade_moves_the_due(client, clerk):
    lead = new_lead(clerk, "C")
    due = lead.next_contact_due
    client.force_login(clerk)

    response = client.post(f"/leads/{lead.pk}/grade/", {"grade": "A", "grade_reason": "预算已批"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.grade == "A" and lead.next_contact_due < due


@pytest.mark.rule("R1")
def test_convert_makes_a_customer_with_r1_defaults(client, clerk):
    lead = new_lead(clerk)
    client.force_login(clerk)

    response = client.post(f"/leads/{lead.pk}/convert/", {"tax_id": ""})

    customer = Customer.objects.get()
    assert response.status_code == 302 and response.url == f"/customers/{customer.pk}/"
    assert customer.owner == clerk and customer.credit_limit == 0
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.customer == customer


@pytest.mark.rule("R26")
def test_convert_refused_for_a_duplicate_names_the_existing_customer(client, clerk):
    existing = CustomerFactory(name="苏州新锐精密股份有限公司", owner=clerk)
    lead = new_lead(clerk)
    client.force_login(clerk)

    response = client.post(f"/leads/{lead.pk}/convert/", {"tax_id": ""})

    assert response.status_code == 400
    assert str(existing) in response.content.decode()
    assert Customer.objects.count() == 1
    lead.refresh_from_db()
    assert lead.status == "open"
