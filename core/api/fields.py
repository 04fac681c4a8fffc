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
