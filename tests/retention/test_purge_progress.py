"""A purge run started from the admin: those who keep the retention rules press the button, a
worker does the run (eagerly here) and the run's page follows it with a progress bar fed by a
small JSON (counts only, for staff who may read the runs)."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from config.celery_app import app as celery_app
from customers.models import Customer
from retention.models import PurgeRun
from tests.factories import CustomerFactory, role_member

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(autouse=True)
def _eager(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()  # the jobs' locks
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def _inactive_customers(count: int) -> list[Customer]:
    """Last seen more than the inactive-customers rule's 36 months ago: due now."""
    long_ago = timezone_now() - datetime.timedelta(days=5 * 365)
    customers = []
    for n in range(count):
        with time_machine.travel(long_ago + datetime.timedelta(days=n), tick=False):
            customers.append(CustomerFactory(full_name=f"Vũ Thị Lan {n}"))
    return customers


def timezone_now() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now()


def test_a_purge_started_from_the_admin_shows_its_progress_to_the_end(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RETENTION_PURGE_BATCH_SIZE = 2  # three batches, three steps of the bar
    customers = _inactive_customers(5)
    client = signed_in(role_member("legal_compliance", "phap-che-don"))
    changelist = client.get(reverse("admin:retention_purgerun_changelist")).content.decode()
    assert reverse("admin:retention_purgerun_run") in changelist  # the button
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:retention_purgerun_run"))
    run = PurgeRun.objects.get()
    assert response["Location"] == reverse("admin:retention_purgerun_change", args=[run.pk])
    assert run.trigger == PurgeRun.Trigger.STAFF
    assert run.status == PurgeRun.Status.FINISHED
    assert (run.total, run.done, run.customers_erased) == (5, 5, 5)
    assert all(Customer.objects.get(pk=c.pk).status == Customer.Status.ERASED for c in customers)

    progress = client.get(reverse("admin:retention_purgerun_progress", args=[run.pk]))
    state = progress.json()
    assert (state["done"], state["total"], state["failed"]) == (5, 5, 0)
    assert state["finished"] is True and state["percent"] == 100
    assert "Vũ" not in progress.content.decode() and "@" not in progress.content.decode()
    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and "progress.js" not in page  # finished: nothing polls


def test_a_running_purge_page_polls_its_json_from_our_static_script() -> None:
    legal = role_member("legal_compliance", "phap-che-cho")
    run = PurgeRun.objects.create(
        trigger=PurgeRun.Trigger.STAFF, task="retention.tasks.purge_expired", total=40, done=10
    )
    client = signed_in(legal)
    page = client.get(reverse("admin:retention_purgerun_change", args=[run.pk])).content.decode()
    assert 'src="/static/pdpdesk/progress.js"' in page and "<noscript><meta" in page
    assert 'value="10"' in page and 'max="40"' in page
    state = client.get(reverse("admin:retention_purgerun_progress", args=[run.pk])).json()
    assert (state["done"], state["total"], state["percent"], state["finished"]) == (
        10,
        40,
        25,
        False,
    )


def test_staff_who_do_not_keep_the_rules_may_not_run_it_nor_others_read_its_progress(
    django_capture_on_commit_callbacks: Any,
) -> None:
    administrator = signed_in(role_member("administrator", "quan-tri-chay"))
    changelist = administrator.get(reverse("admin:retention_purgerun_changelist"))
    assert reverse("admin:retention_purgerun_run") not in changelist.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        refused = administrator.post(reverse("admin:retention_purgerun_run"), follow=True)
    assert refused.status_code == 200 and not PurgeRun.objects.exists()
    run = PurgeRun.objects.create(
        trigger=PurgeRun.Trigger.SCHEDULE, task="retention.tasks.purge_expired"
    )
    care = signed_in(role_member("customer_care", "cskh-chay"))
    assert care.get(reverse("admin:retention_purgerun_progress", args=[run.pk])).status_code == 403
