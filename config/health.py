"""/healthz: ready when the database answers and the Celery broker accepts a connection.

A load balancer probes each node by its IP address (``GET http://10.0.0.5:8000/healthz``), a
Host that ALLOWED_HOSTS rightly refuses everywhere else: the middleware answers the probe before
the host is checked. The answer names what is down, never the addresses or the driver's message
(``connection to server at "10.0.0.3", port 5432 failed``); those go to the log."""

import logging
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery_app import app as celery_app

# A load balancer asks often and wants an answer, not a hung request: one connection attempt,
# bounded in time, no retries.
BROKER_TIMEOUT_SECONDS = 2
PATH = "/healthz"

logger = logging.getLogger(__name__)


def _down(part: str, exc: Exception) -> str:
    logger.warning("healthz: %s unreachable: %s: %s", part, exc.__class__.__name__, exc)
    return f"{part} unreachable"


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return _down("database", exc)
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
        return _down("broker", exc)
    return None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    problems = [p for p in (check_database(), check_broker()) if p]
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})


class HealthzMiddleware:
    """Answers ``/healthz`` whatever the Host header, before any other middleware asks for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == PATH:
            return healthz(request)
        return self.get_response(request)
