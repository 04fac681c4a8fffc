"""Change history of master data and documents (R24), read from django-simple-history.

The stored values are internal (status codes, ids, storage paths); the rows show what a user
reads on the document's page instead, driven by the model's field types only:

- a field with choices shows its display label (as `get_FOO_display`), translated;
- a foreign key to a user shows the user's full name (else the username);
- a one-to-one link with no reverse accessor (`related_name="+"`, e.g. a receipt's stock move)
  is an internal posting with no meaning of its own: "✓" when set;
- any other foreign key shows `str()` of the object, the objects of one model loaded in one
  query for the whole page (a deleted object shows its id);
- a file shows its base name, without the storage path;
- a boolean shows yes / no;
- a date shows as 2026-11-30 and a time as 2026-11-30 17:15 (local), like the rows' "when".

Figures kept by counters (a customer's exposure, moved with `F()` by the orders that add to it
and give it back) are not edits: the next snapshot would show their accumulated movement as
part of whoever edited the row next. A model names them with `register_counters`; they never
appear as field changes, and the history shows instead the documents that moved them — one
row per move, with the document, what happened to it, the amount, who and when — merged in
time order with the real edits.
"""

import datetime
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q, Value, Window
from django.db.models.functions import Lag
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

LINK_SET = "✓"


Moves = Callable[[models.Model, int], list[dict]]


@dataclass
class Counters:
    fields: set[str] = field(default_factory=set)
    # Each (instance, limit) → the newest `limit` moves as history rows (`document_moves`,
    # `document_transitions`); several apps may each register the documents they own.
    sources: list[Moves] = field(default_factory=list)


_COUNTERS: dict[type[models.Model], Counters] = {}


def register_counters(
    model: type[models.Model], *, fields: tuple[str, ...] = (), moves: Moves | None = None
) -> None:
    """`fields` of `model` are kept by counters: never shown as edits; `moves` gives the rows
    of the documents that moved them. Called from the `ready()` of the app that owns those
    documents (a later app may add its documents to an earlier app's model)."""
    counters = _COUNTERS.setdefault(model, Counters())
    counters.fields.update(fields)
    if moves is not None and moves not in counters.sources:
        counters.sources.append(moves)


def counter_moves(instance, *, limit: int = 50) -> list[dict]:
    """The documents that moved `instance`'s counters, newest first: one query per source."""
    counters = _COUNTERS.get(type(instance))
    if counters is None:
        return []
    rows = [row for source in counters.sources for row in source(instance, limit)]
    rows.sort(key=lambda row: row["when"], reverse=True)
    return rows[:limit]


def _move_row(record, *, model, figure: str, change) -> dict:
    id_name = model._meta.pk.attname
    number = getattr(record, "number", None) or f"#{getattr(record, id_name)}"
    status = _field(model, "status")
    return {
        "when": record.history_date,
        "user": record.history_user,
        "kind": "document",
        "kind_label": f"{model._meta.verbose_name} {number}",
        "reason": "",
        "state": str(_display(status, record.status, {})) if status is not None else "",
        "document": record.instance,
        "changes": [
            {
                "field": str(figure),
                "old": None,
                "new": f"{'+' if change > 0 else ''}{change}",
                "amount": change,
            }
        ],
    }


def _with_previous(history, name: str, default=None):
    """Each historical record with the same document's previous value of `name` (`default`
    for its first record)."""
    id_name = history.model.instance_type._meta.pk.attname
    return history.annotate(
        _previous=Window(
            Lag(name, default=default),
            partition_by=[F(id_name)],
            order_by=[F("history_date"), F("history_id")],
        )
    ).select_related("history_user")


