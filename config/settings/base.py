"""Settings shared by every environment (12-factor, read with django-environ).

With no environment at all, pdpdesk runs on one machine: SQLite under var/, Celery on kombu's
filesystem transport under var/broker/, emails printed on the console. PDPDESK_VAR_DIR moves var/
(SQLite file, broker folders, media) elsewhere, e.g. to a temporary directory in a test.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"))

VAR_DIR = Path(env("PDPDESK_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-local-only-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# Ours first (it wins), then the Vietnamese of the third-party screens staff use (Django's
# admin gaps, django-celery-beat, django-axes, django-simple-history), kept by
# `manage.py third_party_messages`.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_third_party"]
# Dates typed and shown dd/mm/yyyy (config/formats/vi/formats.py): Django's vi locale has no
# input formats and would read "01/12/2026" as the 12th of January.
FORMAT_MODULE_PATH = ["config.formats"]
SITE_ID = 1

# DATABASES
# ------------------------------------------------------------------------------
DEFAULT_SQLITE_PATH = VAR_DIR / "pdpdesk.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DEFAULT_SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Created only when SQLite is used: a production image may have no writable var/.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The consent check's one statement is prepared once per connection on PostgreSQL (its planning
# costs more than its run); off behind a pooler that cannot keep prepared statements.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer fails in seconds (and /healthz says so) instead
    # of hanging requests for the operating system's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )


def tune_sqlite(database: dict) -> None:
    """Web, worker and beat share one SQLite file: WAL lets readers work while one writes,
    IMMEDIATE transactions take the write lock up front (no deadlocked upgrade from a read lock),
    and the busy timeout makes a writer wait for the lock instead of failing with
    "database is locked"."""
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    options = database.setdefault("OPTIONS", {})
    options.setdefault("transaction_mode", "IMMEDIATE")
    options.setdefault("timeout", 30)
    options.setdefault(
        "init_command",
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
    )


tune_sqlite(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# URLS
# ------------------------------------------------------------------------------
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# One path segment or more, without the leading slash and with the trailing one ("quan-tri/"):
# "/quan-tri" typed in .env works too. Empty would put the admin over the public pages.
ADMIN_URL = env("ADMIN_URL", default="admin/").strip().strip("/") + "/"
if ADMIN_URL == "/":
    raise ImproperlyConfigured("ADMIN_URL is empty: give the admin's path, e.g. ADMIN_URL=admin/")

# APPS
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "config.apps.PdpAdminConfig",  # django.contrib.admin, its menu in the order of use
]
THIRD_PARTY_APPS = [
    "simple_history",
    # django-ninja: in INSTALLED_APPS so that the API's docs use its bundled scripts, not a CDN.
    "ninja",
    "django_celery_beat",
    "customers.apps.LoginProtectionConfig",  # django-axes, named for staff
]
LOCAL_APPS = [
    "customers",
    "complaints",
    "retention",
    "dossiers",
    "imports",
    "api",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    # First: a load balancer's probe by IP address is answered before ALLOWED_HOSTS refuses it.
    "config.health.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on the public pages, Permissions-Policy everywhere.
    "config.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The API's language comes from Accept-Language, not from the URL.
    "api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Every change made in a request is attributed to the staff member who made it.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# TEMPLATES
# ------------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# STATIC AND MEDIA
# ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
# Found before the apps' files: the Vietnamese of third-party scripts whose copy is incomplete
# (Select2's, for the admin's autocomplete fields).
STATICFILES_DIRS = [BASE_DIR / "locale_third_party" / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"  # never served publicly: evidence files go through permission-checked views

# PASSWORDS AND SESSIONS
# ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# A refused form token gets our 403 page, in the visitor's language (config/errors.py).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# SECURITY HEADERS (config/security.py)
# ------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# The public pages run no script. Their styles are inline (<style> blocks and a few style
# attributes, which a nonce cannot cover), so 'unsafe-inline' is allowed for styles only.
PUBLIC_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'none'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
# The API's interactive documentation (/api/v1/docs) runs Swagger UI's scripts, from our own
# static files only; the API's schema calls go to the same origin.
API_DOCS_CONTENT_SECURITY_POLICY = PUBLIC_CONTENT_SECURITY_POLICY.replace(
    "script-src 'none'", "script-src 'self'"
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "accelerometer=(), gyroscope=(), magnetometer=()"
)
# Idle staff are signed out: every request renews the session (sliding expiry), a session unused
# for STAFF_SESSION_IDLE_MINUTES ends, and so does closing the browser.
SESSION_COOKIE_AGE = env.int("STAFF_SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# LOGIN PROTECTION (django-axes)
# ------------------------------------------------------------------------------
# AxesStandaloneBackend first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# STAFF_LOGIN_FAILURE_LIMIT wrong passwords for one username from one address lock that pair out
# for STAFF_LOGIN_LOCKOUT_MINUTES; another colleague at the same office is not locked out.
AXES_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STAFF_LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
# The same client address as the access log (TRUSTED_PROXY_COUNT decides about X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "customers.http.client_ip"

# EMAIL
# ------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="pdpdesk <no-reply@localhost>")

# SMS (one-time codes to the phone on record): a sender class and its options, see
# customers/kernel/sms.py for the interface a real gateway implements.
SMS_BACKEND = env("SMS_BACKEND", default="customers.kernel.sms.ConsoleSender")
SMS_OPTIONS: dict = env.json("SMS_OPTIONS", default={})


# CACHES
# ------------------------------------------------------------------------------
# Shared by web, worker and beat: the scheduled jobs' locks live here (customers/kernel/locks.py).
# Default: files under var/cache/ (one machine). Several machines: CACHE_URL=redis://host:6379/2,
# which django-environ maps to Django's own django.core.cache.backends.redis.RedisCache.
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache":
    # Django's file cache add() is not atomic between processes; a lock needs it to be.
    CACHES["default"]["BACKEND"] = "customers.kernel.locks.AtomicAddFileBasedCache"
elif CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # Pinned: installing django-redis later would otherwise switch backends silently.
    CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"


# CELERY
# ------------------------------------------------------------------------------
def filesystem_broker_options(broker_dir: Path) -> dict:
    """A broker that needs no server: messages are files under broker_dir shared by web,
    worker and beat on one machine."""
    for folder in ("queue", "processed", "control"):
        (broker_dir / folder).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "processed_folder": str(broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(broker_dir / "control"),
    }


BROKER_DIR = VAR_DIR / "broker"
# "localhost" means nothing to the filesystem transport, but without it kombu warns on every start.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(BROKER_DIR)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TIMEZONE = TIME_ZONE
# An export's file (a copy of customers' data) is kept this long, then purged
# (imports.tasks.purge_import_files; Law 91/2025/QH15 Art. 3(3): no longer than needed).
EXPORT_FILE_HOURS = env.int("EXPORT_FILE_HOURS", default=24)
CELERY_ENABLE_UTC = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The outbox (customers/kernel/outbox.py): on, a request publishes the tasks it owes as it
# commits; off, it only records them and the relay (customers.tasks.relay_outbox, every
# OUTBOX_RELAY_SECONDS) publishes them. Production turns it off (config/settings/production.py).
OUTBOX_PUBLISH_ON_COMMIT = env.bool("OUTBOX_PUBLISH_ON_COMMIT", default=True)
OUTBOX_RELAY_SECONDS = env.float("OUTBOX_RELAY_SECONDS", default=2.0)

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# PDPDESK
# ------------------------------------------------------------------------------
# Reverse proxies in front of the app that append to X-Forwarded-For (0: none, use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Staff login printed by seed_demo (local use only; production creates staff with createsuperuser).
DEMO_ADMIN_USERNAME = env("DEMO_ADMIN_USERNAME", default="admin")
DEMO_ADMIN_PASSWORD = env("DEMO_ADMIN_PASSWORD", default="pdpdesk-demo")
# RETENTION
# ------------------------------------------------------------------------------
# Days between receiving an erasure request and its due date (Decree 356/2025: 15 days).
# Customers erased (or records anonymized) per transaction by the purge.
RETENTION_PURGE_BATCH_SIZE = env.int("RETENTION_PURGE_BATCH_SIZE", default=500)
# A scheduled job's lock is taken over when its holder has not reported for this long (a killed
# worker); it must exceed the time one batch takes.
RETENTION_LOCK_HEARTBEAT_SECONDS = env.int("RETENTION_LOCK_HEARTBEAT_SECONDS", default=600)
# Every erasure is also written here, outside the database, so that a restored backup can be
# erased again (retention/journal.py, `manage.py erasure_replay`). file:///absolute/dir only.
ERASURE_JOURNAL_URL = env(
    "ERASURE_JOURNAL_URL", default=f"file://{(VAR_DIR / 'erasure-journal').as_posix()}"
)
# COMPLAINTS
# ------------------------------------------------------------------------------
# The public address of the site, for links in emails ("https://shop.example.vn"); empty: the
# emails give paths only.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")
# The public form and the status page, per client address (customers.http.client_ip), as
# "N/M": at most N in a window of M seconds — complaints accepted, status lookups tried. Bots
# and guessing stop there; a person who mistyped a few times does not.
COMPLAINT_SUBMIT_RATE = env("COMPLAINT_SUBMIT_RATE", default="5/3600")
# Every post of the complaint form, accepted or not: a person mistypes a few times, a script more.
COMPLAINT_TRY_RATE = env("COMPLAINT_TRY_RATE", default="30/3600")
COMPLAINT_STATUS_RATE = env("COMPLAINT_STATUS_RATE", default="10/600")
# Breach incidents: customers emailed per batch; the task's lock beats after each batch.
INCIDENT_NOTIFY_BATCH_SIZE = env.int("INCIDENT_NOTIFY_BATCH_SIZE", default=200)
# Evidence files are read into memory to be checked; up to 5 x 10 MB per form.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
