"""Celery tasks of retention/: scheduled by django-celery-beat (migration 0003), they take ids
or nothing, and call the services.

Each scheduled job takes a lock (customers.kernel.locks) so that two runs never overlap, and
writes one PurgeRun. A run that finds the lock held does nothing, writes no PurgeRun, and says so
in the worker's log and in its result. acks_late: a worker lost mid-run leaves the message to be
delivered again; the work is idempotent (what was erased drops out of the plan) and the lock's
heartbeat lets the next run take over from a dead one.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from retention.jobs import (
    EXECUTE_SOFT_TIME_LIMIT,
    EXECUTE_TIME_LIMIT,
    PURGE_SOFT_TIME_LIMIT,
    PURGE_TIME_LIMIT,
    execute_erasure_requests_run,
    purge_expired_run,
)
from retention.models import PurgeRun


def _summary(run: PurgeRun | None) -> dict[str, Any]:
    if run is None:
        return {"status": "skipped", "reason": "another run holds the lock"}
    return {
        "status": run.status,
        "run": run.pk,
        "customers_erased": run.customers_erased,
        "customers_held": run.customers_held,
        "errors": len(run.errors),
    }


@shared_task(acks_late=True, soft_time_limit=PURGE_SOFT_TIME_LIMIT, time_limit=PURGE_TIME_LIMIT)
def purge_expired(run_id: int | None = None) -> dict[str, Any]:
    """Daily (02:30, Asia/Ho_Chi_Minh): erase and anonymize what the retention rules reach;
    or now, the run staff started from the admin (run_id)."""
    if run_id is not None:
        return _summary(purge_expired_run(trigger=PurgeRun.Trigger.STAFF, run_id=run_id))
    return _summary(purge_expired_run())


@shared_task(acks_late=True, soft_time_limit=EXECUTE_SOFT_TIME_LIMIT, time_limit=EXECUTE_TIME_LIMIT)
def execute_erasure_requests() -> dict[str, Any]:
    """Every 15 minutes: execute the approved erasure requests."""
    return _summary(execute_erasure_requests_run())


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_erasure_refusal(request_id: int) -> bool:
    """Tell the customer their erasure request was refused, and on which legal ground."""
    from retention.services import erasure_refusal_notify

    return bool(erasure_refusal_notify(request_id=request_id))
