"""The import pages as staff see them: upload, the columns, the dry run's rows with their line
numbers and errors, the progress, in Vietnamese and with a bounded number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from customers.models import Customer
from imports import services
from imports.models import ImportJob, Kind
from tests.factories import role_member
from tests.imports.conftest import csv_file, xlsx_file
from tests.imports.test_imports import CUSTOMERS_CSV
from tests.test_admin_vietnamese import english_in, shown_text

pytestmark = pytest.mark.django_db

ADMIN = "/" + settings.ADMIN_URL
ADD = f"{ADMIN}imports/importjob/add/"


@pytest.fixture
def client_cskh(cskh) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(cskh)
    return client


def page_text(response: Any) -> str:
    return shown_text(response.content.decode())


def assert_vietnamese(response: Any) -> None:
    assert english_in(page_text(response)) == []


def upload(client: Client, file: Any, kind: str = Kind.CUSTOMERS) -> Any:
    return client.post(ADD, {"kind": kind, "file": file})


def test_upload_then_dry_run_then_import(client_cskh, cskh, django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(12):
        form = client_cskh.get(ADD)
    assert form.status_code == 200
    assert "Nhập dữ liệu từ tệp" in form.content.decode()
    assert_vietnamese(form)

    response = upload(client_cskh, csv_file(CUSTOMERS_CSV, bom=True))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page_url = response["Location"]

    with django_assert_max_num_queries(12):
        page = client_cskh.get(page_url)
    text = page.content.decode()
    assert "Mã KH" in text and "Chạy thử" in text
    assert_vietnamese(page)

    fields = {f"column_{index}": field for index, field in enumerate(job.mapping)}
    response = client_cskh.post(page_url, {**fields, "_dry_run": "1"})
    assert response.status_code == 302
    assert Customer.objects.count() == 0
    with django_assert_max_num_queries(12):
        page = client_cskh.get(page_url)
    text = page_text(page)
    assert "chạy thử: không ghi gì" in text
    assert "Sẽ tạo mới" in text and "Sẽ bị từ chối" in text
    assert "Sẽ tạo mới 2, cập nhật 0, giữ nguyên 0." in text
    assert "Điện thoại" in text  # the refused row's column, by the file's header
    assert_vietnamese(page)
    refused = client_cskh.get(page_url + "?refused=1")
    assert "KH002" in page_text(refused) and "KH001" not in page_text(refused)

    response = client_cskh.post(page_url, {**fields, "_import": "1"})
    assert response.status_code == 302
    assert Customer.objects.filter(external_id__in=["KH001", "KH003"]).count() == 2
    page = client_cskh.get(page_url)
    text = page_text(page)
    assert "Đã tạo mới" in text and "Tệp đã được xóa sau khi nhập" in text
    assert_vietnamese(page)

    with django_assert_max_num_queries(10):
        listing = client_cskh.get(f"{ADMIN}imports/importjob/")
    assert listing.status_code == 200
    assert_vietnamese(listing)


def test_a_mapping_without_a_required_field_is_refused_on_the_page(client_cskh) -> None:
    response = upload(client_cskh, csv_file("Số,Tên khách\nKH1,An\n"))
    page_url = response["Location"]
    page = client_cskh.get(page_url)
    assert "Không nhận ra cột này" in page.content.decode()
    response = client_cskh.post(
        page_url, {"column_0": "", "column_1": "full_name", "_dry_run": "1"}
    )
    assert response.status_code == 200
    assert "Hãy chọn cột chứa: Mã số khách hàng." in response.content.decode()
    assert ImportJob.objects.get().status == ImportJob.Status.UPLOADED


def test_a_wrong_file_is_refused_at_the_file_field(client_cskh) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = upload(client_cskh, SimpleUploadedFile("a.csv", b"%PDF-1.4 x %%EOF"))
    assert response.status_code == 200
    assert "Tệp này không phải bảng tính" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_xlsx_file_is_read(client_cskh) -> None:
    response = upload(
        client_cskh,
        xlsx_file([["Mã KH", "Họ và tên", "SĐT"], ["KH9", "Phạm Thu Hoài", "0912 853 984"]]),
    )
    assert response.status_code == 302
    assert ImportJob.objects.get().mapping == ["shop_id", "full_name", "phone"]


def test_the_progress_of_a_large_file(client_cskh, cskh, django_assert_max_num_queries) -> None:
    lines = ["Mã KH,Họ tên,Điện thoại"] + [
        f"KH{n:05d},Khách {n},0912{n:06d}" for n in range(services.INLINE_ROWS + 1)
    ]
    page_url = upload(client_cskh, csv_file("\n".join(lines)))["Location"]
    job = ImportJob.objects.get()
    fields = {f"column_{index}": field for index, field in enumerate(job.mapping)}
    client_cskh.post(page_url, {**fields, "_import": "1"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    progress_url = f"{ADMIN}imports/importjob/{job.pk}/progress/"
    page = client_cskh.get(page_url)
    assert '<meta http-equiv="refresh"' in page.content.decode()
    assert "<progress" in page.content.decode()
    with django_assert_max_num_queries(6):
        progress = client_cskh.get(progress_url).json()
    assert progress["status"] == "queued" and progress["total"] == services.INLINE_ROWS + 1
    assert progress["status_label"] == "Đang chờ"

    from imports.tasks import run_import

    run_import(job.pk)
    progress = client_cskh.get(progress_url).json()
    assert progress["finished"] and progress["done"] == progress["total"]
    assert progress["percent"] == 100


@pytest.mark.parametrize("role", ["sales", "administrator"])
def test_other_roles_may_not_import(role) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(role_member(role))
    assert client.get(ADD).status_code == 403
    assert client.get(f"{ADMIN}imports/importjob/").status_code == 403


def test_an_unknown_job_is_not_found(client_cskh) -> None:
    assert client_cskh.get(f"{ADMIN}imports/importjob/abc/change/").status_code == 404
    assert client_cskh.get(f"{ADMIN}imports/importjob/99/change/").status_code == 404


def test_legal_compliance_may_import(db) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(role_member("legal_compliance"))
    assert client.get(ADD).status_code == 200
