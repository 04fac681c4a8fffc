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
# Up to this many entries the menu stays flat (a clerk's work one click away); beyond, entries
# of a group fold into its drop-down, so a general manager's menu fits on one line at 1366 px.
FLAT_MENU_MAX = 10  # 10 since issue 15: a clerk's menu gained Leads and Quotations


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    roles: frozenset[str] | None  # None: every signed-in user
    order: int
    group: str | None = None  # the key of a registered menu group


_entries: dict[str, MenuEntry] = {}
_groups: dict[str, str] = {}  # key -> label

# url name -> (id of the badge element, count). The id lets a page update the badge in place
# (htmx hx-swap-oob).
BADGES: dict[str, tuple[str, Callable[[object, int], int]]] = {}


def register_menu_group(key: str, *, label) -> None:
    """A drop-down of the menu: the entries registered with `group=key` are shown under
    `label`, where the first of them stands — so a general manager's menu fits on one line."""
    _groups[key] = label


def register_menu_entry(
    url_name: str,
    *,
    label,
    roles: Iterable[str | Role] | None,
    order: int,
    group: str | None = None,
) -> None:
    """Show `label` linking to `url_name` to the holders of `roles` (None: everyone signed in).
    Entries are shown by `order`; registering a url name again replaces its entry."""
    _entries[url_name] = MenuEntry(
        label=label,
        url_name=url_name,
        roles=None if roles is None else frozenset(str(r) for r in roles),
        order=order,
        group=group,
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
                "group": entry.group,
                **_badge(entry.url_name, request.user),
            }
        )
    return items


def menu_tree(items: list[dict]) -> list[dict]:
    """The menu as it is drawn: `{"link": …}` for an entry of no group, `{"label", "entries",
    "active"}` for a group where its first entry stands. A group the user sees one entry of
    is that entry alone (a guard's only work is the gate). (Not "items": a template would
    read `dict.items` for a node without the key.)"""
    if len(items) <= FLAT_MENU_MAX:
        return [{"link": item} for item in items]
    nodes: list[dict] = []
    groups: dict[str, dict] = {}
    for item in items:
        key = item["group"]
        if key is None or key not in _groups:
            nodes.append({"link": item})
            continue
        if key not in groups:
            groups[key] = {"label": _groups[key], "entries": [], "active": False}
            nodes.append(groups[key])
        groups[key]["entries"].append(item)
        groups[key]["active"] = groups[key]["active"] or item["active"]
    return [
        {"link": node["entries"][0]} if "entries" in node and len(node["entries"]) == 1 else node
        for node in nodes
    ]


# --- links a later app adds to an earlier app's document page ---------------------------------


@dataclass(frozen=True)
class DocumentLink:
    label: str
    url_name: str  # a page taking the document's pk
    roles: frozenset[str] | None
    order: int


_document_links: dict[str, dict[str, DocumentLink]] = {}


def register_document_link(
    document: str, url_name: str, *, label, roles: Iterable[str | Role] | None, order: int = 0
) -> None:
    """Show a button `label` on the page of `document` (a key the page names, e.g. "customer")
    linking to `url_name` with the document's pk, to the holders of `roles` (None: everyone
    signed in). A later app adds its page to an earlier app's document this way — finance's
    statement on the customer's page — without the earlier app importing it (DESIGN §5)."""
    _document_links.setdefault(document, {})[url_name] = DocumentLink(
        label=label,
        url_name=url_name,
        roles=None if roles is None else frozenset(str(r) for r in roles),
        order=order,
    )


def document_links(document: str, user, pk: int) -> list[dict]:
    """The buttons registered for `document` that `user` may follow, in order, each
    {"label", "url"}."""
    roles = user_roles(user)
    links = sorted(_document_links.get(document, {}).values(), key=lambda link: link.order)
    return [
        {"label": link.label, "url": reverse(link.url_name, args=[pk])}
        for link in links
        if link.roles is None or roles & link.roles
    ]
