"""A real Celery worker on a real Redis sends the acknowledgement of a complaint filed with an
email address (no eager mode): the customer gets the tracking code, the complaint is marked
acknowledged. The pattern of tests/test_celery_worker.py."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from complaints.models import Complaint, ComplaintEvent
from config.celery_app import app as celery_app
from customers.models import Controller
from tests.factories import complaint_submit
from tests.helpers_processes import (
    celery_broker,
    clean_env,
    database_url,
    plain_body,
    read_mail_dir,
    running,
    start,
    wait_for,
    wait_for_log,
    worker_command,
)

pytestmark = [pytest.mark.server, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WORKER_START_TIMEOUT = 60
TASK_TIMEOUT = 60


def test_a_worker_on_redis_acknowledges_a_complaint(
    require_redis: str, controller: Controller, tmp_path: Path
) -> None:
    queue = f"pdpdesk-test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    worker = start(
        "worker",
        worker_command(queue),
        env=clean_env(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url(connection.settings_dict),
            CELERY_BROKER_URL=require_redis,
            TEST_EMAIL_URL=f"filemail:///{mail_dir}",
            PDPDESK_VAR_DIR=str(tmp_path / "var"),
        ),
        log_dir=tmp_path,
    )
    try:
        with running([worker]):
            wait_for_log(worker, " ready.", timeout=WORKER_START_TIMEOUT)
            with celery_broker(celery_app, require_redis, task_default_queue=queue):
                # The service queues the task once its transaction commits.
                complaint = complaint_submit(
                    name="Lê Thị Thu Hà",
                    phone="0903 123 456",
                    email="thuha.le@example.vn",
                    kind=Complaint.Kind.USE_BEYOND_PURPOSE,
                )
                messages = wait_for(
                    lambda: read_mail_dir(mail_dir),
                    timeout=TASK_TIMEOUT,
                    what=f"the acknowledgement in {mail_dir}",
                    processes=[worker],
                )
                wait_for(
                    lambda: Complaint.objects.filter(
                        pk=complaint.pk, acknowledged_at__isnull=False
                    ).exists(),
                    timeout=TASK_TIMEOUT,
                    what="the complaint marked acknowledged",
                    processes=[worker],
                )
            assert "complaints.tasks.send_acknowledgement" in worker.log()
            assert "succeeded" in worker.log()
    finally:
        client = redis.Redis.from_url(require_redis)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()

    [acknowledgement] = messages
    assert acknowledgement["To"] == "thuha.le@example.vn"
    assert complaint.tracking_code in acknowledgement["Subject"]
    body = plain_body(acknowledgement)
    assert complaint.tracking_code in body
    assert "Lê Thị Thu Hà" in body
    assert controller.legal_name in body
    assert "/complaints/status/" in body
    complaint.refresh_from_db()
    assert complaint.acknowledged_at is not None
    assert complaint.events.filter(action=ComplaintEvent.Action.ACKNOWLEDGED).count() == 1
