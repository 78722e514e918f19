"""Evidence files (seed 000: the customer brings evidence): PDF, JPEG or PNG recognised by their
content, at most 10 MB each and 5 per complaint, stored under a random name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import evidence
from complaints.models import Complaint, Evidence
from tests.factories import complaint_submit, jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def refused(files: list[Any]) -> list[str | None]:
    """The codes the complaint form shows under the evidence field; nothing is stored."""
    with pytest.raises(ValidationError) as caught:
        complaint_submit(files=files)
    assert not Complaint.objects.exists()
    assert not Evidence.objects.exists()
    return [error.code for error in caught.value.error_dict["evidence"]]


@pytest.mark.parametrize(
    ("name", "data", "content_type", "extension"),
    [
        ("bien-ban.pdf", pdf_bytes("Bien ban giao hang"), "application/pdf", "pdf"),
        ("anh-chup.jpg", jpeg_bytes(), "image/jpeg", "jpg"),
        ("man-hinh.png", png_bytes(), "image/png", "png"),
    ],
)
def test_real_pdf_jpeg_and_png_files_are_stored(
    name: str, data: bytes, content_type: str, extension: str
) -> None:
    complaint = complaint_submit(files=[upload(name, data, "text/plain")])

    [item] = complaint.evidence.all()
    assert item.content_type == content_type
    assert item.original_name == name
    assert item.size == len(data)
    assert item.file.name.endswith(f".{extension}")
    with item.file.open("rb") as stored:
        assert stored.read() == data


def test_a_text_file_named_png_is_refused() -> None:
    assert refused([upload("anh.png", b"Day khong phai la anh\n" * 10, "image/png")]) == [
        "file_type"
    ]


def test_a_truncated_png_is_refused() -> None:
    assert refused([upload("anh.png", png_bytes()[:40], "image/png")]) == ["file_type"]


def test_a_png_named_pdf_is_stored_as_a_png() -> None:
    data = png_bytes()

    complaint = complaint_submit(files=[upload("hoa-don.pdf", data, "application/pdf")])

    [item] = complaint.evidence.all()
    assert item.content_type == "image/png"
    assert item.file.name.endswith(".png")
    assert item.original_name == "hoa-don.pdf"


def test_a_file_over_10_mb_is_refused() -> None:
    data = png_bytes()
    big = data[:-12] + b"\x00" * (evidence.MAX_BYTES + 1 - len(data)) + data[-12:]
    assert len(big) == evidence.MAX_BYTES + 1

    assert refused([upload("lon.png", big, "image/png")]) == ["file_too_large"]


def test_a_file_of_exactly_10_mb_is_accepted() -> None:
    data = pdf_bytes()
    exact = data[:-6] + b" " * (evidence.MAX_BYTES - len(data)) + data[-6:]
    assert len(exact) == evidence.MAX_BYTES

    complaint = complaint_submit(files=[upload("du.pdf", exact)])
    assert complaint.evidence.get().size == evidence.MAX_BYTES


def test_six_files_are_refused_five_accepted() -> None:
    six = [upload(f"anh-{n}.png", png_bytes()) for n in range(6)]
    assert refused(six) == ["too_many_files"]

    complaint = complaint_submit(files=six[:5])
    assert complaint.evidence.count() == 5


def test_an_empty_file_is_refused() -> None:
    assert refused([upload("rong.pdf", b"")]) == ["file_empty"]


def test_each_bad_file_is_named_and_the_good_ones_are_not_stored() -> None:
    with pytest.raises(ValidationError) as caught:
        complaint_submit(
            files=[
                upload("tot.png", png_bytes()),
                upload("xau.png", b"not an image"),
                upload("rong.jpg", b""),
            ]
        )
    messages = caught.value.message_dict["evidence"]
    assert len(messages) == 2
    assert "xau.png" in messages[0]
    assert "rong.jpg" in messages[1]
    assert not Evidence.objects.exists()


def test_the_stored_name_is_random_not_the_uploaded_one() -> None:
    name = "CCCD Nguyen Van An.jpg"

    first = complaint_submit(files=[upload(name, jpeg_bytes())]).evidence.get()
    second = complaint_submit(files=[upload(name, jpeg_bytes())]).evidence.get()

    for item in (first, second):
        stored = Path(item.file.name).name
        assert "Nguyen" not in item.file.name
        assert "CCCD" not in item.file.name
        assert len(stored.removesuffix(".jpg")) == 32  # 128 random bits in hex
        assert item.original_name == name
    assert first.file.name != second.file.name
    assert first.sha256 == second.sha256 != ""
