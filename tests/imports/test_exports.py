"""Exports made in the background: the customers' CSV (the old export's columns and masking, a
batch at a time), its page and progress JSON, the download (permission, access log, file
name), the register's workbook, and the file's end (expiry purge, erasure)."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers import exports as customer_exports
from customers.models import AccessLog, Customer
from imports import exports
from imports.models import ExportJob, ExportKind
from imports.tasks import purge_export_files, run_export
from retention.erasure import customer_erase
from retention.models import ErasureReceipt
from tests.factories import CustomerFactory, role_member

pytestmark = pytest.mark.django_db

OFFICE_IP = "203.113.45.67"


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi", REMOTE_ADDR=OFFICE_IP)
    client.force_login(user)
    return client


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    text = content.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline="")))


def _content(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _ask(client: Client, customers: list[Customer]) -> Any:
    return client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [str(c.pk) for c in customers]},
    )


def _large(count: int) -> list[Customer]:
    return [
        CustomerFactory(full_name=f"Nguyễn Văn Khách {n}", phone=f"0912{n:06d}")
        for n in range(count)
    ]


def test_the_admin_action_makes_a_job_whose_file_is_the_old_exports(
    client: Client,
) -> None:
    dpo = role_member("legal_compliance", "dpo-xuat")
    customers = [
        CustomerFactory(full_name="Trần Thị Hoa", phone="0912345678", email="hoa@example.vn"),
        CustomerFactory(full_name="Hoàng Văn Nam"),
    ]
    web = _client(dpo)

    response = _ask(web, customers)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:imports_exportjob_change", args=[job.pk])
    assert (job.status, job.total, job.done, job.failed) == ("done", 2, 2, 0)
    assert job.arguments == {}  # the selection is spent
    page = web.get(response["Location"]).content.decode()
    assert str(job.get_status_display()) in page
    assert reverse("admin:imports_exportjob_download", args=[job.pk]) in page
    assert not AccessLog.objects.exists()  # nothing has left pdpdesk yet

    download = web.get(reverse("admin:imports_exportjob_download", args=[job.pk]))

    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert (
        f"khach-hang-{timezone.localdate():%Y-%m-%d}-{job.pk}.csv"
        in (download["Content-Disposition"])
    )
    rows = _rows(_content(download))
    logged = AccessLog.objects.all()
    assert sorted(logged.values_list("customer_id", "action", "ip_address")) == sorted(
        [(c.pk, "export", OFFICE_IP) for c in customers]
    )
    assert {entry.detail for entry in logged} == {
        customer_exports.export_log_detail(2, masked=False)
    }
    old = _rows(customer_exports.customer_export_csv(actor=dpo, customers=customers))
    assert rows == old  # the same header and cells as the export built in the request
    assert "Trần Thị Hoa" in {cell for row in rows for cell in row}


def test_sales_get_masked_values_in_the_file() -> None:
    sales = role_member("sales", "sales-xuat")
    hoa = CustomerFactory(full_name="Trần Thị Hoa", phone="0912345678", email="hoa@example.vn")
    web = _client(sales)

    _ask(web, [hoa])
    job = ExportJob.objects.get()
    download = web.get(reverse("admin:imports_exportjob_download", args=[job.pk]))

    _header, row = _rows(_content(download))
    assert "Trần Thị Hoa" not in row and "0912345678" not in " ".join(row)
    assert row == customer_exports.customer_export_row(
        hoa, customer_exports.customer_export_columns(), masked=True
    )
    assert AccessLog.objects.get().detail == customer_exports.export_log_detail(1, masked=True)


def test_a_large_export_goes_to_the_task_and_counts_advance_per_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "INLINE_ROWS", 5)
    monkeypatch.setattr(exports, "BATCH_ROWS", 4)
    dpo = role_member("legal_compliance", "dpo-lon")
    customers = _large(10)
    web = _client(dpo)

    page_url = _ask(web, customers)["Location"]
    job = ExportJob.objects.get()
    progress = reverse("admin:imports_exportjob_progress", args=[job.pk])
    before = web.get(progress).json()
    assert (before["status"], before["done"], before["total"]) == ("queued", 0, 10)
    assert before["finished"] is False
    page = web.get(page_url).content.decode()
    assert 'src="/static/pdpdesk/progress.js"' in page and "data-running" in page

    with CaptureQueriesContext(connection) as queries:
        run_export(job.pk)

    saves = [
        q["sql"] for q in queries if q["sql"].startswith('UPDATE "imports_exportjob" SET "done"')
    ]
    assert len(saves) == 3  # 10 rows in batches of 4: once per batch, not per row
    after = web.get(progress).json()
    assert (after["status"], after["done"], after["failed"], after["percent"]) == (
        "done",
        10,
        0,
        100,
    )
    assert after["finished"] is True
    assert "Khách" not in str(after)  # counts only, no one's name
    rows = _rows(_content(web.get(reverse("admin:imports_exportjob_download", args=[job.pk]))))
    assert len(rows) == 11
    assert AccessLog.objects.filter(action="export").count() == 10


def test_select_across_exports_what_the_search_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "INLINE_ROWS", 0)
    dpo = role_member("legal_compliance", "dpo-tim")
    wanted = [CustomerFactory(full_name=f"Lê Thị Mai {n}") for n in range(3)]
    CustomerFactory(full_name="Phạm Văn Đức")
    web = _client(dpo)

    web.post(
        reverse("admin:customers_customer_changelist") + "?q=Mai",
        {
            "action": "export_csv",
            "select_across": "1",
            ACTION_CHECKBOX_NAME: [str(wanted[0].pk)],
        },
    )
    job = ExportJob.objects.get()
    assert job.total == 3
    run_export(job.pk)
    rows = _rows(_content(web.get(reverse("admin:imports_exportjob_download", args=[job.pk]))))
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(c.pk for c in wanted)


def test_customer_care_may_neither_export_nor_download() -> None:
    dpo = role_member("legal_compliance", "dpo-cua")
    customer = CustomerFactory()
    _ask(_client(dpo), [customer])
    job = ExportJob.objects.get()
    care = role_member("customer_care", "cskh-xuat")
    care_web = _client(care)

    assert _ask(care_web, [customer]).status_code == 302  # the action is not offered
    assert ExportJob.objects.count() == 1
    # Another's job is not found; their own would be refused without the permission.
    assert care_web.get(reverse("admin:imports_exportjob_download", args=[job.pk])).status_code in (
        403,
        404,
    )
    ExportJob.objects.filter(pk=job.pk).update(created_by=care)
    assert (
        care_web.get(reverse("admin:imports_exportjob_download", args=[job.pk])).status_code == 403
    )
    assert not AccessLog.objects.exists()


def test_expired_files_are_purged_and_no_longer_downloaded(settings: Any) -> None:
    dpo = role_member("legal_compliance", "dpo-han")
    web = _client(dpo)
    _ask(web, [CustomerFactory()])
    job = ExportJob.objects.get()
    name = job.file.name
    storage = job.file.storage
    assert storage.exists(name)
    assert job.expires_at - job.finished_at == datetime.timedelta(hours=settings.EXPORT_FILE_HOURS)

    assert purge_export_files() == 0
    with time_machine.travel(job.expires_at + datetime.timedelta(minutes=1)):
        assert purge_export_files() == 1
        download = web.get(reverse("admin:imports_exportjob_download", args=[job.pk]))

    assert not storage.exists(name)
    job.refresh_from_db()
    assert not job.file
    assert download.status_code == 302  # back to the export's page, with a message
    assert not AccessLog.objects.exists()


def test_an_erasure_deletes_every_export_made_before_it() -> None:
    dpo = role_member("legal_compliance", "dpo-xoa")
    web = _client(dpo)
    hoa = CustomerFactory(full_name="Trần Thị Hoa")
    _ask(web, [hoa, CustomerFactory()])
    _ask(web, [CustomerFactory()])  # without her: it may hold her all the same, for all we know
    jobs = list(ExportJob.objects.order_by("pk"))
    names = [job.file.name for job in jobs]
    storage = jobs[0].file.storage
    assert all(storage.exists(name) for name in names)

    customer_erase(customer=hoa, actor=dpo)

    assert not any(storage.exists(name) for name in names)
    assert not any(ExportJob.objects.filter(pk__in=[j.pk for j in jobs]).exclude(file=""))
    receipt = ErasureReceipt.objects.get(customer=hoa)
    assert receipt.counts["imports.ExportJob"] == 2


def test_an_export_running_while_a_customer_is_erased_keeps_no_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "INLINE_ROWS", 0)
    dpo = role_member("legal_compliance", "dpo-chay")
    hoa = CustomerFactory(full_name="Trần Thị Hoa")
    _ask(_client(dpo), [hoa])
    job = ExportJob.objects.get()
    real_write = exports._write_customers

    def erase_meanwhile(job: ExportJob, output: Any) -> None:
        real_write(job, output)
        customer_erase(customer=hoa, actor=dpo)

    monkeypatch.setattr(exports, "_write_customers", erase_meanwhile)
    run_export(job.pk)

    job.refresh_from_db()
    assert job.status == "failed" and not job.file
    assert job.error


def test_the_register_workbook_is_made_by_a_job() -> None:
    from openpyxl import load_workbook

    dpo = role_member("legal_compliance", "dpo-so")
    web = _client(dpo)

    response = web.post(reverse("admin:dossiers_register_xlsx"))

    job = ExportJob.objects.get()
    assert job.kind == ExportKind.REGISTER_XLSX and job.status == "done"
    assert response["Location"] == reverse("admin:imports_exportjob_change", args=[job.pk])
    download = web.get(reverse("admin:imports_exportjob_download", args=[job.pk]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in download["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(_content(download)), read_only=True)
    assert workbook.sheetnames == ["Sổ đăng ký", "Lưu trữ"]
    # Customer care may not read the register: no job for them.
    care = _client(role_member("customer_care", "cskh-so"))
    assert care.post(reverse("admin:dossiers_register_xlsx")).status_code == 403
    assert ExportJob.objects.count() == 1
