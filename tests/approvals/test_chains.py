"""Who approves is readable in code (issue 10 item 5): each default chain is declared next to
the document it governs (`approvals.chains`); the data migration seeds a fresh database from
the declarations and the admin's "reset" action restores an edited policy to them."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ImproperlyConfigured

from approvals import chains
from approvals.chains import ApprovalChain, Step, default_chain, default_chains
from approvals.models import ApprovalPolicy, DocumentType, PolicyStep
from approvals.services import approval_policies_reset
from core.errors import PermissionRefused
from sales.services.credit import credit_change_submit
from tests.factories import CustomerFactory, credit_change

# The chains of DESIGN §3 as the data migration held them before issue 10 (R2, R6, R7, R8, R10,
# R12, R15, R17, R19, R27): the declarations must keep them exactly.
DESIGN_CHAINS = {
    "price_list": ("价格表审批 Price list", [(1, "general_manager", None, False)]),
    "credit_change": ("信用变更审批 Credit change", [(1, "general_manager", None, False)]),
    "quotation": (
        "报价/投标审批 Quotation",
        [(1, "sales_head", None, False), (2, "marketing_director", Decimal("800000.01"), False)],
    ),
    "order": (
        "合同申报单审批 Order",
        [
            (1, "sales_manager", None, False),
            (2, "credit_controller", None, True),
            (3, "general_manager", None, False),
        ],
    ),
    "contract": (
        "合同会签 Contract co-sign",
        [(1, "sales_head", None, False), (1, "finance", None, False)],
    ),
    "production_notice": ("生产通知单审批 Production notice", [(1, "sales_vp", None, False)]),
    "shipping_notice": ("发货单审批 Shipping notice", [(1, "sales_manager", None, False)]),
    "service_dispatch": ("接续派工单审批 Service dispatch", [(1, "sales_manager", None, False)]),
    "invoice": ("发票审批 Invoice", [(1, "finance_vp", None, False)]),
    "commission_slip": (
        "提成单审批 Commission slip",
        [
            (1, "finance", None, False),
            (2, "finance_vp", None, False),
            (3, "general_manager", None, False),
        ],
    ),
    # R20: the month-end run, confirmed by the sales manager and finance (a co-sign).
    "reconciliation": (
        "月末对账确认 Month-end reconciliation",
        [(1, "sales_manager", None, False), (1, "finance", None, False)],
    ),
}


def _as_table(name, steps) -> tuple:
    return name, sorted(
        (s["sequence"], s["role"], s["min_amount"], s["only_on_hold"]) for s in steps
    )


def _policy_table(policy: ApprovalPolicy) -> tuple:
    return _as_table(
        policy.name, policy.steps.values("sequence", "role", "min_amount", "only_on_hold")
    )


def test_every_document_type_has_one_declared_chain_and_they_are_designs():
    declared = {c.document_type: _as_table(c.name, c.as_rows()) for c in default_chains()}

    assert list(declared) == list(DocumentType.values)
    assert declared == {
        document_type: (name, sorted(steps))
        for document_type, (name, steps) in DESIGN_CHAINS.items()
    }


@pytest.mark.django_db
def test_the_migration_seeded_the_policies_from_the_declarations():
    seeded = {p.document_type: _policy_table(p) for p in ApprovalPolicy.objects.all()}

    assert seeded == {c.document_type: _as_table(c.name, c.as_rows()) for c in default_chains()}


@pytest.mark.rule("R8")
def test_the_contract_is_co_signed_by_the_head_of_sales_and_finance_at_one_sequence():
    """R8, readable where the contract is: contracts/models/contracts.py declares the co-sign."""
    chain = default_chain(DocumentType.CONTRACT)

    assert {(s.sequence, s.role) for s in chain.steps} == {(1, "sales_head"), (1, "finance")}
    source = (Path(settings.BASE_DIR) / "contracts" / "models" / "contracts.py").read_text(
        encoding="utf-8"
    )
    assert "DocumentType.CONTRACT," in source
    assert "co-sign" in source
    assert "Step(Role.SALES_HEAD, sequence=1)" in source
    assert "Step(Role.FINANCE, sequence=1)" in source


def test_a_chain_is_declared_once_per_document_type_with_known_roles():
    with pytest.raises(ImproperlyConfigured):
        chains.register_default_chain(
            ApprovalChain(DocumentType.CONTRACT, "其他", steps=[Step("finance", sequence=1)])
        )
    with pytest.raises(ValueError):
        Step("cashier", sequence=1)
    with pytest.raises(ValueError):
        ApprovalChain(
            DocumentType.ORDER,
            "重复",
            steps=[Step("finance", sequence=1), Step("finance", sequence=1)],
        )


@pytest.mark.rule("R25")
def test_seeding_stops_naming_a_document_type_without_a_declared_chain(monkeypatch):
    declared = dict(chains._DEFAULTS)
    del declared["invoice"]
    monkeypatch.setattr(chains, "_DEFAULTS", declared)

    with pytest.raises(ImproperlyConfigured, match="invoice"):
        chains.every_default_chain()


def _edited(policy: ApprovalPolicy) -> None:
    policy.steps.all().delete()
    PolicyStep.objects.create(policy=policy, sequence=1, role="sales_vp")
    policy.name = "改过的 edited"
    policy.save()


@pytest.mark.django_db
def test_the_admin_resets_an_edited_policy_and_requests_in_flight_keep_their_steps(
    client, make_user, manager
):
    gm = make_user("general_manager", is_staff=True)
    gm.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="approvals", codename__contains="pol")
    )
    policy = ApprovalPolicy.objects.get(document_type="credit_change")
    untouched = ApprovalPolicy.objects.get(document_type="order")
    _edited(policy)
    in_flight = credit_change(customer=CustomerFactory(), author=manager)
    credit_change_submit(actor=manager, change_id=in_flight.pk)
    client.force_login(gm)

    response = client.post(
        "/admin/approvals/approvalpolicy/",
        {"action": "reset_to_default", "_selected_action": [policy.pk]},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    chain = default_chain("credit_change")
    policy.refresh_from_db()
    assert _policy_table(policy) == _as_table(chain.name, chain.as_rows())
    assert _policy_table(untouched) == _as_table(
        default_chain("order").name, default_chain("order").as_rows()
    )
    in_flight.refresh_from_db()
    assert [s.role for s in in_flight.approval_request.steps.all()] == ["sales_vp"]
    assert policy.history.first().history_user == gm


@pytest.mark.django_db
def test_only_the_general_manager_resets_a_policy(client, make_user):
    policy = ApprovalPolicy.objects.get(document_type="price_list")
    _edited(policy)
    finance = make_user("finance", is_staff=True)
    finance.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="approvals", codename__contains="pol")
    )

    with pytest.raises(PermissionRefused):
        approval_policies_reset(actor=finance, policy_ids=[policy.pk])
    client.force_login(finance)
    offered = client.get("/admin/approvals/approvalpolicy/")
    client.post(
        "/admin/approvals/approvalpolicy/",
        {"action": "reset_to_default", "_selected_action": [policy.pk]},
    )

    assert offered.status_code == 200
    assert "reset_to_default" not in offered.content.decode()
    assert list(policy.steps.values_list("role", flat=True)) == ["sales_vp"]
    superuser = make_user(is_superuser=True, is_staff=True)
    approval_policies_reset(actor=superuser, policy_ids=[policy.pk])
    assert list(policy.steps.values_list("role", flat=True)) == ["general_manager"]
