"""Webhooks delivered by a real Celery worker on a real Redis to a real HTTP receiver on
127.0.0.1 that checks each signature: a receiver that fails twice gets each event once, in
order (the retries come from the every-minute task, sent here as beat would, with the test
worker's short backoff)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection

from api import webhooks
from api.models import WebhookDelivery
from config.celery_app import app as celery_app
from customers import services
from customers.models import Channel, PolicyVersion, Purpose
from tests.api.test_webhooks import Receiver, receiver  # noqa: F401  # the receiver fixture
from tests.factories import CustomerFactory, PurposeFactory
from tests.helpers_processes import (
    celery_broker,
    clean_env,
    database_url,
    running,
    start,
    wait_for,
    wait_for_log,
    worker_command,
)

pytestmark = [pytest.mark.server, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_worker_delivers_each_event_once_and_in_order_to_a_receiver_that_fails_twice(
    require_redis: str,
    receiver: Receiver,  # noqa: F811  # the fixture imported above
    superuser: Any,
    policy: PolicyVersion,
    marketing: Purpose,
    tmp_path: Path,
) -> None:
    endpoint = webhooks.webhook_endpoint_create(
        name="Shop CRM", url=receiver.url, events=["consent.granted"], actor=superuser
    )
    receiver.secret = endpoint.secret
    receiver.fail = 2
    news = PurposeFactory(code="news", legal_basis=Purpose.LegalBasis.CONSENT)
    customer = CustomerFactory.create(external_id="shop-88")

    queue = f"pdpdesk-test-{uuid.uuid4().hex[:12]}"
    worker = start(
        "worker",
        worker_command(queue),
        env=clean_env(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url(connection.settings_dict),
            CELERY_BROKER_URL=require_redis,
            TEST_WEBHOOK_RETRY_SECONDS="1",
            PDPDESK_VAR_DIR=str(tmp_path / "var"),
        ),
        log_dir=tmp_path,
    )
    try:
        with running([worker]):
            wait_for_log(worker, " ready.", timeout=60)
            with celery_broker(celery_app, require_redis, task_default_queue=queue):
                for purpose in (marketing, news):  # two events, in this order
                    services.consent_grant(
                        customer=customer,
                        purpose=purpose,
                        channel=Channel.PHONE,
                        form_reference=f"CALL-{purpose.code}",
                    )

                def all_delivered() -> bool:
                    if len(receiver.accepted) >= 2:
                        return True
                    # What beat sends every minute: the retries that are due.
                    celery_app.send_task("api.tasks.webhook_deliver_due", queue=queue)
                    time.sleep(1)
                    return False

                wait_for(all_delivered, timeout=90, what="two deliveries", processes=[worker])
                time.sleep(2)  # a duplicate would arrive now
    finally:
        client = redis.Redis.from_url(require_redis)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()

    assert receiver.bad_signatures == 0
    assert receiver.calls == 4  # two failures, then each event once
    assert [call["data"]["purpose_code"] for call in receiver.accepted] == [marketing.code, "news"]
    assert all(call["data"]["shop_id"] == "shop-88" for call in receiver.accepted)
    deliveries = WebhookDelivery.objects.order_by("id")
    assert [d.status for d in deliveries] == [WebhookDelivery.Status.DELIVERED] * 2
    assert [d.attempts for d in deliveries] == [3, 1]
    assert "api.tasks.webhook_deliver_created" in worker.log()
