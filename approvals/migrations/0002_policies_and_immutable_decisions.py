"""DESIGN's approval chains as data (R2, R6, R7, R8, R10, R12, R15, R17, R19, R21, R27), and, on
PostgreSQL, a trigger that refuses any UPDATE or DELETE of a decision (R21: never changes).

The chains are not written here: each is declared next to the document it governs
(`register_default_chain` in contracts/models.py, sales/models.py, inventory/models.py,
finance/models.py) and read from `approvals.chains`. When a migration runs, Django has
imported every app's models, so every declaration is registered; a missing one stops the
migration with an error naming the document type. A fresh database is seeded from the
declarations; a database that already has its policies keeps them (the admin's "reset to
the declared default" brings one back to its declaration).
"""

from django.db import migrations

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
    from approvals.chains import every_default_chain

    Policy = apps.get_model("approvals", "ApprovalPolicy")
    Step = apps.get_model("approvals", "PolicyStep")
    for chain in every_default_chain():
        policy, created = Policy.objects.get_or_create(
            document_type=chain.document_type, defaults={"name": chain.name}
        )
        if created:
            for row in chain.as_rows():
                Step.objects.create(policy=policy, **row)


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
