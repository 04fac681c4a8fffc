"""The menu and its badges, filled by the apps.

Core knows no document (DESIGN §5): each app registers its own menu entries and badges in its
`AppConfig.ready()` (`register_menu_entry`, `register_badge`), as it registers its home cards
(`core.home.register_home_cards`). The menu shows each role its work; it is not a permission
(services check rights, R23 filters what a list shows).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse

from core.permissions import user_roles
from core.roles import Role

BADGE_CAP = 99


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    roles: frozenset[str] | None  # None: every signed-in user
    order: int


_entries: dict[str, MenuEntry] = {}

# url name -> (id of the badge element, count). The id lets a page update the badge in place
# (htmx hx-swap-oob).
BADGES: dict[str, tuple[str, Callable[[object, int], int]]] = {}


def register_menu_entry(
    url_name: str, *, label, roles: Iterable[str | Role] | None, order: int
) -> None:
    """Show `label` linking to `url_name` to the holders of `roles` (None: everyone signed in).
    Entries are shown by `order`; registering a url name again replaces its entry."""
    _entries[url_name] = MenuEntry(
        label=label,
        url_name=url_name,
        roles=None if roles is None else frozenset(str(r) for r in roles),
        order=order,
    )


def menu_entries() -> list[MenuEntry]:
    return sorted(_entries.values(), key=lambda entry: entry.order)


def register_badge(url_name: str, *, badge_id: str, count) -> None:
    """`count(user, limit) -> int` counts at most `limit`: the badge runs on every page, so a
    count must stop early rather than grow with the rows (bench/inbox.py)."""
    BADGES[url_name] = (badge_id, count)


def _badge(name: str, user) -> dict:
    if name not in BADGES:
        return {}
    badge_id, count = BADGES[name]
    value = count(user, BADGE_CAP + 1)
    shown = f"{BADGE_CAP}+" if value > BADGE_CAP else (str(value) if value else "")
    return {"badge_id": badge_id, "badge": shown}


def menu_for(request) -> list[dict]:
    """The menu items `request.user` sees, in order, each with its badge."""
    roles = user_roles(request.user)
    items = []
    for entry in menu_entries():
        if entry.roles is not None and not roles & entry.roles:
            continue
        url = reverse(entry.url_name)
        items.append(
            {
                "label": entry.label,
                "url": url,
                "active": request.path == url,
                **_badge(entry.url_name, request.user),
            }
        )
    return items
