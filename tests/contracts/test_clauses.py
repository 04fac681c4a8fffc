"""The clauses a contract prints after its terms (issue 11 item 6): a default Chinese set,
edited by the general manager in the admin, every change a new version; a contract keeps the
version active when it was drafted, so its PDF never changes when the company's text does."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from contracts import services
from contracts.models import ContractClauseSet
from contracts.pdf import contract_pdf_bytes, contract_pdf_name
from core.errors import InvalidInput, PermissionRefused
from tests.contracts.conftest import make_order
from tests.contracts.test_pdf import active_contract, media  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def pdf_text(contract) -> str:
    """The contract's PDF rendered now (the stored copy dropped first)."""
    default_storage.delete(contract_pdf_name(contract))
    pdf = contract_pdf_bytes(contract)
    return "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def default_set() -> ContractClauseSet:
    return ContractClauseSet.objects.get(is_active=True)


def admin_form(clause_set: ContractClauseSet, **changes) -> dict:
    clauses = list(clause_set.clauses.all())
    texts = changes.pop("texts", {})
    data = {
        "name": clause_set.name,
        "warranty_months": clause_set.warranty_months,
        "acceptance_days": clause_set.acceptance_days,
        "activate": "on" if clause_set.is_active else "",
        "clauses-TOTAL_FORMS": str(len(clauses)),
        "clauses-INITIAL_FORMS": str(len(clauses)),
        "clauses-MIN_NUM_FORMS": "1",
        "clauses-MAX_NUM_FORMS": "1000",
    }
    for i, clause in enumerate(clauses):
        data.update(
            {
                f"clauses-{i}-id": clause.pk,
                f"clauses-{i}-clause_set": clause_set.pk,
                f"clauses-{i}-position": clause.position,
                f"clauses-{i}-heading": clause.heading,
                f"clauses-{i}-text": texts.get(clause.heading, clause.text),
            }
        )
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


@pytest.fixture
def gm_staff(make_user):
    gm = make_user("general_manager", is_staff=True, username="gm.staff")
    gm.user_permissions.add(*Permission.objects.filter(content_type__app_label="contracts"))
    return gm


@pytest.mark.rule("R9")
def test_a_fresh_database_has_one_active_default_chinese_clause_set():
    clause_set = default_set()

    assert ContractClauseSet.objects.filter(is_active=True).count() == 1
    assert [c.heading for c in clause_set.clauses.all()] == [
        "交货",
        "运输",
        "验收",
        "质量保证",
        "违约责任",
        "争议解决",
        "其他",
    ]


@pytest.mark.rule("R9")
def test_the_default_clauses_print_after_the_terms_with_their_figures(active_contract):  # noqa: F811
    text = pdf_text(active_contract)

    assert active_contract.clause_set == default_set()
    assert text.index("四、发票") < text.index("五、交货") < text.index("十一、其他")
    assert "验收合格之日起12个月" in text
    assert "交付之日起7日内" in text
    assert "甲方所在地有管辖权的人民法院" in text
    assert "{" not in text


