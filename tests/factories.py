"""Test data built through the services, the one way in for writes."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from customers import services
from customers.models import Channel, Customer, PolicyVersion, Purpose


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@pdpdesk.test")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


class CustomerFactory(factory.Factory):
    class Meta:
        model = Customer

    kind = Customer.Kind.INDIVIDUAL
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn An {n}")
    phone = factory.Sequence(lambda n: f"0912{n % 1000000:06d}")
    email = factory.Sequence(lambda n: f"khach{n}@example.vn")
    address = "12 Lê Lợi, Phường Bến Thành, TP. Hồ Chí Minh"
    source_channel = Channel.WEB_FORM

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Customer:
        actor = kwargs.pop("actor", None)
        return services.customer_create(actor=actor, **kwargs)


class PurposeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purpose
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"purpose-{n}")
    name_vi = factory.Sequence(lambda n: f"Mục đích {n}")
    name_en = factory.Sequence(lambda n: f"Purpose {n}")
    legal_basis = Purpose.LegalBasis.CONSENT
    data_items = factory.LazyFunction(lambda: ["3.1", "3.7"])  # name, phone number


class PolicyVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyVersion
        django_get_or_create = ("version",)

    version = factory.Sequence(lambda n: f"1.{n}")
    effective_from = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=30)
    )
    title_vi = "Chính sách bảo mật thông tin"
    title_en = "Privacy policy"
    body_vi = "1. Mục đích thu thập thông tin cá nhân.\nChúng tôi thu thập họ tên, số điện thoại."
    body_en = "1. Why we collect personal information.\nWe collect your name and phone number."


# Complaints --------------------------------------------------------------------------------


def role_member(role: str, username: str | None = None) -> Any:
    """A staff member in one of the roles of customers/roles.py ("customer_care", "sales",
    "legal_compliance", "administrator")."""
    from customers.roles import group_for

    user = StaffFactory(username=username or f"{role.replace('_', '-')}-member", is_superuser=False)
    user.groups.add(group_for(role))
    return user


def complaint_submit(**overrides: Any) -> Any:
    """A complaint from the public form, through the service."""
    from complaints import services as complaint_services

    fields: dict[str, Any] = {
        "name": "Trần Văn Bảo",
        "phone": "0912 345 678",
        "email": "bao.tran@example.vn",
        "kind": "other_complaint",
        "description": "Tôi nhận được tin nhắn quảng cáo từ một công ty lạ.",
    }
    fields.update(overrides)
    return complaint_services.complaint_submit(**fields)


# Evidence files: real bytes of each accepted type -------------------------------------------

# A 16×16 JPEG (CPython's test image, baseline JFIF).
_JPEG_BASE64 = (
    "/9j/4AAQSkZJRgABAQEAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsO"
    "CwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQCwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
    "EBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wAARCAAQABADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAA"
    "BwQF/8QAJBAAAQQBBAICAwAAAAAAAAAAAQIDBAYFBwgSExEiABQJMTL/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/E"
    "ACMRAAECBQMFAAAAAAAAAAAAAAECEQMEBQYhABIxFRZhgeH/2gAMAwEAAhEDEQA/ABSm0mobc8HmExLUlRzzEWPk"
    "JWW+ulrsaUVAseUgslSlH9LKuPryIKuWPZdskzXmm3fX5m2nF4GlVxx/HOpx4ks51+MiU/Iaad7UcUo4tILoS4kq"
    "cWkezS0hO/HvuRp0rO6hWnWO1UisZVuFi4GFeyEpmGepa5S5SWVPuciFKRFLgSrwetnyPIB+Vb4N9mKhQMzo5po9"
    "XLdDs9d6ZVix2VEhiL9kuNPxw2gEKcDQ/rs8AuA8VAe0vdl7VOYn+27flGAUgmITjbhSmCg3BYlyeWDkMolvw4KO"
    "p1KM6iCNvngZHwetf//Z"
)


def jpeg_bytes() -> bytes:
    import base64

    return base64.b64decode(_JPEG_BASE64)


def png_bytes(width: int = 4, height: int = 4, text: str = "") -> bytes:
    """A valid RGB PNG, with an optional tEXt chunk (a phone's camera writes such metadata)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xcc\x33\x33" * width for _ in range(height))
    chunks = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if text:
        chunks += chunk(b"tEXt", b"Comment\x00" + text.encode())
    chunks += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def pdf_bytes(text: str = "Bien ban") -> bytes:
    """A one-page PDF with a correct cross-reference table, showing `text`."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def eml_bytes(
    sender: str = "Nguyễn Văn An <an.nguyen@example.vn>", subject: str = "Tôi đồng ý"
) -> bytes:
    """An email message file (.eml) as a mail client saves it: the sender and the date."""
    return (
        f"From: {sender}\r\nTo: cskh@example.vn\r\nDate: Tue, 01 Dec 2026 09:30:00 +0700\r\n"
        f"Subject: {subject}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nTôi đồng ý.\r\n"
    ).encode()


def identity_verified(complaint: Any, actor: Any) -> Any:
    """The requester confirmed as the linked customer, by a call back to the number on record."""
    from complaints import data_requests
    from complaints.models import IdentityMethod

    return data_requests.complaint_verify_identity(
        complaint=complaint,
        actor=actor,
        method=IdentityMethod.CALL_BACK,
        note="Gọi lại số điện thoại đã đăng ký, khách xác nhận.",
    )


def exported_file(client: Any, asked: Any) -> Any:
    """The file of the export an admin action or button asked for (it redirects to the export's
    page): downloaded as staff do, ``.content`` read out of the streamed answer."""
    from django.urls import reverse

    from imports.models import ExportJob

    assert asked.status_code == 302, asked
    job = ExportJob.objects.order_by("-pk").first()
    assert job is not None and asked["Location"].startswith(
        reverse("admin:imports_exportjob_change", args=[job.pk])
    )
    download = client.get(
        reverse("admin:imports_exportjob_download", args=[job.pk]),
        REMOTE_ADDR=asked.wsgi_request.META.get("REMOTE_ADDR"),
    )
    if not getattr(download, "streaming", False):
        return download
    from django.http import HttpResponse

    return HttpResponse(
        b"".join(download.streaming_content),
        status=download.status_code,
        headers=dict(download.headers),
    )
