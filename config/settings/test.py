"""Test settings: the embedded defaults, or PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL
point at them (as .ci/run does)."""

import typing
from pathlib import Path

from .base import *  # noqa: F403  # settings layer on the base, as in cookiecutter-django
from .base import (
    CELERY_BROKER_URL,
    DATABASES,
    VAR_DIR,
    env,
    filesystem_broker_options,
)

if typing.TYPE_CHECKING:
    from django.http import HttpRequest

SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105  # a test-only key, never used outside the test settings
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Emails stay in memory (django.core.mail.outbox). A Celery worker started by a test has no
# outbox the test can read, so it is given TEST_EMAIL_URL=filemail:////some/dir instead.
vars().update(env.email_url("TEST_EMAIL_URL", default="memorymail://"))
# Text messages stay in memory (customers.kernel.sms.outbox); a test's Celery worker writes them
# to the file TEST_SMS_PATH names, which the test reads back.
SMS_BACKEND = "customers.kernel.sms.MemorySender"
SMS_OPTIONS = {}
if env("TEST_SMS_PATH", default=""):
    SMS_BACKEND = "customers.kernel.sms.FileSender"
    SMS_OPTIONS = {"path": env("TEST_SMS_PATH")}
# A test's Celery worker retries webhooks after these seconds instead of 5 s, 5 min, 30 min…
WEBHOOK_RETRY_SECONDS = env.list("TEST_WEBHOOK_RETRY_SECONDS", cast=int, default=[])
MEDIA_ROOT = VAR_DIR / "test-media"
# Not var/erasure-journal/: a replay on the development database must never read what the
# tests erased. A test that reads the journal points it at its own folder.
ERASURE_JOURNAL_URL = f"file://{(VAR_DIR / 'test-erasure-journal').as_posix()}"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Not var/broker/: a worker of `make run` on the same checkout must never pick up (and
    # send) what a test queued.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / "test-broker")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a Celery worker or web server started by a test sees the
    # same test database. Next to the configured one (var/pdpdesk.sqlite3 ->
    # var/test-pdpdesk.sqlite3), so that DATABASE_URL=sqlite:////elsewhere/x.sqlite3 gives
    # each checkout or engineer a test database of their own.
    _sqlite_path = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {
        "NAME": str(_sqlite_path.with_name(f"test-{_sqlite_path.name}"))
    }

# One process, one memory cache (the scheduled jobs' locks too). A Celery worker started by a
# test shares nothing with it: it is given TEST_CACHE_URL=filecache:////some/dir, shared by the
# workers of that test.
CACHES = {"default": env.cache_url("TEST_CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
    CACHES["default"]["BACKEND"] = "customers.kernel.locks.AtomicAddFileBasedCache"

# Sessions in memory: SESSION_SAVE_EVERY_REQUEST writes the session on every request, and the
# admin pages' query bounds (tests/customers/test_admin.py) measure the page, not that write.
# tests/test_login_protection.py checks idle expiry on the database sessions production uses.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"


class AxesBackendForTestClient:
    """django-axes' backend, except for the test client's Client.login(), which authenticates
    without a request (axes' documentation: supply a request, or adapt the backend). Every login
    through a view — the admin's login page included — has its request and is checked by axes."""

    def authenticate(self, request: "HttpRequest | None", **credentials: typing.Any) -> None:
        if request is None:
            return
        from axes.backends import AxesStandaloneBackend

        AxesStandaloneBackend().authenticate(request, **credentials)


AUTHENTICATION_BACKENDS = [
    "config.settings.test.AxesBackendForTestClient",
    "django.contrib.auth.backends.ModelBackend",
]
