"""The Celery app. Tasks are thin wrappers around services (STYLE.md); the beat schedule lives
in settings so it is reviewed with the rest of the configuration."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("o2c")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
