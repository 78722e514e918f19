"""A large file is imported by a real Celery worker on a real Redis, its progress saved as it
goes (no eager mode: the worker is another process, reading the same database and file)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from config.celery_app import app as celery_app
from customers.models import Customer
from imports import services
from imports.models import ImportJob, Kind
from tests.factories import role_member
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
from tests.imports.conftest import csv_file

pytestmark = [pytest.mark.server, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_worker_imports_a_large_file_and_reports_progress(
    require_redis: str, tmp_path: Path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path / "var" / "test-media"  # where the worker looks
    cskh = role_member("customer_care", "cskh-worker")
    rows = services.INLINE_ROWS * 2 + 10
    lines = ["Mã KH;Họ và tên;Điện thoại"] + [
        f"KH{n:05d};Khách hàng Số {n};0912 {n:06d}" for n in range(rows)
    ]
    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file("\n".join(lines) + "\n")
    )
    queue = f"pdpdesk-test-{uuid.uuid4().hex[:12]}"
    worker = start(
        "worker",
        worker_command(queue),
        env=clean_env(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url(connection.settings_dict),
            CELERY_BROKER_URL=require_redis,
            PDPDESK_VAR_DIR=str(tmp_path / "var"),
        ),
        log_dir=tmp_path,
    )
    seen: set[int] = set()

    def finished() -> bool:
        current = ImportJob.objects.get(pk=job.pk)
        seen.add(current.done)
        return current.is_finished

    try:
        with running([worker]):
            wait_for_log(worker, " ready.", timeout=60)
            with celery_broker(celery_app, require_redis, task_default_queue=queue):
                ran_now = services.import_job_start(
                    job=job, actor=cskh, mapping=job.mapping, dry_run=False
                )
                assert ran_now is False
                wait_for(finished, timeout=120, what="the import's end", processes=[worker])
            assert "imports.tasks.run_import" in worker.log()
    finally:
        client = redis.Redis.from_url(require_redis)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert (job.done, job.created, job.failed) == (rows, rows, 0)
    assert max(seen) == rows
    assert Customer.objects.count() == rows
    assert Customer.history.filter(history_user=cskh).count() == rows
    assert not job.file  # deleted once imported
