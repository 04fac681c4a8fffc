"""Reads of core. The home page's cards come from the apps through `core.home` (each app
registers its own provider: core imports no later app, DESIGN §5)."""

from core.home import home_cards

__all__ = ["home_cards"]
