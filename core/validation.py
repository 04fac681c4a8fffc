"""Model validation for services: every writer (page, API, admin, import, task) gets the same
field-named errors (R25), raised as `InvalidInput` before anything is written."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django_fsm import FSMFieldMixin

from core.errors import InvalidInput


def validate_instance(
    instance: models.Model,
    *,
    exclude: Iterable[str] = (),
    prefix: str = "",
    constraints: bool = True,
):
    """full_clean as InvalidInput. `constraints=False` leaves the table constraints to the
    database, for rows whose values the caller built itself (each check costs a query)."""
    # A protected django-fsm status is set only by its transitions (full_clean would assign it).
    protected = [
        f.name
        for f in instance._meta.concrete_fields
        if isinstance(f, FSMFieldMixin) and f.protected
    ]
    try:
        instance.full_clean(exclude=[*exclude, *protected], validate_constraints=constraints)
    except ValidationError as exc:
        error = InvalidInput.from_django(exc)
        if prefix:
            error.errors = {f"{prefix}.{k}": v for k, v in error.errors.items()}
        raise error from exc


def save_unique(instance: models.Model, *, field: str, message: str, actor=None, **kwargs):
    """Save; a unique-constraint race on `field` lost to another transaction becomes a
    field error instead of a 500. `actor` is recorded in the change history (R24)."""
    if actor is not None:
        instance._history_user = actor
    try:
        from django.db import transaction

        with transaction.atomic():
            instance.save(**kwargs)
    except IntegrityError as exc:
        raise InvalidInput(errors={field: [message]}) from exc


def reject_unknown_fields(fields: Iterable[str], allowed: Iterable[str]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        from django.utils.translation import gettext as _

        raise InvalidInput(errors={name: [_("Unknown field.")] for name in unknown})


def id_of(value) -> int | None:
    """The id a request gave for a reference — a model instance, an int or a numeric string —
    or None when it is not one (the caller names the field: R25)."""
    try:
        return int(getattr(value, "pk", value))
    except (TypeError, ValueError, OverflowError):
        return None


def beyond_bounds_message(maximum) -> str:
    """Django's own "at most" message for a value past `maximum` (MAX_AMOUNT or MAX_QUANTITY)."""
    from django.core.validators import MaxValueValidator

    return MaxValueValidator(maximum).message % {"limit_value": maximum}


def require_within_bounds(value, *, maximum, field: str) -> None:
    """A sum or product a service computed (a line's gross, a total, a stock level, a ledger
    figure) is refused beyond what every supported database keeps (`core.money.MAX_AMOUNT`,
    `MAX_QUANTITY`): a 400 naming `field`, before anything is written (R25)."""
    from core.money import within_bounds

    if not within_bounds(value, maximum=maximum):
        raise InvalidInput(errors={field: [beyond_bounds_message(maximum)]})
