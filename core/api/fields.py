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
    under its locks; `exists(user, pk)` only answers whether the id can be used at all."""

    def __init__(self, *, exists, message, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)
        self.exists = exists
        self.message = message

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not self.exists(user, value):
            raise serializers.ValidationError(str(self.message), code="does_not_exist")
        return value
