"""With OUTBOX_PUBLISH_ON_COMMIT off (production), a request only records the tasks it owes and
the relay publishes them: the complaint's acknowledgement leaves when the relay runs, once,
however many relays run at once (customers/kernel/outbox.py)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction

from complaints.models import Complaint
from config.celery_app import app as celery_app
from customers.kernel import outbox
from customers.kernel.outbox import OutboxTask
from tests.factories import complaint_submit

ACKNOWLEDGE = "complaints.tasks.send_acknowledgement"


@pytest.fixture
def relay_mode(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.OUTBOX_PUBLISH_ON_COMMIT = False
    # The relay's tasks run in place (their emails land in mail.outbox).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


@pytest.mark.django_db
def test_the_request_records_and_the_relay_publishes(
    relay_mode: None, controller: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        complaint = complaint_submit(email="thu.trang@example.vn")
    assert callbacks == []  # nothing left for the commit to publish
    row = OutboxTask.objects.get(task=ACKNOWLEDGE, args=[complaint.pk])
    assert row.published_at is None and row.attempts == 0
    assert mail.outbox == []

    assert outbox.relay() == 1
    [acknowledgement] = mail.outbox
    assert acknowledgement.to == ["thu.trang@example.vn"]
    assert complaint.tracking_code in acknowledgement.subject
    row.refresh_from_db()
    assert row.published_at is not None and row.attempts == 1
    assert outbox.relay() == 0  # each row once
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_no_grace_without_publishing_on_commit(relay_mode: None, controller: Any) -> None:
    """The minute's deliver_outbox publishes a row the relay missed at once: no commit of its
    own is publishing it."""
    complaint = complaint_submit(email="thu.trang@example.vn")
    assert outbox.deliver_pending() == 1
    assert Complaint.objects.get(pk=complaint.pk).acknowledged_at is not None


@pytest.mark.django_db
def test_the_relay_publishes_in_batches(
    relay_mode: None, controller: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "BATCH", 2)
    for number in range(5):
        complaint_submit(email=f"khach{number}@example.vn")
    published = []
    publish = outbox._publish

    def counted(pending: Any) -> tuple[int, bool]:
        published.append(publish(pending)[0])
        return published[-1], True

    monkeypatch.setattr(outbox, "_publish", counted)
    assert outbox.relay() == 5
    assert published == [2, 2, 1]  # a transaction per batch, until one is not full
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"khach{number}@example.vn" for number in range(5)
    ]
    assert not OutboxTask.objects.filter(published_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_publish_each_row_once(
    relay_mode: None, controller: Any, require_postgres: None
) -> None:
    """A row another relay holds is skipped (SKIP LOCKED), not published twice nor waited for."""
    first = complaint_submit(email="an@example.vn")
    second = complaint_submit(email="binh@example.vn")
    held = threading.Event()
    release = threading.Event()

    def other_relay_holding_the_first() -> None:
        try:
            with transaction.atomic():
                list(OutboxTask.objects.select_for_update().filter(args=[first.pk]))
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=other_relay_holding_the_first)
    other.start()
    try:
        assert held.wait(timeout=30)
        assert outbox.relay() == 1  # the second only: the first is being published elsewhere
        assert [message.to for message in mail.outbox] == [["binh@example.vn"]]
    finally:
        release.set()
        other.join(timeout=30)
    assert outbox.relay() == 1  # the first, once its holder let go without publishing it
    assert sorted(message.to[0] for message in mail.outbox) == [
        "an@example.vn",
        "binh@example.vn",
    ]
    assert OutboxTask.objects.get(args=[second.pk]).attempts == 1
