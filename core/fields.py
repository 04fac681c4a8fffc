"""Model fields for money and quantities (DESIGN §3), bounded to what every supported database
keeps exactly (`core.money.MAX_AMOUNT`, `MAX_QUANTITY`): `full_clean` in the services, the
admin and every model form then refuse a larger value with an error naming the field (R25)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.money import MAX_AMOUNT, MAX_QUANTITY


class AmountField(models.DecimalField):
    """numeric(18, 2), |value| ≤ MAX_AMOUNT."""

    default_validators = [MinValueValidator(-MAX_AMOUNT), MaxValueValidator(MAX_AMOUNT)]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


class QuantityField(models.DecimalField):
    """numeric(18, 3), |value| ≤ MAX_QUANTITY."""

    default_validators = [MinValueValidator(-MAX_QUANTITY), MaxValueValidator(MAX_QUANTITY)]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 3)
        super().__init__(*args, **kwargs)
