"""Whatever is posted to the public pages, the answer is a page with a message or the
confirmation: never a server error. Arbitrary text (NUL bytes, any unicode, huge values), kinds,
files with any bytes, names and types, and bodies that are not forms at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from complaints.models import Complaint, Kind

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NO_LIMITS = override_settings(
    COMPLAINT_SUBMIT_RATE="1000000/3600",
    COMPLAINT_TRY_RATE="1000000/3600",
    COMPLAINT_STATUS_RATE="1000000/3600",
)

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

VALID = {
    "name": "Nguyễn Thị Hoa",
    "phone": "0912 345 678",
    "email": "hoa@example.vn",
    "kind": Kind.DISCLOSURE_WITHOUT_CONSENT.value,
    "description": "Tôi nhận được tin nhắn quảng cáo từ một công ty khác.",
    "website": "",
}

# Text a browser can send (UTF-8: no lone surrogates), with the values that break things.
any_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50).map(
        lambda text: text + "\x00"
    ),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "Hoa\x00",
            "a" * 300,
            "x" * 20_000,
            "0912\x00345678",
            "hoa\x00@example.vn",
            "\u200b\u200b",
            "𝔑𝔤𝔲𝔶𝔢̂̃𝔫",
            "<script>alert(1)</script>",
            "'; DROP TABLE complaints_complaint; --",
        ]
    ),
)
field_values = st.one_of(any_text, st.lists(any_text, min_size=2, max_size=3))
kinds = st.one_of(st.sampled_from(Kind.values), any_text)


@st.composite
def uploads(draw: st.DrawFn) -> SimpleUploadedFile:
    name = draw(
        st.one_of(
            st.text(min_size=1, max_size=300),
            st.sampled_from(
                ["hoa-don.pdf", "a\x00b.pdf", "CCCD Nguyễn Văn An.pdf", "x" * 400 + ".pdf", ".pdf"]
            ),
        )
    )
    content = draw(
        st.one_of(
            st.just(PDF),
            st.binary(max_size=2048),
            st.binary(max_size=512).map(lambda noise: PDF + noise),
            st.binary(max_size=512).map(lambda noise: PDF[: len(noise) % len(PDF)]),
        )
    )
    content_type = draw(
        st.one_of(
            st.sampled_from(["application/pdf", "image/png", "text/html", ""]),
            st.text(max_size=40),
        )
    )
    try:
        return SimpleUploadedFile(name, content, content_type=content_type)
    except SuspiciousFileOperation:
        # A name Django cannot make an upload of ("/", ".."): no browser posts one either.
        assume(False)
        raise


@st.composite
def complaint_posts(draw: st.DrawFn) -> dict[str, Any]:
    """A valid complaint with some of its fields replaced by anything, some files, and maybe
    fields the form does not have."""
    data: dict[str, Any] = dict(VALID)
    for field in draw(st.sets(st.sampled_from(sorted(VALID)))):
        data[field] = draw(kinds if field == "kind" else field_values)
    if draw(st.booleans()):
        data["evidence"] = draw(st.lists(uploads(), min_size=1, max_size=6))
    if draw(st.booleans()):
        data[draw(st.text(min_size=1, max_size=20))] = draw(any_text)
    return data


def assert_page_with_message(response: Any) -> None:
    page = response.content.decode()
    assert 'role="alert"' in page or 'class="errorlist' in page, page[:2000]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@EXAMPLES
@given(complaint_posts())
@example({**VALID, "name": "Hoa\x00"})
@example({**VALID, "description": "\x00"})
@example({**VALID, "evidence": [SimpleUploadedFile("a\x00b.pdf", PDF, "application/pdf")]})
@example({**VALID, "evidence": [SimpleUploadedFile("x" * 400 + ".pdf", PDF, "application/pdf")]})
@example({**VALID, "email": "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63})
@example({**VALID, "kind": ["x", "y"]})
@NO_LIMITS
def test_the_complaint_form_never_fails(client, controller, data):
    saved_before = Complaint.objects.count()
    response = client.post("/complaints/new/", data)
    assert response.status_code in (200, 302, 400)  # never 429: NO_LIMITS
    if response.status_code == 302:
        # Accepted (or a honeypot hit, which is told nothing): the confirmation page answers.
        assert client.get(response["Location"]).status_code == 200
    else:
        assert Complaint.objects.count() == saved_before
        assert_page_with_message(response)


@EXAMPLES
@given(
    st.fixed_dictionaries({"tracking_code": field_values, "contact": field_values}),
)
@example({"tracking_code": "KN-7Q3X0-AB1CD\x00", "contact": "0912345678"})
@example({"tracking_code": "KN-7Q3X0-AB1CD", "contact": "\x00"})
@example({"tracking_code": "x" * 10_000, "contact": "y" * 10_000})
@NO_LIMITS
def test_the_status_page_never_fails(client, controller, data):
    response = client.post("/complaints/status/", data)
    assert response.status_code in (200, 400)  # never 429: NO_LIMITS
    assert_page_with_message(response)


@EXAMPLES
@given(
    st.binary(max_size=2048),
    st.sampled_from(
        [
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain",
        ]
    ),
    st.sampled_from(["/complaints/new/", "/complaints/status/"]),
)
@NO_LIMITS
def test_bodies_that_are_not_forms(client, controller, body, content_type, path):
    response = client.generic("POST", path, body, content_type=content_type)
    assert response.status_code in (200, 302, 400)  # never 429: NO_LIMITS
    if response.status_code == 200:
        assert_page_with_message(response)
