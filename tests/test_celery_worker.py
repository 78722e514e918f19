"""A real Celery worker on a real Redis runs the project's tasks (no eager mode).

The test database is committed (transactional_db) so that the worker, another process opening the
same database, sees what the test wrote; the worker writes its emails to files the test reads.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import translation

from config.celery_app import app as celery_app
from customers import services
from customers.models import Channel, Controller, PolicyVersion, Purpose
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


def test_a_worker_on_redis_emails_the_consent_receipt(
    require_redis: str,
    controller: Controller,
    policy: PolicyVersion,
    marketing: Purpose,
    tmp_path: Path,
) -> None:
    notifications = services.purpose_save(
        purpose=Purpose(
            code="product-notifications",
            name_vi="Thông báo sản phẩm mới",
            name_en="Product notifications",
            legal_basis=Purpose.LegalBasis.CONSENT,
            data_items=["3.1", "3.7"],
        )
    )
    customer = services.customer_create(
        full_name="Lê Thị Thu Hà", email="thuha.le@example.vn", phone="0903 123 456"
    )
    for purpose in (marketing, notifications):
        services.consent_grant(
            customer=customer, purpose=purpose, channel=Channel.PHONE, form_reference="CALL-1"
        )

    # A queue of this run's own: a message left in Redis by another test or run is never
    # picked up here, and this worker takes nothing meant for others.
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
                # The service queues the task once the transaction commits (autocommit here).
                services.consent_receipt_request_email(customer=customer)
                messages = wait_for(
                    lambda: read_mail_dir(mail_dir),
                    timeout=TASK_TIMEOUT,
                    what=f"the consent receipt in {mail_dir}",
                    processes=[worker],
                )
            assert "customers.tasks.send_consent_receipt" in worker.log()
            assert "succeeded" in worker.log()
    finally:
        client = redis.Redis.from_url(require_redis)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()

    assert len(messages) == 1
    receipt = messages[0]
    assert receipt["To"] == "thuha.le@example.vn"
    with translation.override("vi"):
        assert (
            receipt["Subject"].strip() == f"Biên nhận sự đồng ý của bạn — {controller.short_name}"
        )
    body = plain_body(receipt)
    assert controller.legal_name in body
    assert "Lê Thị Thu Hà" in body
    assert "Gửi email tiếp thị" in body
    assert "Thông báo sản phẩm mới" in body
    assert policy.version in body
