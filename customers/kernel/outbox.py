"""Tasks that carry a legal duty are never lost (a transactional outbox).

The acknowledgement a customer is owed within 2 working days, a reply, a copy of their data,
a consent receipt, a breach notice, a refusal notice: each is recorded as an OutboxTask in the
same transaction as the write that owes it. Who takes it to the broker depends on
OUTBOX_PUBLISH_ON_COMMIT:

- on (one machine, the default): the request publishes it once its transaction commits; a
  broker that is down leaves the row to customers.tasks.deliver_outbox, every minute, which
  leaves alone the rows young enough (GRACE) for their own commit to be publishing them;
- off (production): the request only writes the row, and the relay
  (customers.tasks.relay_outbox, every OUTBOX_RELAY_SECONDS from beat) publishes what is
  pending in batches, at once: no broker round trip and no second transaction in the request.

Each row is published once by whoever holds it: rows are locked (SKIP LOCKED) while published
and marked in the same transaction; a process that dies between the publish and that commit
leaves the row to be published again, so the tasks are written to be run twice harmlessly.
What a row holds is the task's dotted name and its arguments — ids, never personal data.
"""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from customers import personal_data
from customers.kernel.writes import insert_one

logger = logging.getLogger(__name__)

# With OUTBOX_PUBLISH_ON_COMMIT, a row this young may still be published by its own
# transaction's on-commit: deliver_pending leaves it to that. Without, no row ever is: no grace.
GRACE = datetime.timedelta(seconds=60)
# Published rows are kept this long (what was sent, when), then deleted: they hold no data.
KEPT = datetime.timedelta(days=7)
# Rows locked and published per transaction.
BATCH = 200


@personal_data.declare(personal={}, non_personal=["task", "args", "last_error"])
class OutboxTask(models.Model):
    """A task owed by a committed write, until it reached the broker."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        app_label = "customers"
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(published_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.args}"


def enqueue(task: str, *args: Any) -> None:
    """Record ``task(*args)`` in the current transaction, for the broker once that commits."""
    if not settings.OUTBOX_PUBLISH_ON_COMMIT:
        insert_one(OutboxTask(task=task, args=list(args)), returning=False)
        return  # the relay publishes it
    row_id = insert_one(OutboxTask(task=task, args=list(args))).pk

    def publish_now() -> None:
        _publish(OutboxTask.objects.filter(pk=row_id))

    # robust: the write is committed; a broker that is down leaves the row to deliver_outbox.
    transaction.on_commit(publish_now, robust=True)


def _publish(pending: models.QuerySet[OutboxTask]) -> tuple[int, bool]:
    """Publish up to BATCH of these unpublished rows, in one transaction: how many were
    published, and whether the broker took every one it was given (False: it is down)."""
    with transaction.atomic():
        rows = list(
            pending.filter(published_at__isnull=True)
            .select_for_update(skip_locked=True)  # being published by another process
            .order_by("created_at", "pk")[:BATCH]
        )
        published: list[int] = []
        failed: Exception | None = None
        for row in rows:
            try:
                # Through the task object, not send_task: CELERY_TASK_ALWAYS_EAGER runs it here.
                import_string(row.task).delay(*row.args)
            except Exception as error:  # the broker is down: this row and the rest wait
                failed = error
                row.attempts += 1
                row.last_error = type(error).__name__[:200]
                row.save(update_fields=["attempts", "last_error"])
                logger.warning(
                    "task %s (outbox %s) not published: %s", row.task, row.pk, row.last_error
                )
                break
            published.append(row.pk)
        if published:
            OutboxTask.objects.filter(pk__in=published).update(
                published_at=timezone.now(), attempts=models.F("attempts") + 1
            )
    return len(published), failed is None


def relay(*, seconds: float = 20.0) -> int:
    """Publish every pending row, batch after batch, for at most ``seconds`` or until the broker
    refuses one; how many were published. The relay of OUTBOX_PUBLISH_ON_COMMIT off."""
    return _publish_all(OutboxTask.objects.all(), until=time.monotonic() + seconds)


def deliver_pending(*, now: datetime.datetime | None = None) -> int:
    """Publish what the broker missed; how many were published. Old published rows go."""
    now = now or timezone.now()
    grace = GRACE if settings.OUTBOX_PUBLISH_ON_COMMIT else datetime.timedelta(0)
    published = _publish_all(OutboxTask.objects.filter(created_at__lte=now - grace))
    OutboxTask.objects.filter(published_at__lt=now - KEPT).delete()
    return published


def _publish_all(pending: models.QuerySet[OutboxTask], *, until: float | None = None) -> int:
    """Batch after batch until one is not full, the broker refuses, or ``until`` (monotonic)."""
    total = 0
    while True:
        published, broker_up = _publish(pending)
        total += published
        if published < BATCH or not broker_up or (until is not None and time.monotonic() > until):
            return total
