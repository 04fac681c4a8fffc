"""The home page per role: a few cards of what the user works on, with counts.

Core knows no document (DESIGN §5), so each app contributes its own cards: in its
`AppConfig.ready()` it calls `register_home_cards(provider)`, where `provider(user)` returns a
list of cards — dicts with `title`, `count`, `url` and `action` (None, or (label, url)), and
optionally `figure` (a formatted amount shown under the count, e.g. "¥1,234.00") and `chart`
(a small bar chart: `[{"label", "value", "text"}]`, drawn with CSS, no script).
The page shows them in the order the apps are installed, then registered."""

from collections.abc import Callable

HomeCardProvider = Callable[[object], list[dict]]

_providers: list[HomeCardProvider] = []


def register_home_cards(provider: HomeCardProvider) -> HomeCardProvider:
    """Add `provider` to the home page; registering the same provider again does nothing.
    Returns it, so it can be used as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def home_cards(*, user) -> list[dict]:
    """Every registered provider's cards for `user`, a card whose link another provider
    already gave left out (a planner who also produces sees "released" once)."""
    cards: list[dict] = []
    seen: set[str] = set()
    for provider in _providers:
        for card in provider(user):
            if card["url"] in seen:
                continue
            seen.add(card["url"])
            cards.append(card)
    return cards


def yuan(amount) -> str:
    """An amount as a home card shows it, ¥1,234,567.80: the one formatting layer's."""
    from core.formats import format_yuan

    return format_yuan(amount)
