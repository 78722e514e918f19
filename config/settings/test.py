"""Test settings: the embedded defaults, or PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL
point at them (as .ci/run does)."""

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a Celery worker or web server started by a test sees the
    # same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-pdpdesk.sqlite3")}
