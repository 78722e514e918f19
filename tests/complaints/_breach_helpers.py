"""Shared by the breach tests (Law 91/2025 Art. 23; Decree 356/2025 Art. 28, Mẫu số 08)."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from django.test import Client

from customers import services

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_text(content: bytes) -> str:
    """The text of a PDF file, read back."""
    from pypdf import PdfReader

    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def require_weasyprint() -> None:
    from customers.kernel import pdf

    try:
        pdf.weasyprint()
    except pdf.PdfUnavailable as missing:
        message = f"WeasyPrint's libraries are missing ({missing}): make pdf-libs"
        if IN_CI:
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)


def controller_for_notices() -> Any:
    import datetime

    return services.controller_update(
        legal_name="Công ty Cổ phần Thương mại Mỹ Tho",
        tax_code="1200100557",
        address="67 Lê Lợi, Phường Mỹ Tho, tỉnh Đồng Tháp",
        transaction_offices="35 Ấp Bắc, Phường Mỹ Tho, tỉnh Đồng Tháp",
        phone="0273 3872 466",
        website="https://mitexco.example.vn",
        email="info@mitexco.example.vn",
        registration_kind="enterprise",
        registration_number="1200100557",
        registration_issuer="Sở Kế hoạch và Đầu tư tỉnh Tiền Giang",
        registration_date=datetime.date(2006, 3, 15),
        registration_place="Tiền Giang",
        dpo_name="Trần Thị Bình",
        dpo_title="Trưởng phòng Pháp chế",
        dpo_email="dpo@mitexco.example.vn",
        dpo_phone="0912 853 984",
        signatory_name="Nguyễn Văn Hùng",
        signatory_title="Tổng Giám đốc",
        document_place="Đồng Tháp",
    )
