"""Tasks that carry a legal duty are never lost (a transactional outbox).

The acknowledgement a customer is owed within 2 working days, a reply, a copy of their data,
a consent receipt, a breach notice, a refusal notice: each is recorded as an OutboxTask in the
same transaction as the write that owes it, and published to the broker once that transaction
commits. A broker that is down then leaves the row unpublished; customers.tasks.deliver_outbox,
every minute from beat, publishes it once the broker is back — each row once: the row is
locked while it is published and marked in the same transaction.

What a row holds is the task's dotted name and its arguments — ids, never personal data.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from customers import personal_data

logger = logging.getLogger(__name__)

# A row this young may still be published by its own transaction's on-commit: left to it.
GRACE = datetime.timedelta(seconds=60)
# Published rows are kept this long (what was sent, when), then deleted: they hold no data.
KEPT = datetime.timedelta(days=7)
# Rows published per run of deliver_outbox.
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
    """Record ``task(*args)`` in the current transaction; publish it once that commits."""
    row = OutboxTask.objects.create(task=task, args=list(args))
    row_id = row.pk

    def publish_now() -> None:
        _publish_one(row_id)

    # robust: the write is committed; a broker that is down leaves the row to deliver_outbox.
    transaction.on_commit(publish_now, robust=True)


def _publish_one(row_id: int) -> bool:
    """Publish the row if it is still unpublished; True once it is."""
    with transaction.atomic():
        row = (
            OutboxTask.objects.select_for_update(skip_locked=True)
            .filter(pk=row_id, published_at__isnull=True)
            .first()
        )
        if row is None:
            return False  # published already, or being published by another process
        try:
            # Through the task object, not send_task: CELERY_TASK_ALWAYS_EAGER runs it in place.
            import_string(row.task).delay(*row.args)
        except Exception as error:  # the broker is down: the row waits for the next run
            row.attempts += 1
            row.last_error = type(error).__name__[:200]
            row.save(update_fields=["attempts", "last_error"])
            logger.warning(
                "task %s (outbox %s) not published: %s", row.task, row.pk, row.last_error
            )
            return False
        row.attempts += 1
        row.published_at = timezone.now()
        row.save(update_fields=["attempts", "published_at"])
        return True


def deliver_pending(*, now: datetime.datetime | None = None) -> int:
    """Publish what the broker missed; how many were published. Old published rows go."""
    now = now or timezone.now()
    pending = list(
        OutboxTask.objects.filter(published_at__isnull=True, created_at__lte=now - GRACE)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    published = sum(_publish_one(row_id) for row_id in pending)
    OutboxTask.objects.filter(published_at__lt=now - KEPT).delete()
    return published
