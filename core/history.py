"""Change history of master data and documents (R24), read from django-simple-history."""

from django.core.exceptions import FieldDoesNotExist


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def history_rows(instance, *, limit: int = 50) -> list[dict]:
    """Newest first: when, who, what kind of change, and each changed field old → new.

    One query: the records are compared with each other in memory."""
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    model = type(instance)
    rows = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if older is not None and record.history_type == "~":
            delta = record.diff_against(older)
            changes = [
                {"field": _label(model, c.field), "old": c.old, "new": c.new} for c in delta.changes
            ]
        rows.append(
            {
                "when": record.history_date,
                "user": record.history_user,
                "kind": record.history_type,
                "kind_label": record.get_history_type_display(),
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    return rows
