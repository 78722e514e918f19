"""The JSON an import's page polls for its progress bar: its counts are the job's, staff
without the imports' permission are refused, and it carries no personal data."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from imports import services
from imports.models import ImportJob, Kind
from imports.tasks import run_import
from tests.factories import role_member
from tests.imports.conftest import csv_file

pytestmark = pytest.mark.django_db

ADMIN = "/" + settings.ADMIN_URL


def _large_job(cskh) -> ImportJob:
    """More rows than an import runs during the request; every tenth has a wrong phone."""
    lines = ["Mã KH;Họ và tên;Điện thoại"] + [
        f"KH{n:05d};Trần Thị Bích {n};{'0912 85' if n % 10 == 0 else f'0912 {n:06d}'}"
        for n in range(services.INLINE_ROWS + 50)
    ]
    return services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file("\n".join(lines) + "\n")
    )


def test_the_progress_json_counts_what_the_import_did_and_names_nobody(cskh) -> None:
    job = _large_job(cskh)
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(cskh)
    page_url = reverse("admin:imports_importjob_change", args=[job.pk])
    url = reverse("admin:imports_importjob_progress", args=[job.pk])
    assert (
        services.import_job_start(job=job, actor=cskh, mapping=job.mapping, dry_run=False) is False
    )
    page = client.get(page_url).content.decode()
    # The bar polls through our own static script; without scripts the page refreshes itself.
    assert 'src="/static/pdpdesk/progress.js"' in page and "<noscript><meta" in page
    assert "<script>" not in page  # no inline script
    before = client.get(url).json()
    assert (before["done"], before["total"], before["failed"]) == (0, 250, 0)
    assert before["finished"] is False

    run_import(job.pk)
    state = client.get(url)
    assert state["Content-Type"] == "application/json"
    progress = state.json()
    assert (progress["done"], progress["total"]) == (250, 250)
    assert (progress["failed"], progress["created"]) == (25, 225)
    assert progress["finished"] is True and progress["status"] == "done"
    assert progress["text"] == "Đã đọc 250 / 250 dòng, 25 dòng bị từ chối."
    body = state.content.decode()
    for personal in ("KH0", "Trần", "Bích", "0912", "+84"):
        assert personal not in body
    page = client.get(page_url).content.decode()
    assert "progress.js" not in page and "refresh" not in page  # finished: nothing polls


@pytest.mark.parametrize("role", ["sales", "administrator"])
def test_staff_without_the_imports_permission_get_403(cskh, role) -> None:
    job = _large_job(cskh)
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(role_member(role))
    url = reverse("admin:imports_importjob_progress", args=[job.pk])
    assert client.get(url).status_code == 403


def test_the_progress_json_is_for_signed_in_staff_only(cskh) -> None:
    job = _large_job(cskh)
    response = Client().get(reverse("admin:imports_importjob_progress", args=[job.pk]))
    assert response.status_code == 302 and ADMIN + "login/" in response["Location"]
