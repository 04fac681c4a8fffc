"""The base class of O2C's model serializers: DRF's `ModelSerializer` with its fields built
once per class (issue 14).

DRF builds a `ModelSerializer`'s fields again for every serializer it makes — for every
response, and for every nested serializer of every row: it reads the model's fields, their
choices, validators and relations, and decides each field's class and arguments
(`get_fields`, `build_field`), about a millisecond for a customer. None of it depends on the
request, only on the class, its `Meta` and the model. Here it is done for the first serializer
of a class; every serializer (the first one too) gets a copy of those fields, made the way DRF
copies the fields declared on a class for every serializer (`Field.__deepcopy__`: each field
made again from the arguments it was made with, validators shared) — only the arguments that
are immutable (strings, numbers, lazy translations, tuples of them) are not deep-copied, and
lists and dicts of them are copied flat, which gives the same result for a fifth of the cost.
So every serializer still has fields of its own, unbound, which its `__init__` may change
(`self.fields["customer"].queryset = …`), and which are bound to it, read its context and its
instance exactly as before.

What a field's arguments evaluate when it is built — a translated message such as the
"already exists" of a unique column, formatted once — depends on the active language: the
fields are kept per language. A class that decides its fields from the request, its
instance or its context (an override of one of `_BUILD_HOOKS` does that, or may) builds them
every time as DRF does, and so does one with `keep_built_fields = False`; `get_fields`
overrides that change the built fields are fine (they change a copy).
"""

import copy
import datetime
import enum
import re
import types
from collections.abc import Mapping
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.settings import api_settings

# What `ModelSerializer.get_fields` asks to decide the fields: a class overriding one of them
# may decide them per serializer, so its fields are not kept.
_BUILD_HOOKS = (
    "get_field_names",
    "get_default_field_names",
    "get_extra_kwargs",
    "get_uniqueness_extra_kwargs",
    "include_extra_kwargs",
    "build_field",
    "build_standard_field",
    "build_relational_field",
    "build_nested_field",
    "build_property_field",
    "build_url_field",
    "build_unknown_field",
)

# Values `copy.deepcopy` gives back as they are (immutable): shared, not copied.
_ATOMS = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        complex,
        str,
        bytes,
        Decimal,
        type,
        range,
        datetime.date,
        datetime.datetime,
        datetime.time,
        datetime.timedelta,
        types.FunctionType,
        types.BuiltinFunctionType,
        re.Pattern,
    }
)
_SHARE, _LIST, _DICT, _DEEP = range(4)


def _atom(value) -> bool:
    return (
        type(value) in _ATOMS
        or isinstance(value, (Promise, enum.Enum))  # both deep-copy to themselves
        or (type(value) is tuple and all(_atom(item) for item in value))
    )


def _how(value) -> int:
    """How `copy.deepcopy(value)` is made cheaply with the same result: the value itself when
    it is immutable; a new list or dict of the same immutable items; else deepcopy itself."""
    if _atom(value):
        return _SHARE
    if type(value) is list and all(_atom(item) for item in value):
        return _LIST
    if type(value) is dict and all(_atom(k) and _atom(v) for k, v in value.items()):
        return _DICT
    return _DEEP


def _copied(how: int, value, memo: dict):
    if how == _SHARE:
        return value
    if how == _LIST:
        return list(value)
    if how == _DICT:
        return dict(value)
    return copy.deepcopy(value, memo)


class _Recipe:
    """How to make a fresh copy of one built field, the same as `copy.deepcopy(field)` gives
    (`Field.__deepcopy__`: the field's class called again with deep copies of its arguments,
    its validators and regex shared) without deep-copying the arguments that are immutable."""

    def __init__(self, field):
        self.field = field
        self.cls = type(field)
        self.plain = self.cls.__deepcopy__ is drf_fields.Field.__deepcopy__
        if self.plain:
            self.args = [
                (_SHARE if isinstance(item, re.Pattern) else _how(item), item)
                for item in field._args
            ]
            self.kwargs = [
                (key, _SHARE if key in ("validators", "regex") else _how(value), value)
                for key, value in field._kwargs.items()
            ]

    def make(self, memo: dict):
        if not self.plain:
            return copy.deepcopy(self.field, memo)
        args = [_copied(how, value, memo) for how, value in self.args]
        kwargs = {key: _copied(how, value, memo) for key, how, value in self.kwargs}
        return self.cls(*args, **kwargs)


class StrictInput:
    # Input exactly as the schema describes it (issue 16): a field the serializer does not
    # take is refused with a 400 naming it, not dropped silently — "Unknown field." (the
    # message of `core.validation.reject_unknown_fields`, which the services apply to what
    # they are given), or "This field is read-only." for one the answer carries but no
    # request sets (`status`). Nested serializers (a document's `lines`) refuse theirs the
    # same way (`lines.0.colour`). Every serializer of the API is one
    # (tests/api_fuzz/test_strict_input.py); one that reads query parameters sets
    # `reject_unknown_fields = False`. No docstring: the OpenAPI schema would take it as
    # every serializer's description.

    reject_unknown_fields = True

    def to_internal_value(self, data):
        unknown = {}
        if self.reject_unknown_fields and isinstance(data, Mapping):
            fields = self.fields
            for name in sorted(data):
                if name not in fields:
                    unknown[name] = [_("Unknown field.")]
                elif fields[name].read_only:
                    unknown[name] = [_("This field is read-only.")]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class Serializer(StrictInput, serializers.Serializer):
    # DRF's `Serializer`, refusing unknown fields (`StrictInput`). No docstring (see below).
    pass


class ModelSerializer(StrictInput, serializers.ModelSerializer):
    # DRF's `ModelSerializer`, its fields built once per class and language (see above). No
    # docstring: the OpenAPI schema would take it as every serializer's description.

    # False: build the fields for every serializer, as DRF does.
    keep_built_fields = True

    @classmethod
    def _keeps_built_fields(cls) -> bool:
        kept = cls.__dict__.get("_o2c_keeps_fields")
        if kept is None:
            base = serializers.ModelSerializer
            kept = cls.keep_built_fields and all(
                getattr(cls, hook) is getattr(base, hook) for hook in _BUILD_HOOKS
            )
            cls._o2c_keeps_fields = kept
        return kept

    def get_fields(self):
        cls = type(self)
        if not cls._keeps_built_fields():
            return super().get_fields()
        built = cls.__dict__.get("_o2c_built_fields")
        if built is None:
            built = cls._o2c_built_fields = {}
        language = get_language()
        recipes = built.get(language)
        if recipes is None:
            fields = super().get_fields()
            recipes = built[language] = {name: _Recipe(field) for name, field in fields.items()}
        elif self.url_field_name is None:
            self.url_field_name = api_settings.URL_FIELD_NAME  # as DRF's get_fields sets it
        memo: dict = {}
        return {name: recipe.make(memo) for name, recipe in recipes.items()}
