"""The one permission helper services call (DESIGN §2: rights are checked in services).

A superuser counts as holding every role. Roles are cached on the user object for the life
of a request; delegation (issue 4) extends `user_roles`.
"""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.errors import PermissionRefused
from core.roles import ALL_ROLES, Role

_CACHE_ATTR = "_o2c_roles"


def user_roles(user) -> frozenset[str]:
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        if user.is_superuser:
            cached = ALL_ROLES
        else:
            names = user.groups.values_list("name", flat=True)
            cached = frozenset(name for name in names if name in ALL_ROLES)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def roles_remember(user, group_names) -> None:
    """Cache `user`'s roles from group names read together with the user (the API's token
    query), so `user_roles` asks nothing more in this request."""
    if user.is_superuser:
        roles = ALL_ROLES
    else:
        roles = frozenset(name for name in group_names if name in ALL_ROLES)
    setattr(user, _CACHE_ATTR, roles)


def has_role(user, *roles: str | Role) -> bool:
    """True when the user holds at least one of `roles`."""
    return bool(user_roles(user) & {str(r) for r in roles})


def require_role(user, *roles: str | Role) -> None:
    if not has_role(user, *roles):
        labels = ", ".join(str(Role(r).label) for r in roles)
        raise PermissionRefused(
            detail=_("This action needs one of these roles: %(roles)s.") % {"roles": labels}
        )


def sees_all_customers(user) -> bool:
    """R23: a clerk sees only the customers they own; any other role sees all."""
    roles = user_roles(user)
    return bool(roles - {Role.SALES_CLERK.value})


def sees_customer(user, *, owner_id: int | None) -> bool:
    """R23 for one customer or one of its documents: the one predicate every service asks
    before it reads or writes a document on a user's behalf (`owner_id` is the customer's
    owner)."""
    return sees_all_customers(user) or (owner_id is not None and owner_id == user.pk)


def visible_to(queryset, user, *, owner: str = "customer__owner"):
    """R23 for a list: `queryset` narrowed to the rows `user` may see, `owner` being the path
    from a row to its customer's owner (`"owner"` for customers themselves)."""
    if sees_all_customers(user):
        return queryset
    return queryset.filter(**{owner: user.pk})


def role_labels(roles: Iterable[str]) -> list[str]:
    return [str(Role(r).label) for r in sorted(roles)]
