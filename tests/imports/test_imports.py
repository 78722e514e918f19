"""Imports as staff use them: a dry run that writes nothing and says per line what would
happen, then the import through the services, attributed to the staff member."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from customers import services as customer_services
from customers.models import Consent, Customer, Order
from imports import services
from imports.models import ImportJob, ImportRow, Kind
from imports.tasks import purge_import_files, run_import
from tests.factories import role_member
from tests.imports.conftest import csv_file, xlsx_file

pytestmark = pytest.mark.django_db

CUSTOMERS_CSV = (
    "Mã KH,Họ tên,Điện thoại,Email,Địa chỉ,Mã số thuế\n"
    'KH001,Nguyễn Thị Hoa,0912 853 984,hoa@example.vn,"12 Lê Lợi, Mỹ Tho",\n'
    "KH002,Trần Văn Bảo,12345,,,\n"
    "KH003,Lê Minh Đức,0903 123 456,,,\n"
)


def run(job: ImportJob, actor: Any, *, dry_run: bool, mapping: list[str] | None = None) -> Any:
    inline = services.import_job_start(
        job=job, actor=actor, mapping=mapping or job.mapping, dry_run=dry_run
    )
    if inline:
        services.import_job_run(job_id=job.pk)
    else:
        run_import(job.pk)
    job.refresh_from_db()
    return job


def rows(job: ImportJob) -> list[tuple[int, str, str, list[dict[str, str]]]]:
    return [(r.line, r.result, r.key, r.errors) for r in job.rows.order_by("line")]


def test_the_header_is_read_the_vietnamese_way(cskh) -> None:
    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file(CUSTOMERS_CSV, bom=True)
    )
    assert job.columns == ["Mã KH", "Họ tên", "Điện thoại", "Email", "Địa chỉ", "Mã số thuế"]
    assert job.mapping == ["shop_id", "full_name", "phone", "email", "address", "tax_code"]
    assert job.total == 3
    assert job.file.name.endswith(".csv") and "khach-hang" not in job.file.name


def test_a_dry_run_says_per_line_what_would_happen_and_writes_nothing(cskh) -> None:
    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file(CUSTOMERS_CSV)
    )
    job = run(job, cskh, dry_run=True)
    assert job.status == ImportJob.Status.DONE
    assert (job.done, job.created, job.failed) == (3, 2, 1)
    found = rows(job)
    assert found[0][:3] == (2, "created", "KH001")
    assert found[1][:3] == (3, "refused", "KH002")
    assert found[1][3][0]["column"] == "Điện thoại"
    assert "số điện thoại" in found[1][3][0]["message"].lower()
    assert Customer.objects.count() == 0
    assert Customer.history.count() == 0
    assert job.file  # kept for the import


def test_the_import_writes_through_the_services_with_history_by_the_staff_member(cskh) -> None:
    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file(CUSTOMERS_CSV)
    )
    job = run(job, cskh, dry_run=False)
    assert (job.done, job.created, job.failed) == (3, 2, 1)
    hoa = Customer.objects.get(external_id="KH001")
    assert hoa.full_name == "Nguyễn Thị Hoa"
    assert hoa.phone == "+84912853984"
    assert hoa.history.get().history_user == cskh
    # The refused row left nothing: no customer, no history row.
    assert not Customer.objects.filter(external_id="KH002").exists()
    assert Customer.history.filter(external_id="KH002").count() == 0
    assert Customer.objects.filter(external_id="KH003").exists()
    # Imported: the spreadsheet is deleted.
    assert not job.file

    again = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file(CUSTOMERS_CSV)
    )
    again = run(again, cskh, dry_run=False)
    assert (again.unchanged, again.created, again.failed) == (2, 0, 1)


def test_an_xlsx_file_imports_orders_with_day_first_dates(cskh) -> None:
    customer_services.customer_upsert(
        external_id="KH001", full_name="Nguyễn Thị Hoa", phone="0912853984", actor=cskh
    )
    upload = xlsx_file(
        [
            ["Mã đơn hàng", "Mã KH", "Ngày đặt", "Tổng tiền", "Số hóa đơn"],
            ["DH-1", "KH001", "03/04/2025", "1.250.000", "HD0001"],
            ["DH-2", "KH001", datetime.datetime(2025, 5, 6, 9, 30), 350000, ""],
            ["DH-3", "KH001", "04/13/2025", 100, ""],
            ["DH-4", "KH404", "01/01/2025", 100, ""],
            ["DH-5", "KH001", "01/01/2099", 100, ""],
        ],
        name="don-hang.xlsx",
    )
    job = services.import_job_create(actor=cskh, kind=Kind.ORDERS, upload=upload)
    assert job.file_type == "xlsx"
    job = run(job, cskh, dry_run=False)
    assert (job.created, job.failed) == (2, 3)
    first = Order.objects.get(reference="DH-1")
    assert timezone.localtime(first.ordered_at).date() == datetime.date(2025, 4, 3)
    assert first.total_vnd == 1_250_000
    assert first.history.get().history_user == cskh
    refused = {line: errors for line, result, _key, errors in rows(job) if result == "refused"}
    assert refused[4][0]["column"] == "Ngày đặt"
    assert "dd/mm/yyyy" in refused[4][0]["message"]
    assert "KH404" in refused[5][0]["message"]
    assert refused[6][0]["column"] == "Ngày đặt"


def test_a_consent_needs_the_evidence_its_channel_requires(cskh, policy, marketing) -> None:
    customer_services.customer_upsert(
        external_id="KH001", full_name="Nguyễn Thị Hoa", phone="0912853984", actor=cskh
    )
    customer_services.customer_upsert(
        external_id="KH002", full_name="Trần Văn Bảo", phone="0912853985", actor=cskh
    )
    text = (
        "Mã KH;Mục đích;Kênh;Mã bằng chứng;Ngày\n"
        "KH001;marketing-email;Điện thoại;GHI-AM-778;02/11/2025\n"
        "KH002;marketing-email;Trực tiếp;;02/11/2025\n"
        "KH001;marketing-email;Điện thoại;GHI-AM-778;02/11/2025\n"
    )
    job = services.import_job_create(actor=cskh, kind=Kind.CONSENTS, upload=csv_file(text))
    job = run(job, cskh, dry_run=False)
    assert (job.created, job.unchanged, job.failed) == (1, 1, 1)
    consent = Consent.objects.get()
    assert consent.channel == "phone" and consent.form_reference == "GHI-AM-778"
    assert consent.recorded_by == cskh
    refused = rows(job)[1]
    assert refused[0] == 3
    assert refused[3][0]["column"] == "Kênh"
    assert "tệp" in refused[3][0]["message"]


def test_a_large_file_runs_in_the_task_with_progress(cskh) -> None:
    lines = ["Mã KH,Họ tên,Điện thoại"] + [
        f"KH{n:05d},Khách {n},0912{n:06d}" for n in range(services.INLINE_ROWS + 50)
    ]
    lines[10] = "KH-BAD,,0912000000"
    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file("\n".join(lines) + "\n")
    )
    started = services.import_job_start(job=job, actor=cskh, mapping=job.mapping, dry_run=False)
    assert started is False
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.done, job.total, job.failed) == (job.total, services.INLINE_ROWS + 50, 1)
    assert job.percent == 100
    assert Customer.objects.count() == services.INLINE_ROWS + 49
    bad = ImportRow.objects.get(job=job, result="refused")
    assert bad.line == 11 and bad.errors[0]["column"] == "Họ tên"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 ...%%EOF", "không phải bảng tính"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        ("Mã KH,Tên\nKH1,Lê Thị Ánh\n".encode("latin-1", "replace"), "UTF-8"),
        (b"", "không phải bảng tính"),
    ],
)
def test_a_file_that_is_no_spreadsheet_is_refused_with_a_message(cskh, data, message) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError) as refused:
        services.import_job_create(
            actor=cskh, kind=Kind.CUSTOMERS, upload=SimpleUploadedFile("a.csv", data)
        )
    assert message in " ".join(refused.value.message_dict["file"])


def test_the_mapping_must_give_the_required_fields_once(cskh) -> None:
    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file("Số,Tên khách,Ghi\nKH1,An,x\n")
    )
    assert job.mapping == ["", "full_name", ""]
    errors = services.mapping_errors(job.kind, job.columns, job.mapping)
    assert "Mã số khách hàng" in errors[-1]
    errors = services.mapping_errors(job.kind, job.columns, ["shop_id", "full_name", "full_name"])
    assert errors[2] == "“Họ và tên” đã được chọn cho cột “Tên khách”."


def test_sales_may_not_import(db) -> None:
    sales = role_member("sales")
    with pytest.raises(PermissionDenied):
        services.import_job_create(actor=sales, kind=Kind.CUSTOMERS, upload=csv_file(CUSTOMERS_CSV))


def test_a_file_only_tried_is_deleted_after_a_day(cskh) -> None:
    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file(CUSTOMERS_CSV)
    )
    run(job, cskh, dry_run=True)
    path = job.file.path
    assert purge_import_files() == 0
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - services.FILE_KEPT - datetime.timedelta(minutes=1)
    )
    assert purge_import_files() == 1
    job.refresh_from_db()
    assert not job.file
    import os

    assert not os.path.exists(path)


def test_an_erasure_deletes_the_customer_s_imported_rows(cskh) -> None:
    from retention.erasure import customer_erase

    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file(CUSTOMERS_CSV)
    )
    run(job, cskh, dry_run=False)
    hoa = Customer.objects.get(external_id="KH001")
    assert ImportRow.objects.filter(customer=hoa).count() == 1
    customer_erase(customer=hoa)
    assert not ImportRow.objects.filter(key="KH001").exists()
    assert ImportRow.objects.filter(key="KH003").exists()


def test_a_row_of_an_xlsx_number_and_a_quoted_multiline_csv_keep_their_lines(cskh) -> None:
    text = 'Mã KH,Họ tên,Địa chỉ\nKH1,An,"12 Lê Lợi\nMỹ Tho"\n\nKH2,,x\n'
    job = services.import_job_create(actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file(text))
    job = run(job, cskh, dry_run=True)
    assert [(line, result) for line, result, _k, _e in rows(job)] == [
        (2, "created"),
        (5, "refused"),
    ]


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_sample_files_import_without_a_refusal(cskh, extension, policy) -> None:
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import PurposeFactory

    for code in ("marketing-email", "product-notifications"):
        PurposeFactory(code=code)
    samples = Path(services.__file__).parent / "samples"
    for kind, name in (
        (Kind.CUSTOMERS, "khach-hang"),
        (Kind.ORDERS, "don-hang"),
        (Kind.CONSENTS, "dong-y"),
    ):
        data = (samples / f"{name}.{extension}").read_bytes()
        upload = SimpleUploadedFile(f"{name}.{extension}", data)
        job = services.import_job_create(actor=cskh, kind=kind, upload=upload)
        assert "" not in job.mapping, (name, job.columns, job.mapping)
        dry = run(job, cskh, dry_run=True)
        assert dry.failed == 0, rows(dry)
        done = run(job, cskh, dry_run=False)
        assert done.failed == 0 and done.done == dry.done
    assert Customer.objects.count() == 4
    assert Order.objects.count() == 3
    assert Consent.objects.filter(status="withdrawn").count() == 1


def test_an_excel_number_keeps_the_phone_s_leading_zero(cskh) -> None:
    upload = xlsx_file([["Mã KH", "Họ tên", "SĐT"], ["KH7", "Võ Ngọc My", 912853984]])
    job = services.import_job_create(actor=cskh, kind=Kind.CUSTOMERS, upload=upload)
    run(job, cskh, dry_run=False)
    assert Customer.objects.get(external_id="KH7").phone == "+84912853984"


def test_a_refused_row_about_a_known_customer_goes_with_their_erasure(cskh) -> None:
    from retention.erasure import customer_erase

    hoa, _result = customer_services.customer_upsert(
        external_id="KH001", full_name="Nguyễn Thị Hoa", phone="0912853984", actor=cskh
    )
    job = services.import_job_create(
        actor=cskh, kind=Kind.CUSTOMERS, upload=csv_file("Mã KH,Họ tên,Email\nKH001,Hoa,sai@\n")
    )
    run(job, cskh, dry_run=False)
    assert ImportRow.objects.get(job=job).result == "refused"
    customer_erase(customer=hoa)
    assert not ImportRow.objects.filter(job=job).exists()
