"""A real Celery worker on a real Redis tells the customers affected by a breach, is killed
(SIGKILL) half-way, and a second worker resumes: every customer with an email gets exactly one
email, no one is missed, and the database records each email sent.

Each customer is told in a transaction of its own: the row locked, the email sent, the time
recorded, committed. The one window in which a kill could cause a second email is between the
email leaving and that commit: a worker dying there leaves the customer unrecorded, and the
resumed run emails them again. That window is real (the service's docstring says so) and this
test does not pretend otherwise; it makes the kill land outside it, deterministically: the
worker is frozen (SIGSTOP), and killed only when the emails written equal the rows recorded
(no email in flight); otherwise it runs on (SIGCONT) and is frozen again a moment later.

The test database is committed (transactional_db) so that the workers, other processes, see
what the test wrote. Both workers share a file cache (the lock); the killed one leaves its lock
behind, and its heartbeat, kept short here, lets the next run take over.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from complaints import incidents
from complaints.models import Incident, IncidentCustomer
from complaints.tasks import notify_incident_customers
from config.celery_app import app as celery_app
from customers import roles
from customers.models import Customer
from tests.factories import CustomerFactory, role_member
from tests.helpers_processes import (
    Process,
    celery_broker,
    clean_env,
    database_url,
    plain_body,
    read_mail_dir,
    running,
    start_worker,
    wait_for,
    wait_for_log,
)

pytestmark = [pytest.mark.server, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 300
WITHOUT_EMAIL = 5
BATCH_SIZE = 10
HEARTBEAT_SECONDS = 2
WORKER_START_TIMEOUT = 60
TASK_TIMEOUT = 120
TEXT = "Kính gửi {name},\nmáy chủ web của chúng tôi bị tấn công; dữ liệu của quý khách bị lộ."


def _drop_queue(url: str, queue: str) -> None:
    """This test's queue and the unacknowledged message the killed worker left in Redis."""
    client = redis.Redis.from_url(url)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, payload in client.hgetall("unacked").items():
        try:
            routing_key = json.loads(payload)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.close()


def _told(incident: Incident) -> int:
    return IncidentCustomer.objects.filter(incident=incident, notified_at__isnull=False).count()


def _kill_between_customers(process: Process, incident: Incident, mail_dir: Path) -> int:
    """SIGKILL the worker at a moment when no email is in flight; how many were told then."""
    pgid = process.popen.pid
    for _attempt in range(500):
        os.killpg(pgid, signal.SIGSTOP)
        told = _told(incident)
        if told == len(read_mail_dir(mail_dir)):
            os.killpg(pgid, signal.SIGKILL)  # a stopped process dies too
            process.popen.wait(timeout=10)
            return told
        os.killpg(pgid, signal.SIGCONT)  # frozen between an email and its commit: go on
        time.sleep(0.003)
    raise AssertionError("the worker was never between two customers")


def test_a_worker_killed_half_way_resumes_without_telling_anyone_twice(
    require_redis: str, tmp_path: Path
) -> None:
    # Created here: a transactional test that ran before flushed the role groups (group_for
    # brings them back).
    dpo = role_member(roles.LEGAL_COMPLIANCE, "phap-che-worker")
    customers = [CustomerFactory() for _ in range(CUSTOMERS - WITHOUT_EMAIL)]
    customers += [CustomerFactory(email="") for _ in range(WITHOUT_EMAIL)]
    incident = incidents.incident_create(
        actor=dpo,
        title="Máy chủ web bị tấn công",
        description="Bảng khách hàng bị sao chép.",
    )
    affected = incidents.incident_select_customers(
        incident=incident, actor=dpo, selection={"kind": "all"}
    )
    assert affected == CUSTOMERS
    by_email = {c.email: c for c in customers if c.email}

    queue = f"pdpdesk-test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=require_redis,
        PDPDESK_VAR_DIR=str(tmp_path / "var"),
        TEST_CACHE_URL=f"filecache://{tmp_path / 'cache'}",
        TEST_EMAIL_URL=f"filemail:///{mail_dir}",
        INCIDENT_NOTIFY_BATCH_SIZE=str(BATCH_SIZE),
        RETENTION_LOCK_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
    )
    first = start_worker("worker-1", queue=queue, env=env, log_dir=tmp_path)
    try:
        with running([first]), celery_broker(celery_app, require_redis, task_default_queue=queue):
            wait_for_log(first, " ready.", timeout=WORKER_START_TIMEOUT)
            # The service queues the task once its transaction commits.
            incidents.incident_start_notifying(
                incident=incident, actor=dpo, subject="Thông báo sự cố dữ liệu", text=TEXT
            )
            wait_for(
                lambda: _told(incident) > 0,
                timeout=TASK_TIMEOUT,
                what="the first customers told",
                processes=[first],
                interval=0.005,
            )
            told_at_kill = _kill_between_customers(first, incident, mail_dir)
        emailable = CUSTOMERS - WITHOUT_EMAIL
        assert 0 < told_at_kill < emailable, "the worker was not killed half-way"
        assert len(read_mail_dir(mail_dir)) == told_at_kill
        assert Incident.objects.get(pk=incident.pk).notifying_finished_at is None

        # The killed worker's lock is still in the cache; its heartbeat runs out.
        time.sleep(HEARTBEAT_SECONDS + 1)
        second = start_worker("worker-2", queue=queue, env=env, log_dir=tmp_path)
        with (
            running([second]),
            celery_broker(celery_app, require_redis, task_default_queue=queue),
        ):
            wait_for_log(second, " ready.", timeout=WORKER_START_TIMEOUT)
            notify_incident_customers.delay(incident.pk)
            wait_for(
                lambda: Incident.objects.filter(
                    pk=incident.pk, notifying_finished_at__isnull=False
                ).exists(),
                timeout=TASK_TIMEOUT,
                what="the resumed run to finish",
                processes=[second],
            )
            assert "taken over" in second.log()
    finally:
        _drop_queue(require_redis, queue)

    messages = read_mail_dir(mail_dir)
    per_address = collections.Counter(str(m["To"]) for m in messages)
    assert set(per_address) == set(by_email), "someone was missed, or a stranger emailed"
    assert [a for a, n in per_address.items() if n != 1] == [], "someone was told twice"
    for message in messages:
        customer = by_email[str(message["To"])]
        assert plain_body(message).strip() == TEXT.replace("{name}", customer.full_name)

    rows = IncidentCustomer.objects.filter(incident=incident).select_related("customer")
    emailed = {r.customer.email for r in rows if r.notified_at is not None}
    assert emailed == set(per_address)
    assert all(
        r.channel == IncidentCustomer.Channel.EMAIL for r in rows if r.notified_at is not None
    )
    assert {r.customer_id for r in incidents.phone_list(incident)} == {
        c.pk for c in customers if not c.email
    }
    assert Customer.objects.count() == CUSTOMERS
