"""Browser pages of the finance app, one module per topic (`invoices.py`, …), and
`navigation.py` with the `register()` that `apps.py` calls to add the menu entries and home
cards (`core.navigation`, `core.home`)."""
