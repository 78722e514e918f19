"""Whatever people type or upload, the validators answer with a value or a ValidationError that
carries a message: never another exception (which would be a 500 on the page)."""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from complaints import evidence
from complaints.models import normalize_tracking_code
from customers.kernel import files as kernel_files
from customers.kernel.text import fold_vietnamese
from customers.validators import (
    clean_digits,
    format_phone_national,
    normalize_phone,
    normalize_tax_code,
    phone_search_key,
)

FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# What people type: any text, digits and separators, Vietnamese, and a few huge values.
typed = st.one_of(
    st.text(),
    st.text(alphabet="0123456789 .-()+/", max_size=40),
    st.text(alphabet="0123456789", min_size=9, max_size=14),
    st.text(alphabet="ĐđăâêôơưÁÀẢÃẠáàảãạÉÈẺẼẸéèẻẽẹỐỒỔỖỘốồổỗộỨỪỬỮỰứừửữự \u0300\u0301\u0303"),
    st.sampled_from(["9" * 10_000, "0" * 100_000, "+" * 5000, "\x00" * 100, "٠١٢٣٤٥٦٧٨٩" * 3]),
)

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def assert_has_message(error: ValidationError) -> None:
    assert error.messages
    assert all(str(message).strip() for message in error.messages)


def value_or_message(function: Any, value: str) -> Any:
    try:
        return function(value)
    except ValidationError as error:
        assert_has_message(error)
        return None


@FAST
@given(typed)
@example("0912 853 984")
@example("+84 912 853 984")
@example("\x00")
def test_normalize_phone(value: str) -> None:
    stored = value_or_message(normalize_phone, value)
    if stored is not None:
        assert stored.startswith("+")
        # The stored form reads back to itself, and formats for display.
        assert normalize_phone(stored) == stored
        assert format_phone_national(stored)


@FAST
@given(typed)
def test_phone_search_key(value: str) -> None:
    key = phone_search_key(value)
    assert key is None or key.startswith("+")


@FAST
@given(typed)
@example("not+a+number")
def test_format_phone_national(value: str) -> None:
    assert isinstance(format_phone_national(value), str)


@FAST
@given(typed)
@example("0312345678-001")
@example("001234567890")
def test_normalize_tax_code(value: str) -> None:
    stored = value_or_message(normalize_tax_code, value)
    if stored:
        assert stored.isdigit()
        assert len(stored) in (10, 12, 13)


@FAST
@given(typed)
def test_clean_digits(value: str) -> None:
    cleaned = clean_digits(value)
    assert isinstance(cleaned, str)
    assert len(cleaned) <= len(value)


@FAST
@given(typed)
@example("Nguyễn Văn Đức")
def test_fold_vietnamese(value: str) -> None:
    folded = fold_vietnamese(value)
    assert folded == folded.lower()
    assert fold_vietnamese(folded) == folded


@FAST
@given(typed)
@example("kn 7q3x0-ab1cd")
def test_normalize_tracking_code(value: str) -> None:
    code = normalize_tracking_code(value)
    assert code == "" or (code.startswith("KN-") and normalize_tracking_code(code) == code)


# Files ------------------------------------------------------------------------------------------

real_headers = st.sampled_from([PDF, PNG, JPEG])


@st.composite
def damaged_files(draw: st.DrawFn) -> bytes:
    """A real PDF, PNG or JPEG cut short, with random bytes around it, or plain random bytes."""
    kind = draw(st.sampled_from(["truncated", "prefixed", "suffixed", "random"]))
    if kind == "random":
        return draw(st.binary(max_size=4096))
    data = draw(real_headers)
    if kind == "truncated":
        return data[: draw(st.integers(min_value=0, max_value=len(data)))]
    noise = draw(st.binary(max_size=2048))
    return noise + data if kind == "prefixed" else data + noise


@FAST
@given(damaged_files())
@example(PDF)
@example(PNG)
@example(JPEG)
def test_sniff(data: bytes) -> None:
    assert kernel_files.sniff(data) in (None, kernel_files.PDF, kernel_files.PNG, kernel_files.JPEG)


file_names = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", "hoa-don.pdf", "CCCD Nguyễn Văn An.jpg", "a\x00b.png", "../../etc/x"]),
)


@FAST
@given(st.lists(st.tuples(file_names, damaged_files()), max_size=7))
def test_check_files(files: list[tuple[str, bytes]]) -> None:
    # Django itself refuses to build an upload whose name has no file part ("", "/", ".."): its
    # multipart parser drops such a part before any validator sees it.
    uploads = [
        SimpleUploadedFile(name if os.path.basename(name) not in ("", ".", "..") else "x", data)
        for name, data in files
    ]
    try:
        checked = evidence.check_files(uploads)
    except ValidationError as error:
        assert_has_message(error)
    else:
        assert len(checked) == len(uploads) <= evidence.MAX_FILES
        for item in checked:
            assert item.content_type in (kernel_files.PDF, kernel_files.PNG, kernel_files.JPEG)
            assert len(item.sha256) == 64


class FakeUpload:
    """What a broken client may hand over: a name that is not a string, a size that lies."""

    def __init__(self, name: Any, data: bytes, size: Any) -> None:
        self.name, self._data, self.size = name, data, size
        self._position = 0

    def seek(self, position: int) -> None:
        self._position = position

    def read(self) -> bytes:
        return self._data[self._position :]


@FAST
@given(
    st.one_of(st.none(), st.integers(), st.text(max_size=50)),
    damaged_files(),
    st.one_of(st.none(), st.integers(min_value=-5, max_value=20 * 1024 * 1024)),
)
def test_check_files_with_odd_upload_objects(name: Any, data: bytes, size: Any) -> None:
    try:
        evidence.check_files([FakeUpload(name, data, size)])
    except ValidationError as error:
        assert_has_message(error)
