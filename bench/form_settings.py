"""Settings for bench/form.py: the project's base settings as production runs them (DEBUG off,
database sessions, PostgreSQL with persistent connections, Celery on Redis), except for what a
load test from one address needs.

- The public forms' rate limits are raised: every simulated client comes from 127.0.0.1, and the
  real limits (5 complaints an hour per address) would refuse the load after five requests.
- The cache is Redis (CACHE_URL, default db 9), shared by the gunicorn workers as production's
  is, so the rate limiter's counting is measured as it runs there.
- ROOT_URLCONF adds the bare view the form is compared with (bench/form_urls.py).
"""

from config.settings.base import *  # noqa: F403  # the base settings, adjusted below
from config.settings.base import DATABASES, env

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.form_urls"

DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

CACHES = {"default": env.cache_url("CACHE_URL", default="redis://127.0.0.1:6379/9")}
CACHES["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/9")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# As production: the request records its tasks and the relay publishes them (not run here).
OUTBOX_PUBLISH_ON_COMMIT = False

# Raised for the load test only (see above); bench/form.py says so in its output.
BENCH_RATE = "1000000/3600"
COMPLAINT_SUBMIT_RATE = BENCH_RATE
COMPLAINT_STATUS_RATE = BENCH_RATE
COMPLAINT_TRY_RATE = BENCH_RATE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
