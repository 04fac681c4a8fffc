"""REST of the finance app under /api/v1/ (`serializers.py`, `views.py`, `urls.py`)."""
