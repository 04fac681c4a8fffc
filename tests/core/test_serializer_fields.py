"""`core.api.serializers.ModelSerializer` (issue 14): a model serializer's fields are built
once per class and language, and every serializer gets fields of its own that are the same
as those DRF would have built for it."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.utils.representation import smart_repr

from core.api.serializers import ModelSerializer
from sales.models import Customer

pytestmark = pytest.mark.django_db


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _project_serializers():
    from importlib import import_module

    for app in ("approvals", "contracts", "finance", "inventory", "sales"):
        import_module(f"{app}.api.serializers")

    found = [
        cls
        for cls in _all_subclasses(ModelSerializer)
        if cls.__module__.endswith(".api.serializers")
    ]
    assert len(found) >= 20
    return found


def _state(field) -> dict:
    """What a field decides its answers and its refusals by, comparable across builds."""
    state = {"class": type(field), "kwargs": {k: smart_repr(v) for k, v in field._kwargs.items()}}
    for name in (
        "required",
        "read_only",
        "write_only",
        "allow_null",
        "source",
        "default",
        "initial",
        "label",
        "help_text",
        "style",
        "allow_blank",
        "max_length",
        "min_length",
        "max_value",
        "min_value",
        "max_digits",
        "decimal_places",
        "coerce_to_string",
        "choices",
        "format",
        "input_formats",
    ):
        if hasattr(field, name):
            state[name] = smart_repr(getattr(field, name))
    state["error_messages"] = {k: str(v) for k, v in field.error_messages.items()}
    state["validators"] = [
        (type(v), smart_repr(getattr(v, "message", None)), smart_repr(getattr(v, "queryset", None)))
        for v in field.validators
    ]
    for attr in ("child", "child_relation"):
        if getattr(field, attr, None) is not None:
            state[attr] = _state(getattr(field, attr))
    if isinstance(field, serializers.Serializer):
        state["fields"] = {name: _state(f) for name, f in field.fields.items()}
    return state


def test_every_model_serializer_of_the_apps_derives_from_the_base():
    _project_serializers()
    direct = [
        cls
        for cls in _all_subclasses(serializers.ModelSerializer)
        if cls.__module__.endswith(".api.serializers") and not issubclass(cls, ModelSerializer)
    ]
    assert direct == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_model_serializer_gets_the_fields_drf_builds(language):
    with translation.override(language):
        for cls in _project_serializers():
            kept = cls().get_fields()
            again = cls().get_fields()  # from what the first one kept
            drf = serializers.ModelSerializer.get_fields(cls())
            assert list(kept) == list(again) == list(drf), cls
            for name in drf:
                assert _state(again[name]) == _state(drf[name]), (cls, name)
            assert repr(cls()) == repr(cls()), cls


def test_each_serializer_has_fields_of_its_own():
    from sales.api.serializers import CustomerSerializer, OrderSerializer

    first, second = CustomerSerializer(), CustomerSerializer()
    assert not set(map(id, first.fields.values())) & set(map(id, second.fields.values()))
    one, two = first.fields["contacts"], second.fields["contacts"]
    assert one is not two and one.child is not two.child
    assert one.child.parent is one and two.child.parent is two
    assert first.fields["code"].parent is first

    # An `__init__` that changes its fields (a PATCH's lines not required) changes only its own.
    class Order:
        pk = 1

    patch = OrderSerializer(instance=Order())
    assert patch.fields["lines"].required is False
    assert OrderSerializer().fields["lines"].required is True


def test_fields_that_depend_on_the_request_are_decided_per_serializer(make_user):
    from sales.api.serializers import OrderSerializer

    clerk, other = make_user("sales_clerk", username="c1"), make_user("sales_clerk", username="c2")
    mine = Customer.objects.create(code="C-1", name="甲", owner=clerk)
    theirs = Customer.objects.create(code="C-2", name="乙", owner=other)

    def customers(user):
        request = Request(RequestFactory().get("/"))
        request.user = user
        # An input serializer (with data): an answer's builds no queryset (issue 14).
        field = OrderSerializer(data={}, context={"request": request}).fields["customer"]
        return set(field.get_queryset())

    assert customers(clerk) == {mine}
    assert customers(other) == {theirs}


def test_the_fields_are_kept_per_language():
    """A field's message formatted when it is built (the unique column's "already exists")
    is in the language of the request that uses it."""

    class CodeSerializer(ModelSerializer):
        class Meta:
            model = Customer
            fields = ["code"]

    def unique_message():
        (validator,) = [
            v for v in CodeSerializer().fields["code"].validators if hasattr(v, "queryset")
        ]
        return str(validator.message)

    with translation.override("en"):
        english = unique_message()
    with translation.override("zh-hans"):
        chinese = unique_message()
    with translation.override("en"):
        assert unique_message() == english
    assert english != chinese
    assert "already exists" in english


def test_a_serializer_that_decides_its_fields_itself_builds_them_every_time():
    class PerCaller(ModelSerializer):
        class Meta:
            model = Customer
            fields = ["code", "name"]

        def get_field_names(self, declared_fields, info):
            return ["code"] if self.context.get("short") else ["code", "name"]

    class Opted(ModelSerializer):
        keep_built_fields = False

        class Meta:
            model = Customer
            fields = ["code"]

    assert list(PerCaller(context={"short": True}).fields) == ["code"]
    assert list(PerCaller().fields) == ["code", "name"]
    assert not PerCaller._keeps_built_fields() and not Opted._keeps_built_fields()


def test_a_subclass_keeps_its_own_fields():
    class Base(ModelSerializer):
        class Meta:
            model = Customer
            fields = ["code"]

    class Wider(Base):
        class Meta(Base.Meta):
            fields = ["code", "name"]

    assert list(Base().fields) == ["code"]
    assert list(Wider().fields) == ["code", "name"]
    assert list(Base().fields) == ["code"]
