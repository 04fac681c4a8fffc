"""DESIGN's approval chains as data (R7, R8, R10, R12, R15, R17, R19, R21, R27), and, on
PostgreSQL, a trigger that refuses any UPDATE or DELETE of a decision (R21: never changes)."""

from decimal import Decimal

from django.db import migrations

POLICIES = {
    # document type: (name, [(sequence, role, min_amount, only_on_hold)])
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
    "contract": ("合同会签 Contract co-sign", [(1, "sales_head", None, False),
                                              (1, "finance", None, False)]),
    "production_notice": ("生产通知单审批 Production notice", [(1, "sales_vp", None, False)]),
    "shipping_notice": ("发货单审批 Shipping notice", [(1, "sales_manager", None, False)]),
    "service_dispatch": ("接续派工单审批 Service dispatch", [(1, "sales_manager", None, False)]),
    "invoice": ("发票审批 Invoice", [(1, "finance_vp", None, False)]),
    "commission_slip": (
        "提成单审批 Commission slip",
        [(1, "finance", None, False), (2, "finance_vp", None, False),
         (3, "general_manager", None, False)],
    ),
}

TRIGGER = """
CREATE OR REPLACE FUNCTION approvals_decision_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'approval decisions are immutable (R21)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER approvals_decision_immutable
    BEFORE UPDATE OR DELETE ON approvals_decision
    FOR EACH ROW EXECUTE FUNCTION approvals_decision_immutable();
"""
DROP_TRIGGER = """
DROP TRIGGER IF EXISTS approvals_decision_immutable ON approvals_decision;
DROP FUNCTION IF EXISTS approvals_decision_immutable();
"""


def seed_policies(apps, schema_editor):
    Policy = apps.get_model("approvals", "ApprovalPolicy")
    Step = apps.get_model("approvals", "PolicyStep")
    for document_type, (name, steps) in POLICIES.items():
        policy, created = Policy.objects.get_or_create(
            document_type=document_type, defaults={"name": name}
        )
        if created:
            for sequence, role, min_amount, only_on_hold in steps:
                Step.objects.create(policy=policy, sequence=sequence, role=role,
                                    min_amount=min_amount, only_on_hold=only_on_hold)


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]
    operations = [
        migrations.RunPython(seed_policies, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