@pytest.mark.rule("R9", "R24")
def test_an_edit_in_the_admin_is_a_new_version_and_a_drafted_contract_keeps_its_clauses(
    client, gm_staff, clerk, customer, catalogue, manager, gm, approved_order
):
    first = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    before = pdf_text(first)
    old = default_set()
    client.force_login(gm_staff)
    page = client.get(f"/admin/contracts/contractclauseset/{old.pk}/change/").content.decode()
    assert "争议解决" in page and "{warranty_months}" in page

    response = client.post(
        f"/admin/contracts/contractclauseset/{old.pk}/change/",
        admin_form(
            old,
            warranty_months="24",
            texts={"争议解决": "协商不成的，提交上海仲裁委员会仲裁，仲裁裁决是终局的。"},
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    new = default_set()
    assert (new.version, new.warranty_months, new.created_by) == (old.version + 1, 24, gm_staff)
    old.refresh_from_db()
    assert not old.is_active and old.warranty_months == 12
    assert "人民法院" in old.clauses.get(heading="争议解决").text
    assert pdf_text(first) == before

    second = services.contract_draft(
        actor=clerk,
        order_id=make_order(
            clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm
        ).pk,
    )
    after = pdf_text(second)
    assert second.clause_set == new
    assert "上海仲裁委员会" in after and "验收合格之日起24个月" in after
    assert "上海仲裁委员会" not in before


def test_saving_unchanged_clauses_writes_no_new_version(client, gm_staff):
    old = default_set()
    client.force_login(gm_staff)

    response = client.post(f"/admin/contracts/contractclauseset/{old.pk}/change/", admin_form(old))

    assert response.status_code == 302
    assert ContractClauseSet.objects.get() == old


def test_a_superuser_adds_a_clause_set_in_the_admin(admin_client):
    response = admin_client.post(
        "/admin/contracts/contractclauseset/add/",
        {
            "name": "出口合同条款",
            "warranty_months": "18",
            "acceptance_days": "10",
            "activate": "on",
            "clauses-TOTAL_FORMS": "2",
            "clauses-INITIAL_FORMS": "0",
            "clauses-MIN_NUM_FORMS": "1",
            "clauses-MAX_NUM_FORMS": "1000",
            "clauses-0-position": "2",
            "clauses-0-heading": "其他",
            "clauses-0-text": "本合同自双方签字盖章之日起生效。",
            "clauses-1-position": "1",
            "clauses-1-heading": "质量保证",
            "clauses-1-text": "质保期 {warranty_months} 个月。",
        },
    )

    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
    )
    added = default_set()
    assert added.name == "出口合同条款"
    assert [c.heading for c in added.clauses.all()] == ["质量保证", "其他"]
    assert ContractClauseSet.objects.filter(is_active=True).count() == 1


def test_an_unknown_placeholder_is_refused_beside_the_clause(client, gm_staff):
    old = default_set()
    client.force_login(gm_staff)

    response = client.post(
        f"/admin/contracts/contractclauseset/{old.pk}/change/",
        admin_form(old, texts={"其他": "违约金为 {penalty} 元。"}),
    )

    assert response.status_code == 200
    assert "{penalty}" in response.content.decode()
    assert ContractClauseSet.objects.get() == old


@pytest.mark.rule("R9")
def test_only_the_general_manager_edits_the_clauses(client, make_user):
    clerk = make_user("sales_clerk", is_staff=True, username="clerk.staff")
    clerk.user_permissions.add(*Permission.objects.filter(content_type__app_label="contracts"))
    old = default_set()
    client.force_login(clerk)

    response = client.post(
        f"/admin/contracts/contractclauseset/{old.pk}/change/",
        admin_form(old, warranty_months="1"),
    )

    assert response.status_code == 403
    assert ContractClauseSet.objects.get() == old
    with pytest.raises(PermissionRefused):
        services.clause_set_save(
            actor=clerk, name="x", clauses=[{"heading": "其他", "text": "无。"}]
        )


def test_only_one_clause_set_is_active(gm):
    first = default_set()
    services.clause_set_save(
        actor=gm, name="甲", clauses=[{"heading": "其他", "text": "无。"}], is_active=False
    )
    second = services.clause_set_save(
        actor=gm, name="乙", clauses=[{"heading": "其他", "text": "无。"}]
    )

    assert list(ContractClauseSet.objects.filter(is_active=True)) == [second]
    assert [s.version for s in ContractClauseSet.objects.all()] == [3, 2, 1]
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractClauseSet.objects.filter(pk=first.pk).update(is_active=True)


def test_a_clause_set_needs_clauses_with_headings_and_texts(gm):
    with pytest.raises(InvalidInput) as empty:
        services.clause_set_save(actor=gm, name="空", clauses=[])
    with pytest.raises(InvalidInput) as blank:
        services.clause_set_save(actor=gm, name="缺", clauses=[{"heading": "其他", "text": " "}])

    assert "clauses" in empty.value.errors
    assert "clauses.0.text" in blank.value.errors
    assert ContractClauseSet.objects.count() == 1
