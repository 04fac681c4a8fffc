"""A contract is numbered only when both have signed (R8); until then its request stored a
made-up "HT-#<id>" that no page used. Drafts now keep an empty number and are called "Draft
#<id>" everywhere (ApprovalRequest.display_number), like the contract's own page."""

from django.db import migrations


def clear_made_up_numbers(apps, schema_editor):
    ApprovalRequest = apps.get_model("approvals", "ApprovalRequest")
    ApprovalRequest.objects.filter(
        document_type="contract", document_number__startswith="HT-#"
    ).update(document_number="")


class Migration(migrations.Migration):
    dependencies = [("approvals", "0005_step_help_text_in_business_words")]
    operations = [migrations.RunPython(clear_made_up_numbers, migrations.RunPython.noop)]
