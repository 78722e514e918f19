"""The scheduled jobs of retention, as the services run them: each run under the job lock
(customers.kernel.locks) so that two never overlap, with one PurgeRun that says what it did,
in batches that keep the lock's heartbeat alive. retention/tasks.py only wraps them for Celery;
`manage.py purge` calls them directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.kernel.locks import JobLock, job_lock
from customers.kernel.writes import Actor, queue_after_commit, require_permission
from retention.models import (  # the names the jobs record runs under
    JOB_EXECUTE_REQUESTS,
    TASK_EXECUTE_REQUESTS,
    TASK_PURGE_EXPIRED,
    PurgeRun,
)
from retention.purge import purge_execute
from retention.selectors import requests_due_for_execution

logger = logging.getLogger(__name__)


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


def _close_orphaned_runs(task: str, *, keep: int | None = None) -> None:
    """Runs of this task still "running" while we hold its lock were killed: say so (all but
    `keep`, the run staff started, which waited for this worker)."""
    runs = PurgeRun.objects.filter(task=task, status=PurgeRun.Status.RUNNING)
    if keep is not None:
        runs = runs.exclude(pk=keep)
    for run in runs:
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
    run_id: int | None = None,
) -> PurgeRun | None:
    """Run `work(run, lock)` under the task's lock with a PurgeRun of its own (running →
    finished or failed), or with the one staff started (run_id, purge_start). None, and
    nothing written, when another run holds the lock (staff's run then says so)."""
    name = task.rsplit(".", 1)[-1]
    with job_lock(name, timeout=lock_timeout) as lock:
        if lock is None:
            logger.warning("%s skipped: another run holds its lock", name)
            if run_id is not None:
                PurgeRun.objects.filter(pk=run_id, status=PurgeRun.Status.RUNNING).update(
                    status=PurgeRun.Status.FAILED,
                    finished_at=timezone.now(),
                    errors=[{"error": "another run was under way"}],
                )
            return None
        _close_orphaned_runs(task, keep=run_id)
        run = None
        if run_id is not None:
            run = PurgeRun.objects.filter(pk=run_id, status=PurgeRun.Status.RUNNING).first()
        if run is None:
            run = PurgeRun.objects.create(
                trigger=trigger, task=task, status=PurgeRun.Status.RUNNING
            )
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


def purge_expired_run(
    *, trigger: str = PurgeRun.Trigger.SCHEDULE, run_id: int | None = None
) -> PurgeRun | None:
    """The daily purge: what the retention rules say must go now (retention.purge)."""

    def work(run: PurgeRun, lock: JobLock) -> None:
        purge_execute(run=run, now=timezone.now(), batch_size=batch_size(), on_batch=lock.beat)

    return run_locked(
        task=TASK_PURGE_EXPIRED,
        trigger=trigger,
        lock_timeout=PURGE_TIME_LIMIT + LOCK_MARGIN,
        work=work,
        run_id=run_id,
    )


# Who keeps the rules may run them now rather than at the night's schedule.
PERM_RUN_PURGE = "retention.change_retentionrule"


@transaction.atomic
def purge_start(*, actor: Actor) -> PurgeRun:
    """A purge run started by staff from the admin: its PurgeRun now (the page follows its
    progress), the work by a worker once this commits."""
    require_permission(
        actor, PERM_RUN_PURGE, _("Only those who keep the retention rules may run the purge.")
    )
    run = PurgeRun.objects.create(
        trigger=PurgeRun.Trigger.STAFF, task=TASK_PURGE_EXPIRED, status=PurgeRun.Status.RUNNING
    )
    queue_after_commit(TASK_PURGE_EXPIRED, run.pk)
    return run


def execute_erasure_requests_run(*, trigger: str = PurgeRun.Trigger.SCHEDULE) -> PurgeRun | None:
    """Erase the customer of each approved request; the erasure service marks it executed."""

    def work(run: PurgeRun, lock: JobLock) -> None:
        from retention.erasure import erase_customers

        last_id = 0
        size = batch_size()
        while True:
            batch = list(requests_due_for_execution().filter(pk__gt=last_id).order_by("pk")[:size])
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
