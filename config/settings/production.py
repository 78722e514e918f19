"""Production: every secret and endpoint comes from the environment, with no default.
A missing SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL, CACHE_URL, ALLOWED_HOSTS,
PUBLIC_BASE_URL, EMAIL_URL, SMS_BACKEND or ERASURE_JOURNAL_URL stops the start-up with
ImproperlyConfigured naming the variable."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403  # settings layer on the base, as in cookiecutter-django
from .base import MIDDLEWARE, OUTBOX_RELAY_SECONDS, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
)
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_BROKER_TRANSPORT_OPTIONS = {}  # base.py's are the filesystem broker's folders
# Queues by kind, each with its own workers (Procfile.production): an hour-long purge or a
# 100,000-row import never delays a customer's acknowledgement or one-time code. Anything not
# listed (the scheduled reminders, a breach's customers told) goes to the default "celery".
CELERY_TASK_ROUTES = {
    "complaints.tasks.send_acknowledgement": {"queue": "interactive"},
    "complaints.tasks.send_customer_message": {"queue": "interactive"},
    "complaints.tasks.send_data_export": {"queue": "interactive"},
    "complaints.tasks.send_identity_code": {"queue": "interactive"},
    "customers.tasks.send_consent_receipt": {"queue": "interactive"},
    "customers.tasks.deliver_outbox": {"queue": "interactive"},
    "customers.tasks.relay_outbox": {"queue": "interactive"},
    "retention.tasks.notify_erasure_refusal": {"queue": "interactive"},
    "api.tasks.*": {"queue": "webhooks"},
    "customers.tasks.send_recipient_request": {"queue": "webhooks"},
    "retention.tasks.purge_expired": {"queue": "purges"},
    "retention.tasks.execute_erasure_requests": {"queue": "purges"},
    "imports.tasks.purge_import_files": {"queue": "purges"},
    "imports.tasks.purge_export_files": {"queue": "purges"},
    "imports.tasks.run_import": {"queue": "imports"},
    "imports.tasks.run_export": {"queue": "imports"},
}
# A request records the tasks it owes and the relay publishes them, a batch at a time: no broker
# round trip in the request (customers/kernel/outbox.py). Beat runs the relay every
# OUTBOX_RELAY_SECONDS; a run not started by then is dropped, as the next one does its work.
OUTBOX_PUBLISH_ON_COMMIT = env.bool("OUTBOX_PUBLISH_ON_COMMIT", default=False)
CELERY_BEAT_SCHEDULE = {
    "Khách hàng: đưa các tác vụ đã ghi lên hàng đợi (mỗi vài giây)": {
        "task": "customers.tasks.relay_outbox",
        "schedule": OUTBOX_RELAY_SECONDS,
        "options": {"expire_seconds": max(1, round(OUTBOX_RELAY_SECONDS))},
    }
}

# Shared by every machine: the scheduled jobs' locks, the API keys' rate counts and the public
# forms' limits. A file cache is one machine's: two nodes would each run "the only" purge.
CACHES = {"default": env.cache_url("CACHE_URL")}
if not CACHES["default"]["BACKEND"].endswith("RedisCache"):
    raise ImproperlyConfigured(
        "CACHE_URL must be Redis (redis://host:6379/2) in production: the job locks and rate "
        "limits are shared by every machine"
    )
CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"

# The links in emails to customers and staff are absolute: a path alone opens nothing.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL").rstrip("/")
if (
    urlsplit(PUBLIC_BASE_URL).scheme not in {"http", "https"}
    or not urlsplit(PUBLIC_BASE_URL).netloc
):
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL must be a full address such as https://shop.example.vn, "
        f"not {PUBLIC_BASE_URL!r}"
    )

# The erasure journal lives outside the database and its backups: a restored backup brings
# back everyone erased since, and `manage.py erasure_replay` erases them again from it
# (Law 91/2025 Art. 14(3)-(4): erased data must not be restored).
ERASURE_JOURNAL_URL = env("ERASURE_JOURNAL_URL")
if not ERASURE_JOURNAL_URL.startswith("file:///"):
    raise ImproperlyConfigured(
        "ERASURE_JOURNAL_URL must name a folder as file:///absolute/path, "
        f"not {ERASURE_JOURNAL_URL!r}"
    )

# STATIC FILES
# ------------------------------------------------------------------------------
# WhiteNoise serves what `collectstatic` (the release step) wrote: hashed names cached for a
# year, compressed copies made once.
# (Development's runserver serves them itself; WhiteNoise there would warn of a missing folder.)
MIDDLEWARE = [
    *MIDDLEWARE[: MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1 :],
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# SECURITY
# ------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# EMAIL
# ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL"))
# The console sender writes every email, one-time codes and data copies included, into the
# worker's log; the memory one sends nothing. Both are for development and tests.
if globals()["EMAIL_BACKEND"].split(".")[-2] in {"console", "locmem"}:
    raise ImproperlyConfigured(
        f"EMAIL_URL={env('EMAIL_URL').split(':', 1)[0]}:// is for development only: "
        "its emails land in the logs or nowhere"
    )
# The console and memory senders are for development and tests: a one-time code must reach
# the customer's phone (customers/kernel/sms.py: FileSender, or the gateway's own class).
SMS_BACKEND = env("SMS_BACKEND")
if SMS_BACKEND.rsplit(".", 1)[-1] in {"ConsoleSender", "MemorySender"}:
    raise ImproperlyConfigured(f"SMS_BACKEND={SMS_BACKEND} is for development only")
