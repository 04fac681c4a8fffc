"""Lead services and selectors (R26, with R1 on conversion, R23 visibility, R25 refusals)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from sales import selectors
from sales.models import Customer, Lead, LeadContact
from sales.models.customers import normalise_company_name
from sales.services.leads import (
    lead_close,
    lead_contact_log,
    lead_convert,
    lead_create,
    lead_update,
)
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


CAPTURE = at(2026, 12, 3, 14, 0)  # a Thursday


def new_lead(actor, grade="A", now=CAPTURE, **fields):
    data = {"company": "苏州新锐精密有限公司", "contact_name": "周经理", "grade": grade}
    data.update(fields)
    return lead_create(actor=actor, now=now, **data)


@pytest.mark.rule("R26")
def test_capture_sets_the_first_due_by_grade_and_the_owner(clerk):
    lead = new_lead(clerk, "B", budget="120000.50", source="exhibition")

    assert lead.status == "open"
    assert lead.owner == clerk
    assert lead.created_at == CAPTURE
    assert lead.next_contact_due == at(2026, 12, 8, 14, 0)
    assert lead.budget == Decimal("120000.50")
    assert lead.history.count() == 1


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    "field, value",
    [
        ("grade", "D"),
        ("company", ""),
        ("contact_name", ""),
        ("email", "not-an-email"),
        ("phone", "abc"),
        ("source", "radio"),
        ("budget", "lots"),
        ("colour", "red"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(clerk, field, value):
    with pytest.raises(InvalidInput) as refused:
        new_lead(clerk, **{field: value})
    assert field in refused.value.errors
    assert not Lead.objects.exists()


@pytest.mark.rule("R23")
def test_a_clerk_cannot_give_a_lead_to_someone_else(clerk, manager):
    with pytest.raises(PermissionRefused) as refused:
        new_lead(clerk, owner=manager)
    assert "owner" in refused.value.errors
    assert new_lead(manager, owner=clerk.username).owner == clerk
    with pytest.raises(InvalidInput) as unknown:
        new_lead(manager, owner="nobody")
    assert "owner" in unknown.value.errors


def test_roles_outside_sales_cannot_capture(make_user):
    with pytest.raises(PermissionRefused):
        new_lead(make_user("warehouse"))
    assert not Lead.objects.exists()


@pytest.mark.rule("R26")
def test_a_contact_moves_the_due_by_grade(clerk):
    lead = new_lead(clerk, "A")
    contact = lead_contact_log(
        actor=clerk,
        lead_id=lead.pk,
        contacted_at="2026-12-04T16:00:00+08:00",
        channel="phone",
        note="需求确认",
        next_step="发报价",
        now=at(2026, 12, 4, 17, 0),
    )
    lead.refresh_from_db()
    assert contact.by == clerk
    assert lead.last_contacted_at == at(2026, 12, 4, 16, 0)
    assert lead.next_contact_due == at(2026, 12, 8, 16, 0)  # Fri + 2 working days


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    "fields, field",
    [
        ({"contacted_at": "", "channel": "phone", "note": "x"}, "contacted_at"),
        ({"contacted_at": "yesterday", "channel": "phone", "note": "x"}, "contacted_at"),
        ({"contacted_at": "2026-12-05T10:00", "channel": "phone", "note": "x"}, "contacted_at"),
        ({"contacted_at": "2026-12-04T10:00", "channel": "fax", "note": "x"}, "channel"),
        ({"contacted_at": "2026-12-04T10:00", "channel": "phone", "note": ""}, "note"),
    ],
)
def test_a_bad_contact_names_the_field_and_writes_nothing(clerk, fields, field):
    lead = new_lead(clerk)
    with pytest.raises(InvalidInput) as refused:
        lead_contact_log(actor=clerk, lead_id=lead.pk, now=at(2026, 12, 4, 12, 0), **fields)
    assert field in refused.value.errors
    assert not LeadContact.objects.exists()
    lead.refresh_from_db()
    assert lead.next_contact_due == at(2026, 12, 4, 14, 0)


@pytest.mark.rule("R26")
def test_a_regrade_moves_the_due(clerk):
    lead = new_lead(clerk, "C")
    assert lead.next_contact_due == at(2027, 1, 3, 14, 0)
    lead = lead_update(actor=clerk, lead_id=lead.pk, grade="A", now=at(2026, 12, 7, 9, 0))
    assert lead.next_contact_due == at(2026, 12, 8, 9, 0)
    lead_contact_log(
        actor=clerk,
        lead_id=lead.pk,
        contacted_at=at(2026, 12, 7, 10, 0),
        channel="visit",
        note="拜访",
        now=at(2026, 12, 7, 11, 0),
    )
    lead = lead_update(actor=clerk, lead_id=lead.pk, grade="B", now=at(2026, 12, 8, 9, 0))
    assert lead.next_contact_due == at(2026, 12, 14, 10, 0)  # a week after the last contact
    lead = lead_update(actor=clerk, lead_id=lead.pk, need="更多", now=at(2026, 12, 9, 9, 0))
    assert lead.next_contact_due == at(2026, 12, 14, 10, 0)  # no regrade, no move


@pytest.mark.rule("R23")
def test_a_clerk_acts_on_their_own_leads_only(clerk, manager, make_user):
    other = make_user("sales_clerk", username="clerk.zhao")
    lead = new_lead(other)
    with pytest.raises(NotVisible):
        lead_update(actor=clerk, lead_id=lead.pk, grade="B")
    with pytest.raises(NotVisible):
        lead_convert(actor=clerk, lead_id=lead.pk)
    with pytest.raises(NotVisible):
        selectors.lead_get(user=clerk, lead_id=lead.pk)
    assert selectors.lead_get(user=manager, lead_id=lead.pk) == lead
    assert lead_update(actor=manager, lead_id=lead.pk, grade="B").grade == "B"


@pytest.mark.rule("R1", "R26")
def test_conversion_makes_a_customer_with_r1_defaults_and_the_same_owner(clerk):
    lead = new_lead(clerk, phone="0512-66668888", email="zhou@xr.cn", position="采购经理")
    customer = lead_convert(actor=clerk, lead_id=lead.pk, tax_id="91320500MA1XXXXX0A")
    lead.refresh_from_db()

    assert customer.owner == clerk
    assert customer.name == "苏州新锐精密有限公司"
    assert (customer.credit_limit, customer.credit_days, customer.risk_level) == (0, 0, "high")
    assert customer.contacts.get().title == "采购经理"
    assert lead.status == "converted" and lead.customer == customer
    assert lead.next_contact_due is None
    assert lead.history.count() == 2  # the lead keeps its history
    with pytest.raises(RuleViolation) as refused:
        lead_update(actor=clerk, lead_id=lead.pk, grade="B")
    assert refused.value.code == "lead_not_open"


@pytest.mark.rule("R26")
@pytest.mark.parametrize(
    "existing, company, tax_id, field",
    [
        ("苏州新锐精密股份有限公司", "苏州 新锐精密有限公司", "", "company"),
        ("ＸＲ Precision Co., Ltd.", "xr precision", "", "company"),
        ("别的公司", "苏州新锐精密有限公司", "91320500MA1XXXXX0A", "tax_id"),
    ],
)
def test_a_duplicate_customer_refuses_the_conversion_and_writes_nothing(
    clerk, existing, company, tax_id, field
):
    other = CustomerFactory(name=existing, tax_id="91320500MA1XXXXX0A")
    lead = new_lead(clerk, company=company)
    with pytest.raises(RuleViolation) as refused:
        lead_convert(actor=clerk, lead_id=lead.pk, tax_id=tax_id)

    assert refused.value.code == "duplicate_customer"
    assert other.code in refused.value.detail
    assert field in refused.value.errors
    assert Customer.objects.count() == 1
    lead.refresh_from_db()
    assert lead.status == "open" and lead.customer is None


def test_a_bad_tax_id_on_conversion_names_it_and_writes_nothing(clerk):
    lead = new_lead(clerk)
    with pytest.raises(InvalidInput) as refused:
        lead_convert(actor=clerk, lead_id=lead.pk, tax_id="123")
    assert "tax_id" in refused.value.errors
    assert not Customer.objects.exists()
    lead.refresh_from_db()
    assert lead.status == "open"


def test_names_are_normalised():
    same = ["上海华东机械有限公司", "上海 华东机械股份有限公司", "上海华东机械有限责任公司"]
    assert normalise_company_name(same[0]) == normalise_company_name(same[1])
    assert normalise_company_name(same[0]) == normalise_company_name(same[2])
    assert normalise_company_name("ＡＢＣ Trading Co., Ltd.") == "abctrading"
    assert normalise_company_name("ABC Trading Limited") == "abctrading"
    assert normalise_company_name("Tesco") == "tesco"


def test_a_closed_lead_leaves_the_lists(clerk):
    lead = new_lead(clerk)
    lead_close(actor=clerk, lead_id=lead.pk, reason="无需求")
    assert not selectors.leads_my_follow_ups(user=clerk).exists()
    with pytest.raises(RuleViolation):
        lead_close(actor=clerk, lead_id=lead.pk)


@pytest.mark.rule("R26")
def test_my_follow_ups_and_team_overdue_overdue_first(clerk, manager, make_user):
    other = make_user("sales_clerk", username="clerk.zhao")
    now = at(2026, 12, 10, 9, 0)
    late_c = new_lead(clerk, "A", now=at(2026, 12, 8, 12, 0))  # due 9 Dec 12:00: overdue
    later = new_lead(clerk, "B", now=at(2026, 12, 9, 9, 0))  # due 14 Dec
    late_a = new_lead(clerk, "A", now=at(2026, 12, 7, 12, 0))  # due 8 Dec: most overdue
    soon = new_lead(clerk, "A", now=at(2026, 12, 9, 18, 0))  # due 10 Dec 18:00: today
    others = new_lead(other, "A", now=at(2026, 12, 1, 9, 0))

    mine = list(selectors.leads_my_follow_ups(user=clerk, now=now))
    assert mine == [late_a, late_c, soon, later]
    assert list(selectors.leads_team_overdue(user=manager, now=now)) == [others, late_a, late_c]
    assert list(selectors.leads_team_overdue(user=clerk, now=now)) == [late_a, late_c]
    assert list(selectors.lead_list(user=clerk, due="today", now=now)) == [soon]
    assert list(selectors.lead_list(user=manager, due="overdue", owner="clerk.zhao", now=now)) == [
        others
    ]
    assert list(selectors.lead_list(user=make_user("warehouse"), now=now)) == []


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        list(fn())
    return len(queries)


def test_the_follow_up_lists_cost_the_same_whatever_the_rows(clerk, manager):
    now = timezone.now() + timedelta(days=400)
    counts = []
    for n in (1, 8):
        while Lead.objects.count() < n:
            new_lead(clerk, "A", now=timezone.now())
        manager.__dict__.pop("_o2c_roles", None)
        clerk.__dict__.pop("_o2c_roles", None)
        counts.append(
            (
                _count(lambda: selectors.leads_my_follow_ups(user=clerk, now=now)),
                _count(lambda: selectors.leads_team_overdue(user=manager, now=now)),
            )
        )
    assert counts[0] == counts[1] == (1, 2)  # team: the manager's roles, then the list


@pytest.mark.rule("R26")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_leads_of_one_company_converted_at_once_make_one_customer(make_user):
    """The second conversion waits for the first's commit and is refused as a duplicate."""
    import threading

    owner = make_user("sales_clerk")
    leads = [
        lead_create(actor=owner, company=name, contact_name="周", grade="A")
        for name in ("苏州恒通精密机械有限公司", "苏州恒通精密机械 Co., Ltd.")
    ]
    start = threading.Barrier(len(leads))
    outcomes: list[str] = []

    def convert(lead_id):
        try:
            start.wait()
            lead_convert(actor=owner, lead_id=lead_id)
            outcomes.append("converted")
        except RuleViolation as refused:
            outcomes.append(refused.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=convert, args=(lead.pk,)) for lead in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["converted", "duplicate_customer"]
    assert Customer.objects.filter(name_key=normalise_company_name(leads[0].company)).count() == 1


@pytest.mark.rule("R26")
def test_customers_written_in_bulk_keep_their_name_key(clerk):
    """A seed or an import writing customers in bulk leaves no customer the duplicate check
    of a conversion would miss."""
    [customer] = Customer.objects.bulk_create(
        [Customer(code="B00001", name="无锡宏达机械有限公司", owner=clerk)]
    )
    customer.name = "无锡宏达重工有限公司"
    Customer.objects.bulk_update([customer], ["name"])

    stored = Customer.objects.get(pk=customer.pk)
    assert stored.name_key == normalise_company_name("无锡宏达重工")
    lead = lead_create(actor=clerk, company="无锡宏达重工 Co., Ltd.", contact_name="周", grade="B")
    with pytest.raises(RuleViolation) as refused:
        lead_convert(actor=clerk, lead_id=lead.pk)
    assert refused.value.code == "duplicate_customer"
