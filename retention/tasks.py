"""Celery tasks of retention/: scheduled by django-celery-beat (migration 0003), they take ids
or nothing, and call the services.

Each scheduled job takes a lock (customers.kernel.locks) so that two runs never overlap, and
writes one PurgeRun. A run that finds the lock held does nothing, writes no PurgeRun, and says so
in the worker's log and in its result. acks_late: a worker lost mid-run leaves the message to be
delivered again; the work is idempotent (what was erased drops out of the plan) and the lock's
heartbeat lets the next run take over from a dead one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from customers.kernel.locks import JobLock, job_lock
from retention.models import PurgeRun
from retention.purge import purge_execute

logger = logging.getLogger(__name__)

JOB_EXECUTE_REQUESTS = "execute_erasure_requests"
TASK_PURGE_EXPIRED = "retention.tasks.purge_expired"
TASK_EXECUTE_REQUESTS = "retention.tasks.execute_erasure_requests"

# Daily purge: stopped well before the broker redelivers an unacknowledged message (Redis'
# visibility_timeout, 1 hour by default), so the same message never runs twice at once.
PURGE_SOFT_TIME_LIMIT = 45 * 60
PURGE_TIME_LIMIT = 50 * 60
# Every 15 minutes: a run ends before the next one is due.
EXECUTE_SOFT_TIME_LIMIT = 12 * 60
EXECUTE_TIME_LIMIT = 14 * 60
# The lock outlives the hard limit: a run killed without its `finally` never blocks for good.
LOCK_MARGIN = 5 * 60


def batch_size() -> int:
    return int(getattr(settings, "RETENTION_PURGE_BATCH_SIZE", 500))


def _close_orphaned_runs(task: str) -> None:
    """Runs of this task still "running" while we hold its lock were killed: say so."""
    for run in PurgeRun.objects.filter(task=task, status=PurgeRun.Status.RUNNING):
        run.status = PurgeRun.Status.FAILED
        run.finished_at = timezone.now()
        run.errors = [*run.errors, {"error": "interrupted"}]
        run.save(update_fields=["status", "finished_at", "errors"])
        logger.warning("%s: run %s was interrupted (its worker stopped)", task, run.pk)


def run_locked(
    *,
    task: str,
    trigger: str,
    lock_timeout: int,
    work: Callable[[PurgeRun, JobLock], Any],
) -> PurgeRun | None:
    """Run `work(run, lock)` under the task's lock with a PurgeRun of its own (running →
    finished or failed). None, and nothing written, when another run holds the lock."""
    name = task.rsplit(".", 1)[-1]
    with job_lock(name, timeout=lock_timeout) as lock:
        if lock is None:
            logger.warning("%s skipped: another run holds its lock", name)
            return None
        _close_orphaned_runs(task)
        run = PurgeRun.objects.create(trigger=trigger, task=task, status=PurgeRun.Status.RUNNING)
        try:
            work(run, lock)
        except BaseException as error:
            run.status = PurgeRun.Status.FAILED
            run.errors.append({"error": type(error).__name__})
            run.finished_at = timezone.now()
            run.save()
            raise
        run.status = PurgeRun.Status.FINISHED
        run.finished_at = timezone.now()
        run.save()
        logger.info(
            "%s finished: run %s, %d customers erased, %d held back, %d errors",
            name,
            run.pk,
            run.customers_erased,
            run.customers_held,
            len(run.errors),
        )
        return run


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


def purge_expired_run(*, trigger: str = PurgeRun.Trigger.SCHEDULE) -> PurgeRun | None:
    """The daily purge: what the retention rules say must go now (retention.purge)."""

    def work(run: PurgeRun, lock: JobLock) -> None:
        purge_execute(run=run, now=timezone.now(), batch_size=batch_size(), on_batch=lock.beat)

    return run_locked(
        task=TASK_PURGE_EXPIRED,
        trigger=trigger,
        lock_timeout=PURGE_TIME_LIMIT + LOCK_MARGIN,
        work=work,
    )


def requests_to_execute() -> Any:
    """Approved requests not executed yet whose customer is not held (retention.selectors)."""
    from retention.selectors import requests_due_for_execution

    return requests_due_for_execution()


def execute_erasure_requests_run(*, trigger: str = PurgeRun.Trigger.SCHEDULE) -> PurgeRun | None:
    """Erase the customer of each approved request; the erasure service marks it executed."""

    def work(run: PurgeRun, lock: JobLock) -> None:
        from retention.erasure import erase_customers

        last_id = 0
        size = batch_size()
        while True:
            batch = list(requests_to_execute().filter(pk__gt=last_id).order_by("pk")[:size])
            if not batch:
                return
            for request in batch:
                try:
                    outcome = erase_customers(
                        customer_ids=[request.customer_id],
                        request=request,
                        job=JOB_EXECUTE_REQUESTS,
                        run=run,
                    )
                except SoftTimeLimitExceeded:
                    raise
                except Exception as error:  # one request must not stop the others
                    logger.error(  # no traceback: it may quote personal data
                        "erasure request %s failed: %s", request.pk, type(error).__name__
                    )
                    run.errors.append({"request_id": request.pk, "error": type(error).__name__})
                else:
                    run.customers_erased += len(outcome.erased)
                    run.customers_held += len(outcome.held)
                    for label, number in outcome.counts.items():
                        run.counts[label] = int(run.counts.get(label, 0)) + int(number)
            run.save(update_fields=["counts", "customers_erased", "customers_held", "errors"])
            lock.beat()
            last_id = batch[-1].pk

    return run_locked(
        task=TASK_EXECUTE_REQUESTS,
        trigger=trigger,
        lock_timeout=EXECUTE_TIME_LIMIT + LOCK_MARGIN,
        work=work,
    )


@shared_task(acks_late=True, soft_time_limit=PURGE_SOFT_TIME_LIMIT, time_limit=PURGE_TIME_LIMIT)
def purge_expired() -> dict[str, Any]:
    """Daily (02:30, Asia/Ho_Chi_Minh): erase and anonymize what the retention rules reach."""
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
