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


def forget_roles(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


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


def role_labels(roles: Iterable[str]) -> list[str]:
    return [str(Role(r).label) for r in sorted(roles)]
