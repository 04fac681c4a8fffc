"""What the inventory documents' models share."""

from django.conf import settings
from django.db import models


def user_field(label, related_name="+", **kwargs):
    """A person on a document (who prepared, confirmed, issued it): never deleted under it."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name=related_name,
        **kwargs,
    )
