"""pytest profile: PostgreSQL when DATABASE_URL is set (CI), else SQLite.

Tasks run inline unless a test asks for the real worker (`celery_worker` marker), which then
consumes from the Redis broker in CELERY_BROKER_URL.
"""

import os
import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403

# Files a test stores (contract PDFs cached per version, delivery scans) go to a fresh folder
# per run: a file left by an earlier run under the same name must never stand in for one this
# run renders.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="o2c-test-media-"))

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
DEBUG = False
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CELERY_RESULT_BACKEND = (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis://") else "cache+memory://"
)
CELERY_TASK_ALWAYS_EAGER = True

# A `replica` alias mirroring `default` (no second database is created) so that
# tests/core/test_db_router.py can switch the router on and see which connection a query
# takes; no other test routes anything to it.
DATABASES = {
    "default": DATABASES["default"],  # noqa: F405
    "replica": {**DATABASES["default"], "TEST": {"MIRROR": "default"}},  # noqa: F405
}
DATABASE_ROUTERS = []
MIDDLEWARE = [m for m in MIDDLEWARE if m != "core.db.PrimaryAfterWriteMiddleware"]  # noqa: F405
