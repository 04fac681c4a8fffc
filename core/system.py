"""The system as an actor: scheduled jobs (monthly interest, month end) post journal entries,
which name who posted them. That is this user — inactive, with no password and no role, so
nobody can sign in as it; services that accept it say so (`is_system_user`)."""

from django.contrib.auth import get_user_model

SYSTEM_USERNAME = "o2c-system"


def system_user():
    """The system's user, created the first time a job needs it."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "O2C", "last_name": "system"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system_user(user) -> bool:
    return user is not None and user.get_username() == SYSTEM_USERNAME and not user.is_active
