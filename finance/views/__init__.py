"""Browser pages of the finance app, one module per topic (e.g. `receipts.py`, `invoices.py`),
and `navigation.py` with the `register()` that `apps.py` calls to add the menu entries
(`core.navigation`). Empty until finance is built."""
