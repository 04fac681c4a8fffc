"""PeriodLock.closed (issue 14): the close and the reopen mark the month's lock row, so a
posting reads whether its month is closed in the statement that locks it (`core.periods`).
Months closed before this migration get their row marked."""

from django.db import migrations, models


def mark_closed(apps, schema_editor):
    ClosedPeriod = apps.get_model("core", "ClosedPeriod")
    PeriodLock = apps.get_model("core", "PeriodLock")
    for period in ClosedPeriod.objects.values_list("period", flat=True):
        PeriodLock.objects.update_or_create(period=period, defaults={"closed": True})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_period_lock"),
    ]

    operations = [
        migrations.AddField(
            model_name="periodlock",
            name="closed",
            field=models.BooleanField(default=False, verbose_name="closed"),
        ),
        migrations.RunPython(mark_closed, migrations.RunPython.noop),
    ]
