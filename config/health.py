"""/healthz: ready when the database answers and the Celery broker accepts a connection."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery_app import app as celery_app

# A load balancer asks often and wants an answer, not a hung request: one connection attempt,
# bounded in time, no retries.
BROKER_TIMEOUT_SECONDS = 2


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return f"database unreachable: {exc.__class__.__name__}: {exc}"
    return None


def check_broker() -> str | None:
    try:
        with celery_app.connection_for_write(
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            # kombu's Redis transport ignores connect_timeout and, by default, waits for the
            # operating system's TCP timeout (minutes) on a host that does not answer.
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
            },
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
            # Opening a channel proves the transport works (the filesystem transport only
            # fails here, when its folders are missing or not writable).
            conn.default_channel  # noqa: B018  # the attribute opens the channel
    except Exception as exc:
        return f"broker unreachable: {exc.__class__.__name__}: {exc}"
    return None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    problems = [p for p in (check_database(), check_broker()) if p]
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})
