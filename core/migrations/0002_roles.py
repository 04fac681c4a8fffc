"""The role codes of DESIGN §2 as Django groups."""

from django.db import migrations

ROLES = [
    "sales_clerk", "sales_manager", "sales_head", "general_manager", "sales_vp", "planner",
    "production", "qc", "warehouse", "security", "finance", "finance_vp", "credit_controller",
    "marketing_director",
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
