"""The chart of accounts (DESIGN §4, with the sub-account practice needs) and, on PostgreSQL, a
trigger that refuses any UPDATE or DELETE of a posted journal entry or line (R24: corrections
are reversal entries)."""

from django.db import migrations


TRIGGER = """
CREATE OR REPLACE FUNCTION finance_journal_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'posted journal entries are immutable (R24)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER finance_journalentry_immutable
    BEFORE UPDATE OR DELETE ON finance_journalentry
    FOR EACH ROW EXECUTE FUNCTION finance_journal_immutable();
CREATE TRIGGER finance_journalline_immutable
    BEFORE UPDATE OR DELETE ON finance_journalline
    FOR EACH ROW EXECUTE FUNCTION finance_journal_immutable();
"""
DROP_TRIGGER = """
DROP TRIGGER IF EXISTS finance_journalentry_immutable ON finance_journalentry;
DROP TRIGGER IF EXISTS finance_journalline_immutable ON finance_journalline;
DROP FUNCTION IF EXISTS finance_journal_immutable();
"""


def seed_chart(apps, schema_editor):
    from finance.models import CHART  # the chart is declared beside the Account model

    Account = apps.get_model("finance", "Account")
    for code, name, kind, parent in CHART:
        Account.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "parent": Account.objects.get(code=parent) if parent else None,
            },
        )


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_journal")]
    operations = [
        migrations.RunPython(seed_chart, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
