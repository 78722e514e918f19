"""Production: every secret and endpoint comes from the environment, with no default.
A missing SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL, ALLOWED_HOSTS, EMAIL_URL or
SMS_BACKEND stops the start-up
with ImproperlyConfigured naming the variable."""

from .base import *  # noqa: F403  # settings layer on the base, as in cookiecutter-django
from .base import env

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
# The console and memory senders are for development and tests: a one-time code must reach
# the customer's phone (customers/kernel/sms.py: FileSender, or the gateway's own class).
SMS_BACKEND = env("SMS_BACKEND")
if SMS_BACKEND.rsplit(".", 1)[-1] in {"ConsoleSender", "MemorySender"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"SMS_BACKEND={SMS_BACKEND} is for development only")
