"""Browser pages of finance (receipts, invoices, the journal, month end; R16–R20): empty until the
cash issue, then included from `config/urls.py` like the other apps' `urls.py`."""

urlpatterns: list = []
