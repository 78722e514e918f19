"""A task that carries a legal duty is not lost when the broker is down: the acknowledgement of a
complaint filed while Redis is stopped waits in the outbox, and is sent — once — by a real worker
after Redis is started again and deliver_outbox has run (customers/kernel/outbox.py)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from complaints.models import Complaint
from config.celery_app import app as celery_app
from customers.kernel import outbox
from customers.kernel.outbox import OutboxTask
from tests.conftest import require_service
from tests.factories import complaint_submit
from tests.helpers_processes import (
    celery_broker,
    clean_env,
    database_url,
    free_port,
    read_mail_dir,
    running,
    start,
    wait_for,
    wait_for_log,
    worker_command,
)

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

ACKNOWLEDGE = "complaints.tasks.send_acknowledgement"
TIMEOUT = 60


def test_an_acknowledgement_waits_for_a_broker_that_was_down(
    controller: Any, tmp_path: Path
) -> None:
    redis_server = shutil.which("redis-server")
    require_service("redis-server", redis_server is not None, "apt-get install redis-server")
    assert redis_server is not None
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    queue = f"pdpdesk-test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"

    with celery_broker(celery_app, url, task_default_queue=queue):
        # The broker is stopped: nothing listens on the port.
        complaint = complaint_submit(email="thu.trang@example.vn")
        row = OutboxTask.objects.get(task=ACKNOWLEDGE, args=[complaint.pk])
        assert row.published_at is None and row.attempts == 1 and row.last_error
        assert outbox.deliver_pending() == 0  # too young: its own commit may still publish it

        server = start(
            "redis",
            [redis_server, "--port", str(port), "--save", ""],
            env=clean_env(),
            log_dir=tmp_path,
        )
        worker_env = clean_env(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url(connection.settings_dict),
            CELERY_BROKER_URL=url,
            TEST_EMAIL_URL=f"filemail:///{mail_dir}",
            PDPDESK_VAR_DIR=str(tmp_path / "var"),
        )
        with running([server]):
            wait_for_log(server, "Ready to accept connections", timeout=TIMEOUT)
            worker = start(
                "worker",
                worker_command(queue),
                env=worker_env,
                log_dir=tmp_path,
            )
            with running([worker]):
                wait_for_log(worker, " ready.", timeout=TIMEOUT)
                later = timezone.now() + outbox.GRACE
                assert outbox.deliver_pending(now=later) == 1
                assert outbox.deliver_pending(now=later) == 0  # each row once
                messages = wait_for(
                    lambda: read_mail_dir(mail_dir),
                    timeout=TIMEOUT,
                    what="the acknowledgement",
                    processes=[worker],
                )
                wait_for(
                    lambda: Complaint.objects.filter(
                        pk=complaint.pk, acknowledged_at__isnull=False
                    ).exists(),
                    timeout=TIMEOUT,
                    what="the complaint marked acknowledged",
                    processes=[worker],
                )

    [acknowledgement] = messages
    assert acknowledgement["To"] == "thu.trang@example.vn"
    assert complaint.tracking_code in acknowledgement["Subject"]
    assert OutboxTask.objects.get(pk=row.pk).published_at is not None
