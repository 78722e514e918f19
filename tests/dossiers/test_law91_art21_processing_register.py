"""The processing register (Law 91/2025/QH15 Art. 21; Decree 356/2025/NĐ-CP Art. 3–4, 19): per
purpose the legal basis, the data items as the decree numbers them, the data subjects counted in
the database, the recipients and what each receives, the systems and their countries, the
security measures, and the retention rules — as a page, CSV and a Vietnamese PDF, computed, in
queries that do not grow with the customers."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import services
from customers.models import Channel, Controller, Purpose
from customers.roles import CUSTOMER_CARE, LEGAL_COMPLIANCE
from dossiers import register
from tests.complaints._breach_helpers import pdf_text, require_weasyprint
from tests.factories import CustomerFactory, exported_file, role_member

pytestmark = pytest.mark.django_db


def _row(built: register.Register, code: str) -> register.Row:
    return next(row for row in built.rows if row.purpose.code == code)


def test_each_purpose_says_why_what_whom_how_many_where(seeded: Any) -> None:
    built = register.register_build()

    marketing = _row(built, "marketing-email")
    assert marketing.basis == "Sự đồng ý"
    assert [item.code for item in marketing.items] == ["3.1", "3.7", "4.1.l"]
    assert marketing.items[2].sensitive and not marketing.items[0].sensitive
    assert marketing.items[1].article == "Khoản 7 Điều 3 Nghị định 356/2025/NĐ-CP"
    assert marketing.items[2].article == "Điểm l khoản 1 Điều 4 Nghị định 356/2025/NĐ-CP"
    assert marketing.subjects == 2 and marketing.subjects_counted_as == "consents"
    (system,) = marketing.systems
    assert system.abroad and system.country == "Hoa Kỳ" and system.encrypted_at_rest
    assert marketing.countries == ["Hoa Kỳ"]

    shipping = _row(built, "order-fulfilment")
    assert shipping.subjects == 3 and shipping.subjects_counted_as == "customers"
    (shipper,) = shipping.recipients
    assert shipper.name == "Giao Hàng Nhanh" and shipper.disclosures == 1
    assert shipper.country == "Việt Nam" and not shipper.abroad
    assert shipping.systems == []


def test_the_register_runs_the_same_queries_for_more_customers(
    seeded: Any, marketing: Purpose
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            register.register_build()
        return len(captured)

    few = queries()
    for customer in CustomerFactory.create_batch(20):
        services.consent_grant(
            customer=customer,
            purpose=marketing,
            channel=Channel.PHONE,
            form_reference="G-2",
            sensitive_notice_given=True,
        )
    assert queries() == few
    assert _row(register.register_build(), "marketing-email").subjects == 22


def test_legal_reads_it_in_the_admin_and_as_csv(seeded: Any, client: Client) -> None:
    client.force_login(role_member(LEGAL_COMPLIANCE, "phap-che-so"))
    page = client.get(reverse("admin:dossiers_register"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Gửi email tiếp thị" in text and "SendGrid, Inc." in text and "ở nước ngoài" in text

    # Made by an export job (imports.exports), then downloaded from its page.
    answer = exported_file(client, client.post(reverse("admin:dossiers_register_csv")))
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    marketing = next(row for row in rows if row["purpose_code"] == "marketing-email")
    assert marketing["data_subjects"] == "2" and marketing["sensitive"] == "x"
    assert "Hoa Kỳ" in marketing["countries"]


def test_customer_care_may_not_read_it(seeded: Any, client: Client) -> None:
    client.force_login(role_member(CUSTOMER_CARE, "cskh-khong-xem"))
    assert client.get(reverse("admin:dossiers_register")).status_code == 403


def test_the_pdf_names_the_controller_the_purposes_and_the_counts(
    seeded: Any, controller: Controller, client: Client
) -> None:
    require_weasyprint()
    client.force_login(role_member(LEGAL_COMPLIANCE, "phap-che-pdf"))
    answer = client.get(reverse("admin:dossiers_register_pdf"))
    assert answer["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(answer.content).split())
    assert "SỔ ĐĂNG KÝ HOẠT ĐỘNG XỬ LÝ DỮ LIỆU CÁ NHÂN" in text
    assert controller.legal_name in text
    assert "Gửi email tiếp thị" in text and "Giao đơn hàng" in text
    assert "Chủ thể dữ liệu: 2" in text and "Chủ thể dữ liệu: 3" in text


def test_legal_downloads_it_as_an_excel_workbook(seeded: Any, client: Client) -> None:
    from openpyxl import load_workbook

    client.force_login(role_member(LEGAL_COMPLIANCE, "phap-che-excel"))
    answer = exported_file(client, client.post(reverse("admin:dossiers_register_xlsx")))
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(answer.content), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header, lines = rows[0], rows[1:]
    line = next(line for line in lines if line[0] == "marketing-email")
    marketing = dict(zip(header, line, strict=True))
    assert marketing["data_subjects"] == "2" and marketing["sensitive"] == "x"
    assert "Hoa Kỳ" in marketing["countries"]
    assert workbook.sheetnames == ["Sổ đăng ký", "Lưu trữ"]
