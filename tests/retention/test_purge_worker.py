"""A real Celery worker on a real Redis runs the daily purge, is killed (SIGKILL) part-way, and
a new worker completes it: no customer is ever half erased.

The test database is committed (transactional_db) so that the workers, other processes, see
what the test wrote. Both workers share a file cache (the lock); the killed one leaves its lock
behind, and its heartbeat, kept short here, lets the next run take over.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import signal
import time
import uuid
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from django.db import connection

from config.celery_app import app as celery_app
from customers import services
from customers.models import Customer, Order
from retention.jobs import TASK_PURGE_EXPIRED
from retention.models import ErasureReceipt, PurgeRun
from retention.tasks import purge_expired
from tests.factories import CustomerFactory
from tests.helpers_processes import (
    Process,
    celery_broker,
    clean_env,
    database_url,
    running,
    start_worker,
    wait_for,
    wait_for_log,
)

pytestmark = [pytest.mark.server, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 200
BATCH_SIZE = 10
HEARTBEAT_SECONDS = 2
WORKER_START_TIMEOUT = 60
TASK_TIMEOUT = 60
LAST_SEEN = datetime.datetime(2021, 3, 1, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def _default_rules() -> None:
    """The default rules as their migration makes them: a transactional test that ran before
    this one (a browser test, another worker test) flushed the tables migrations filled."""
    from django.apps import apps

    migration = importlib.import_module("retention.migrations.0002_default_rules")
    migration.create_rules(apps, None)


def _kill(process: Process) -> None:
    """Like a power cut: no warm shutdown, no `finally`, the message never acknowledged."""
    os.killpg(process.popen.pid, signal.SIGKILL)
    process.popen.wait(timeout=10)


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


def _states(customers: dict[int, dict[str, str]]) -> list[str]:
    """Each customer "erased" or "intact" (in a handful of queries); anything in between fails
    the test."""
    ids = list(customers)
    rows = {c.pk: c for c in Customer.objects.filter(pk__in=ids)}
    history: dict[int, list[object]] = defaultdict(list)
    for row in Customer.history.filter(id__in=ids):
        history[row.id].append(row)
    orders = {o.reference: o for o in Order.objects.filter(reference__startswith="W-")}
    order_history: dict[int, list[object]] = defaultdict(list)
    for row in Order.history.filter(id__in=[o.pk for o in orders.values()]):
        order_history[row.id].append(row)
    receipts = set(ErasureReceipt.objects.values_list("customer_id", flat=True))
    states = []
    for customer_id, original in customers.items():
        customer = rows[customer_id]
        order = orders[original["order"]]
        if customer.status == Customer.Status.ERASED:
            assert customer_id in receipts, f"customer #{customer_id} erased without a receipt"
            for row in [customer, *history[customer_id]]:
                assert original["full_name"] not in row.full_name, customer_id
                assert (row.phone, row.email, row.address) == ("", "", ""), customer_id
            for row in [order, *order_history[order.pk]]:
                assert row.customer_id is None, customer_id
                assert (row.recipient_name, row.delivery_phone, row.delivery_address) == (
                    "",
                    "",
                    "",
                ), customer_id
            assert order.total_vnd == 450_000
            states.append("erased")
            continue
        assert customer.status == Customer.Status.ACTIVE, customer_id
        assert customer_id not in receipts, f"customer #{customer_id}: a receipt, not erased"
        assert (customer.full_name, customer.phone) == (original["full_name"], original["phone"])
        assert all(row.phone == original["phone"] for row in history[customer_id])
        assert order.customer_id == customer_id
        assert all(
            row.recipient_name == original["full_name"] for row in [order, *order_history[order.pk]]
        )
        states.append("intact")
    return states


def test_a_worker_killed_mid_purge_leaves_no_half_erased_customer(
    require_redis: str, tmp_path: Path
) -> None:
    customers: dict[int, dict[str, str]] = {}
    for _ in range(CUSTOMERS):
        customer = CustomerFactory()
        customers[customer.pk] = {"full_name": customer.full_name, "phone": customer.phone}
    for n, customer_id in enumerate(customers):
        original = customers[customer_id]
        original["order"] = f"W-{n:04d}"
        services.order_create(
            customer=Customer.objects.get(pk=customer_id),
            reference=original["order"],
            total_vnd=450_000,
            recipient_name=original["full_name"],
            delivery_phone=original["phone"],
            delivery_address="12 Lê Lợi, Phường Bến Thành, TP. Hồ Chí Minh",
        )
    # Last seen in 2021: the default rule (36 months) reaches them all. Their orders are recent:
    # the erasure strips them, the accounting rule does not touch them.
    Customer.objects.update(last_activity_at=LAST_SEEN)

    queue = f"pdpdesk-test-{uuid.uuid4().hex[:12]}"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=require_redis,
        PDPDESK_VAR_DIR=str(tmp_path / "var"),
        TEST_CACHE_URL=f"filecache://{tmp_path / 'cache'}",
        RETENTION_PURGE_BATCH_SIZE=str(BATCH_SIZE),
        RETENTION_LOCK_HEARTBEAT_SECONDS=str(HEARTBEAT_SECONDS),
    )
    first = start_worker("worker-1", queue=queue, env=env, log_dir=tmp_path)
    try:
        with running([first]), celery_broker(celery_app, require_redis, task_default_queue=queue):
            wait_for_log(first, " ready.", timeout=WORKER_START_TIMEOUT)
            purge_expired.delay()
            wait_for(
                lambda: ErasureReceipt.objects.exists(),
                timeout=TASK_TIMEOUT,
                what="the first erasures",
                processes=[first],
                interval=0.01,
            )
            _kill(first)
        # A commit the worker sent just before it died may still be landing.
        time.sleep(1)
        erased_at_kill = ErasureReceipt.objects.count()
        assert 0 < erased_at_kill < CUSTOMERS, "the worker was not killed part-way"
        states = _states(customers)
        assert states.count("erased") == erased_at_kill
        assert states.count("intact") == CUSTOMERS - erased_at_kill
        [killed_run] = PurgeRun.objects.filter(task=TASK_PURGE_EXPIRED)
        assert killed_run.status == PurgeRun.Status.RUNNING

        # The killed worker's lock is still in the cache; its heartbeat runs out.
        time.sleep(HEARTBEAT_SECONDS + 1)
        second = start_worker("worker-2", queue=queue, env=env, log_dir=tmp_path)
        with (
            running([second]),
            celery_broker(celery_app, require_redis, task_default_queue=queue),
        ):
            wait_for_log(second, " ready.", timeout=WORKER_START_TIMEOUT)
            purge_expired.delay()
            wait_for(
                lambda: PurgeRun.objects.filter(status=PurgeRun.Status.FINISHED).first(),
                timeout=TASK_TIMEOUT,
                what="the second run to finish",
                processes=[second],
            )
            assert "taken over" in second.log()
    finally:
        _drop_queue(require_redis, queue)

    states = _states(customers)
    assert states == ["erased"] * CUSTOMERS
    assert ErasureReceipt.objects.count() == CUSTOMERS
    killed_run.refresh_from_db()
    assert killed_run.status == PurgeRun.Status.FAILED
    rerun = PurgeRun.objects.get(status=PurgeRun.Status.FINISHED)
    assert rerun.customers_erased == CUSTOMERS - erased_at_kill
    assert ErasureReceipt.objects.filter(run=rerun).count() == CUSTOMERS - erased_at_kill
