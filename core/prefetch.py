"""Rows a service has just written or read, attached to the object it returns as Django's own
prefetch would attach them, so that whoever renders the object (the API's answer) reads them
instead of querying again (issue 14)."""

from collections.abc import Iterable

from django.db import models


def set_prefetched(instance: models.Model, name: str, objects: Iterable) -> None:
    """`instance.<name>.all()` answers `objects` without a query, as after
    `prefetch_related(name)`; `name` is a reverse foreign key or a many-to-many."""
    cached = getattr(instance, name).all()
    cached._result_cache = list(objects)
    cached._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = cached


def carries(instance: models.Model, *paths: str) -> bool:
    """Whether reading each of `paths` ("customer", "lines", "lines.product") on `instance`
    needs no query: a foreign key loaded, a reverse relation prefetched, down the path."""
    return all(_carries(instance, path.split(".")) for path in paths)


def _carries(instance: models.Model, names: list[str]) -> bool:
    name, rest = names[0], names[1:]
    field = instance._meta.get_field(name)
    if field.many_to_one or (field.one_to_one and not field.auto_created):
        if getattr(instance, field.attname) is None:
            return True
        if not field.is_cached(instance):
            return False
        related = [getattr(instance, name)]
    else:
        cache = getattr(instance, "_prefetched_objects_cache", {})
        if name not in cache:
            return False
        related = list(cache[name])
    return not rest or all(_carries(obj, rest) for obj in related)
