"""Serializer fields for money and quantities: the bounds of `core.fields` on the way in, so
a value no supported database keeps is a 400 naming the field (R25), never a 500 on read."""

from decimal import Decimal

from rest_framework import serializers

from core.money import MAX_AMOUNT, MAX_QUANTITY


def amount_field(*, min_value: Decimal | None = None, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        max_value=MAX_AMOUNT,
        min_value=-MAX_AMOUNT if min_value is None else min_value,
        **kwargs,
    )


def quantity_field(*, min_value: Decimal | None = None, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=18,
        decimal_places=3,
        max_value=MAX_QUANTITY,
        min_value=-MAX_QUANTITY if min_value is None else min_value,
        **kwargs,
    )


class ReferenceField(serializers.IntegerField):
    """An id inside a body, checked while the other fields are parsed: unknown or not visible
    to the caller is an error on this field (API.md: a 400 naming it), reported together with
    every other bad field of the request rather than after them. The service checks it again
    under its locks; `exists(user, pk)` only answers whether the id can be used at all.

    In the rows of a list (an order's lines) give `existing(user, ids) -> set of usable ids`
    too: the ids of every row are then checked in one query, not one per row."""

    def __init__(self, *, exists, message, existing=None, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)
        self.exists = exists
        self.existing = existing
        self.message = message

    def _usable_in_rows(self, user) -> set[int] | None:
        """The usable ids among all the rows of the list this field's row belongs to, asked
        once per request; None when the field is not in a list's rows."""
        rows = getattr(self.parent, "parent", None)
        if self.existing is None or not isinstance(rows, serializers.ListSerializer):
            return None
        cache = rows.__dict__.setdefault("_usable_ids", {})
        if self.field_name not in cache:
            given = getattr(self.root, "initial_data", {}).get(rows.field_name) or []
            ids = set()
            for row in given if isinstance(given, list) else []:
                value = row.get(self.field_name) if isinstance(row, dict) else None
                if str(value).isdigit() and int(value) < 2**63:
                    ids.add(int(value))
            cache[self.field_name] = self.existing(user, ids) if ids else set()
        return cache[self.field_name]

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        usable = self._usable_in_rows(user)
        if usable is not None and value in usable:
            return value
        if not self.exists(user, value):
            raise serializers.ValidationError(str(self.message), code="does_not_exist")
        return value


def keep_reference(serializer, attrs: dict, field: str, message) -> dict:
    """A PATCH may repeat the document's `field` (its customer, its order) but not change it:
    another one is a 400 naming the field; the same one is dropped, so the service sees only
    what changes."""
    given = attrs.get(field)
    if serializer.instance is not None and given is not None:
        if given.pk != getattr(serializer.instance, f"{field}_id"):
            from rest_framework import serializers

            raise serializers.ValidationError({field: [message]})
        del attrs[field]
    return attrs