def document_moves(history, *, amount: str, figure: str, limit: int) -> list[dict]:
    """The moves of a counter read from the documents that make them: every historical record
    of `history` (a document's `Model.history` queryset, e.g. the orders of one customer)
    whose `amount` field (what the document has added to the counter) differs from the same
    document's previous record is one move of `figure` by that difference, by the record's
    user, at its time, in the document's state after it. One query, newest first."""
    model = history.model.instance_type
    records = (
        _with_previous(history, amount)
        .filter(_previous__isnull=False)
        .filter(~Q(_previous=F(amount)))
        .order_by("-history_date", "-history_id")[:limit]
    )
    return [
        _move_row(r, model=model, figure=figure, change=getattr(r, amount) - r._previous)
        for r in records
    ]


def document_transitions(history, *, into: dict[str, tuple[str, str]], limit: int) -> list[dict]:
    """The moves of counters that a document makes by reaching a status: `into` maps a status
    to (figure, amount field), e.g. a shipping notice `issued` adds its gross to the ledger's
    shipped. Every record that entered one of those statuses is one move, by its user, at its
    time. One query, newest first."""
    model = history.model.instance_type
    records = (
        _with_previous(history, "status", default=Value(""))
        .filter(status__in=list(into))
        .filter(~Q(_previous=F("status")))
        .order_by("-history_date", "-history_id")[:limit]
    )
    rows = []
    for record in records:
        figure, amount = into[record.status]
        rows.append(_move_row(record, model=model, figure=figure, change=getattr(record, amount)))
    return rows


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(model, name: str) -> str:
    field = _field(model, name)
    return str(field.verbose_name) if field is not None else name


def _internal_link(field) -> bool:
    return field.one_to_one and (field.remote_field.related_name or "").endswith("+")


def _user_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _display(field, value, objects: dict) -> object:
    """What the page shows for one stored value of `field` (see the module docstring)."""
    if value is None or value == "":
        return value
    if field is None:
        return value
    if field.many_to_one or field.one_to_one:
        if _internal_link(field):
            return LINK_SET
        obj = objects.get(field.related_model, {}).get(value)
        if obj is None:
            return f"#{value}"
        if field.related_model is get_user_model():
            return _user_name(obj)
        return str(obj)
    if field.choices:
        labels = dict(field.flatchoices)
        return str(labels[value]) if value in labels else value
    if isinstance(field, models.FileField):
        name = getattr(value, "name", value)
        return os.path.basename(str(name)) if name else ""
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return dateformat.format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _load_related(model, changes) -> dict:
    """Per related model, the objects the changes name: one query per model, not per row."""
    wanted: dict = defaultdict(set)
    for change in changes:
        field = _field(model, change.field)
        if field is None or not (field.many_to_one or field.one_to_one) or _internal_link(field):
            continue
        for value in (change.old, change.new):
            if value not in (None, ""):
                wanted[field.related_model].add(value)
    return {
        related: related._default_manager.in_bulk(sorted(pks)) for related, pks in wanted.items()
    }


def history_rows(instance, *, limit: int = 50) -> list[dict]:
    """Newest first: when, who, what kind of change, and each changed field old → new, as the
    page shows it (labels, names, file names; see the module docstring).

    One query for the records (compared with each other in memory), plus one per model that
    a changed foreign key points to, plus one for the documents that moved the model's
    counters (`register_counters`), whatever the number of rows."""
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    model = type(instance)
    counters = _COUNTERS.get(model, Counters())
    deltas = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        delta = None
        if older is not None and record.history_type == "~":
            delta = record.diff_against(older).changes
            edits = [c for c in delta if c.field not in counters.fields]
            if delta and not edits:
                continue  # only a counter moved: its document's row says so
            delta = edits
        deltas.append((record, delta or []))
    objects = _load_related(model, [c for _record, delta in deltas for c in delta])
    rows = []
    for record, delta in deltas:
        changes = []
        for c in delta:
            field = _field(model, c.field)
            changes.append(
                {
                    "field": _label(model, c.field),
                    "old": _display(field, c.old, objects),
                    "new": _display(field, c.new, objects),
                }
            )
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
    if counters.sources:
        rows.extend(counter_moves(instance, limit=limit))
        rows.sort(key=lambda row: row["when"], reverse=True)
        rows = rows[:limit]
    return rows
