"""Routes of the finance API; added to `config/urls.py` with the first endpoint."""

urlpatterns: list = []
