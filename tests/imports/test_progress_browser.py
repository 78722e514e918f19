"""An import's progress in a real browser: Debian's Chromium (as tests/complaints/test_browser.py
starts it) on the live test server, a real Celery worker on Redis importing the file. The job's
page polls its JSON from our static script (pdpdesk/progress.js), the bar moves to the end, and
the page then shows the result."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Error as PlaywrightError

from config.celery_app import app as celery_app
from customers.models import Customer
from imports import services
from imports.models import ImportJob, Kind
from tests.complaints.test_browser import browser  # noqa: F401  # the Chromium fixture
from tests.factories import role_member
from tests.helpers_processes import (
    celery_broker,
    clean_env,
    database_url,
    running,
    start,
    wait_for_log,
    worker_command,
)
from tests.imports.conftest import csv_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROWS = services.CUSTOMER_BATCH_ROWS * 2 + 500  # three batches: three steps of the bar


def test_the_import_page_shows_its_bar_advancing_to_done_with_the_result(
    browser: Any,  # noqa: F811  # the fixture imported above
    live_server: Any,
    require_redis: str,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "var" / "test-media"  # where the worker looks too
    cskh = role_member("customer_care", "cskh-tien-do")
    lines = ["Mã KH;Họ và tên;Điện thoại"] + [
        f"KH{n:05d};Khách hàng Số {n};0912 {n:06d}" for n in range(ROWS)
    ]
    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file("\n".join(lines) + "\n")
    )
    client = Client()
    client.force_login(cskh)
    context = browser.new_context(locale="vi-VN")
    context.set_default_timeout(20_000)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
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
    seen: list[int] = []
    try:
        with running([worker]):
            wait_for_log(worker, " ready.", timeout=60)
            with celery_broker(celery_app, require_redis, task_default_queue=queue):
                page.goto(
                    live_server.url + reverse("admin:imports_importjob_change", args=[job.pk])
                )
                page.click("input[name=_import]")
                page.wait_for_selector("progress[data-running]")
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    try:
                        value, still_running = page.eval_on_selector(
                            "progress", "bar => [bar.value, bar.hasAttribute('data-running')]"
                        )
                    except PlaywrightError:  # the page is reloading
                        page.wait_for_timeout(100)
                        continue
                    seen.append(int(value))
                    if not still_running:
                        break  # the page reloaded on the job's end
                    page.wait_for_timeout(100)
                final = page.inner_text(".import-module")
    finally:
        context.close()
        broker = redis.Redis.from_url(require_redis)
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        broker.close()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert Customer.objects.count() == ROWS
    # The script polled the JSON (no inline script: the page loads it from our static files).
    progress_url = reverse("admin:imports_importjob_progress", args=[job.pk])
    assert any(url.endswith(progress_url) for url in fetched)
    assert any(url.endswith("/pdpdesk/progress.js") for url in fetched)
    # The bar started short of the end and only moved forward, to the end.
    assert seen[0] < ROWS and seen[-1] == ROWS and seen == sorted(seen)
    with translation.override("vi"):
        done_label = str(ImportJob.Status.DONE.label)
    assert done_label in final
    total = f"{ROWS:,}".replace(",", ".")  # Vietnamese thousands
    assert f"{total} / {total}" in final  # "Đã đọc 2.500 / 2.500 dòng"
    assert str(ROWS) in final  # the result: created 2500
