"""Lead import pages and REST (issue 15 item 7, R26, R25, R23), the close-lead button and the
lead lists' filters."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from sales.models import Lead, LeadImport, LeadStatus
from sales.services.lead_imports import lead_import_preview
from sales.services.leads import lead_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HEADER = "公司,联系人,电话,邮箱,等级,负责人\n"


def sheet(text: str, *, name="名单.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, (HEADER + text).encode(encoding))


def new_lead(owner, company, grade="A", **fields):
    return lead_create(actor=owner, company=company, contact_name="周经理", grade=grade, **fields)


# --- the import pages --------------------------------------------------------------------------


@pytest.mark.rule("R26")
def test_upload_preview_decide_and_commit_through_the_pages(client, clerk):
    CustomerFactory(name="华为技术有限公司", owner=clerk)
    new_lead(clerk, "老客户公司", phone="13800138000")
    client.force_login(clerk)
    page = client.get("/leads/import/").content.decode()
    assert "联系人" in page and "负责人" in page  # the columns are documented
    assert 'href="/leads/import/"' in client.get("/leads/").content.decode()

    response = client.post(
        "/leads/import/",
        {
            "file": sheet(
                "苏州新锐精密有限公司,周经理,,,A,\n"
                ",无名,,,B,\n"
                "华为技术,王工,,,B,\n"
                "另一家,李工,13800138000,,C,\n",
                encoding="gbk",
            )
        },
    )

    batch = LeadImport.objects.get()
    assert response.status_code == 302 and response.url == f"/leads/import/{batch.pk}/"
    html = client.get(response.url).content.decode()
    assert 'id="error-count">1<' in html and 'id="duplicate-count">2<' in html
    assert '<td class="num">3</td><td>公司</td>' in html  # row 3, column 公司
    assert 'name="decision-4" value="skip" checked' in html
    assert "华为技术有限公司" in html
    assert not Lead.objects.filter(company="苏州新锐精密有限公司").exists()

    response = client.post(f"/leads/import/{batch.pk}/commit/", {"decision-4": "import"})

    assert response.status_code == 302
    assert set(Lead.objects.values_list("company", flat=True)) == {
        "老客户公司",
        "苏州新锐精密有限公司",
        "华为技术",
    }
    html = client.get(response.url).content.decode()
    assert 'id="created-count">2<' in html and 'id="skipped-count">1<' in html
    assert 'id="commit"' not in html

    again = client.post(f"/leads/import/{batch.pk}/commit/", {})
    assert again.status_code == 400
    assert "cannot be committed again" in again.content.decode()
    assert Lead.objects.count() == 3


@pytest.mark.rule("R25")
def test_a_wrong_file_is_refused_beside_the_file_field(client, clerk):
    client.force_login(clerk)

    response = client.post(
        "/leads/import/", {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 \x00\x01")}
    )

    assert response.status_code == 400
    assert "Upload a CSV or XLSX file." in response.content.decode()
    assert not LeadImport.objects.exists()


@pytest.mark.rule("R23")
def test_a_clerk_cannot_see_or_commit_another_clerks_import(client, clerk, make_user, manager):
    other = make_user("sales_clerk", username="clerk.zhao")
    batch = lead_import_preview(actor=other, upload=sheet("甲公司,甲,,,A,\n"))
    client.force_login(clerk)

    assert client.get(f"/leads/import/{batch.pk}/").status_code == 404
    assert client.post(f"/leads/import/{batch.pk}/commit/", {}).status_code == 404
    assert "名单.csv" not in client.get("/leads/import/").content.decode()
    assert not Lead.objects.exists()
    client.force_login(manager)
    assert client.get(f"/leads/import/{batch.pk}/").status_code == 200


# --- REST ---------------------------------------------------------------------------------------


@pytest.mark.rule("R26")
def test_rest_upload_answers_201_with_the_report_then_commit(api, clerk):
    new_lead(clerk, "已有公司", email="a@b.cn")
    client = api.as_user(clerk)

    response = client.post(
        "/api/v1/leads/import/",
        {"file": sheet("甲公司,甲,,A@B.cn,A,\n乙公司,乙,,,X,\n丙公司,丙,,,C,\n")},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["row_count"], body["error_count"], body["duplicate_count"]) == (3, 1, 1)
    rows = {r["row"]: r for r in body["rows"]}
    assert rows[3]["errors"][0]["column"] == "等级"
    assert rows[2]["duplicates"][0]["by"] == "email"
    assert client.get("/api/v1/leads/import/").json()["results"][0]["id"] == body["id"]

    committed = client.post(
        f"/api/v1/leads/import/{body['id']}/commit/",
        {"decisions": {"2": "skip"}},
        format="json",
    )

    assert committed.status_code == 200, committed.content
    assert committed.json()["status"] == "committed"
    assert committed.json()["created_count"] == 1
    assert set(Lead.objects.values_list("company", flat=True)) == {"已有公司", "丙公司"}
    again = client.post(f"/api/v1/leads/import/{body['id']}/commit/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "lead_import_committed"


@pytest.mark.rule("R25")
def test_rest_oversize_and_wrong_decisions_are_400_naming_the_field(api, clerk):
    client = api.as_user(clerk)
    with override_settings(IMPORT_MAX_BYTES=10):
        response = client.post(
            "/api/v1/leads/import/", {"file": sheet("甲公司,甲,,,A,\n")}, format="multipart"
        )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["file"]
    batch = lead_import_preview(actor=clerk, upload=sheet("甲公司,甲,,,A,\n甲公司,乙,,,A,\n"))

    response = client.post(
        f"/api/v1/leads/import/{batch.pk}/commit/",
        {"decisions": {"3": "maybe"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"decisions.3": ["Choose skip or import."]}
    assert not Lead.objects.exists()


@pytest.mark.rule("R23")
def test_rest_a_clerk_cannot_see_or_commit_another_clerks_import(api, clerk, make_user):
    other = make_user("sales_clerk", username="clerk.zhao")
    batch = lead_import_preview(actor=other, upload=sheet("甲公司,甲,,,A,\n"))
    client = api.as_user(clerk)

    assert client.get(f"/api/v1/leads/import/{batch.pk}/").status_code == 404
    assert client.post(f"/api/v1/leads/import/{batch.pk}/commit/", {}).status_code == 404
    assert client.get("/api/v1/leads/import/").json()["count"] == 0
    assert not Lead.objects.exists()


# --- close a lead --------------------------------------------------------------------------------


@pytest.mark.rule("R26")
def test_the_close_button_closes_an_open_lead(client, clerk):
    lead = new_lead(clerk, "没戏公司")
    client.force_login(clerk)
    assert f'action="/leads/{lead.pk}/close/"' in client.get(f"/leads/{lead.pk}/").content.decode()

    response = client.post(f"/leads/{lead.pk}/close/", {"reason": "已选其他供应商"})

    lead.refresh_from_db()
    assert response.status_code == 302
    assert (lead.status, lead.next_contact_due, lead.grade_reason) == (
        LeadStatus.CLOSED,
        None,
        "已选其他供应商",
    )
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "/close/" not in html
    again = client.post(f"/leads/{lead.pk}/close/", {})
    assert again.status_code == 400 and "only an open lead" in again.content.decode()


@pytest.mark.rule("R23")
def test_a_clerk_cannot_close_another_clerks_lead(client, clerk, make_user):
    lead = new_lead(make_user("sales_clerk", username="clerk.zhao"), "别人的公司")
    client.force_login(clerk)

    assert client.post(f"/leads/{lead.pk}/close/", {}).status_code == 404
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OPEN


# --- the lists' filters ------------------------------------------------------------------------


@pytest.mark.rule("R26")
def test_my_follow_ups_filter_by_grade_status_and_search(client, clerk):
    new_lead(clerk, "甲级公司", "A")
    new_lead(clerk, "乙级公司", "B")
    closed = new_lead(clerk, "关掉的公司", "C")
    Lead.objects.filter(pk=closed.pk).update(status=LeadStatus.CLOSED, next_contact_due=None)
    client.force_login(clerk)

    def companies(query):
        html = client.get("/leads/" + query).content.decode()
        return {c for c in ("甲级公司", "乙级公司", "关掉的公司") if c in html}

    assert companies("") == {"甲级公司", "乙级公司"}
    assert companies("?grade=B") == {"乙级公司"}
    assert companies("?status=closed") == {"关掉的公司"}
    assert companies("?status=all") == {"甲级公司", "乙级公司", "关掉的公司"}
    assert companies("?q=甲级") == {"甲级公司"}
    assert companies("?status=all&q=周经理&grade=C") == {"关掉的公司"}


@pytest.mark.rule("R23")
def test_the_owner_filter_is_for_managers_and_a_clerk_keeps_their_own(client, clerk, manager):
    other = new_lead(manager, "经理的公司")
    new_lead(clerk, "店员的公司")
    client.force_login(manager)

    assert "店员的公司" not in client.get("/leads/").content.decode()
    html = client.get("/leads/?owner=clerk.li").content.decode()
    assert "店员的公司" in html and "经理的公司" not in html
    html = client.get("/leads/?owner=*").content.decode()
    assert "店员的公司" in html and "经理的公司" in html
    client.force_login(clerk)
    html = client.get(f"/leads/?owner={other.owner.username}").content.decode()
    assert "经理的公司" not in html and "店员的公司" in html
    assert 'name="owner"' not in html


@pytest.mark.rule("R26")
def test_team_overdue_filters_by_grade_owner_and_search(client, clerk, manager, make_user):
    past = timezone.now() - timedelta(days=40)
    new_lead(clerk, "逾期甲", "A", now=past)
    new_lead(clerk, "逾期丙", "C", now=past)
    new_lead(make_user("sales_clerk", username="clerk.zhao"), "赵的逾期", "A", now=past)
    client.force_login(manager)

    def companies(query):
        html = client.get("/leads/overdue/" + query).content.decode()
        return {c for c in ("逾期甲", "逾期丙", "赵的逾期") if c in html}

    assert companies("") == {"逾期甲", "逾期丙", "赵的逾期"}
    assert companies("?grade=A") == {"逾期甲", "赵的逾期"}
    assert companies("?owner=clerk.zhao") == {"赵的逾期"}
    assert companies("?q=丙") == {"逾期丙"}
