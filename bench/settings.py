"""Settings for the admin benchmark and the data generator: the shared base with DEBUG off, on
the database of DATABASE_URL (the scripts set it from --database-url before Django starts)."""

from config.settings.base import *  # noqa: F403  # the base settings, adjusted below
from config.settings.base import DATABASES, VAR_DIR

DEBUG = False
# As in production (config/settings/production.py): one connection kept across requests.
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# The benchmark logs in with force_login; a fast hasher keeps creating its user quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = VAR_DIR / "bench-media"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "WARNING"},
}
