"""The public complaint form (/complaints/new/): what a customer sees, sends and gets back."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from complaints import emails
from complaints.models import Complaint, Evidence, Kind
from customers.validators import normalize_phone

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # The attempt counters live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


def pdf(name: str = "hoa-don.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Nguyễn Thị Hoa",
        "phone": "0912 345 678",
        "email": "Hoa.Nguyen@Example.vn",
        "kind": Kind.DISCLOSURE_WITHOUT_CONSENT.value,
        "description": "Tôi nhận được tin nhắn quảng cáo từ một công ty khác sau khi mua hàng.",
        "website": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def field_block(page: str, name: str) -> str:
    """The HTML of one field's block: its label, help, messages and input."""
    start = page.index(f'id="field-{name}"')
    ends = [page.find(marker, start + 1) for marker in ('id="field-', 'class="hp"', "</form>")]
    return page[start : min(end for end in ends if end != -1)]


def vi(message: str) -> str:
    """A message as the Vietnamese page shows it (escaped like the template does)."""
    with translation.override("vi"):
        return escape(gettext(message))


def phone_message(value: str) -> str:
    with translation.override("vi"):
        try:
            normalize_phone(value)
        except ValidationError as error:
            return escape(error.messages[0])
    raise AssertionError(f"{value!r} is a valid phone number")


def test_form_page_in_vietnamese(client, controller):
    response = client.get("/complaints/new/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert 'enctype="multipart/form-data"' in page
    # Two groups of kinds, in Vietnamese.
    assert f'<optgroup label="{vi("Complaints")}">' in page
    assert f'<optgroup label="{vi("Requests about my data")}">' in page
    assert vi("Delete my data") in page
    # Several files, of the three accepted types only.
    assert re.search(r'<input type="file" name="evidence"[^>]*multiple', page)
    assert 'accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"' in page
    # Who to call instead, and how it is handled.
    assert "Công ty Cổ phần Thương mại Mỹ Tho" in page
    assert "1800 1595" in page
    assert "info@mitexco.example.vn" in page
    assert 'aria-labelledby="steps-heading"' in page
    # The honeypot is out of sight, out of the tab order and out of the accessibility tree.
    honeypot = re.search(r'<input type="text" name="website"[^>]*>', page)
    assert honeypot is not None
    for attribute in ('class="hp-field"', 'tabindex="-1"', 'autocomplete="off"', "aria-hidden"):
        assert attribute in honeypot.group(0)
    # The header leads to the form and the status page.
    assert 'href="/complaints/status/"' in page
    assert 'href="/en/complaints/new/"' in page


def test_form_page_in_english(client, controller):
    response = client.get("/en/complaints/new/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Send a complaint or a request about your data" in page
    assert '<optgroup label="Complaints">' in page
    assert "Delete my data" in page
    assert "Khiếu nại" not in page
    assert 'href="/complaints/new/"' in page  # back to Vietnamese


def test_valid_submission_is_recorded_with_its_evidence_and_acknowledged(
    client, controller, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/complaints/new/", form_data(evidence=[pdf("CCCD Nguyen Thi Hoa.pdf")])
        )
    assert response.status_code == 302
    assert response["Location"] == "/complaints/sent/"

    complaint = Complaint.objects.get()
    assert complaint.language == "vi"
    assert complaint.submitter_name == "Nguyễn Thị Hoa"
    assert complaint.submitter_phone == "+84912345678"
    assert complaint.submitter_email == "hoa.nguyen@example.vn"
    assert complaint.kind == Kind.DISCLOSURE_WITHOUT_CONSENT
    # Handling it is a legal duty (Law 91/2025 Art. 4(4)): no consent is asked for it.
    assert complaint.consent_to_process is False
    assert complaint.status == Complaint.Status.RECEIVED

    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.original_name == "CCCD Nguyen Thi Hoa.pdf"
    assert evidence.content_type == "application/pdf"
    assert "Nguyen" not in evidence.file.name
    assert re.fullmatch(r"complaints/evidence/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", evidence.file.name)
    with evidence.file.open("rb") as stored:
        assert stored.read() == PDF_BYTES

    page = client.get(response["Location"]).content.decode()
    assert complaint.tracking_code in page
    assert 'data-testid="ack-email"' in page

    # The acknowledgement waits for the commit; then it is emailed with the code.
    assert len(callbacks) == 1
    assert emails.acknowledgement_send(complaint_id=complaint.pk) is True
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hoa.nguyen@example.vn"]
    assert complaint.tracking_code in mail.outbox[0].subject
    assert complaint.tracking_code in mail.outbox[0].body


def test_submission_without_email_queues_no_acknowledgement(
    client, controller, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/complaints/new/", form_data(email=""), follow=True)
    complaint = Complaint.objects.get()
    assert callbacks == []
    page = response.content.decode()
    assert complaint.tracking_code in page
    assert 'data-testid="ack-email"' not in page


def test_english_submission_is_recorded_in_english(client, controller):
    response = client.post("/en/complaints/new/", form_data(kind=Kind.DELETION.value))
    assert response.status_code == 302
    assert response["Location"] == "/en/complaints/sent/"
    complaint = Complaint.objects.get()
    assert complaint.language == "en"
    page = client.get("/en/complaints/sent/").content.decode()
    assert '<html lang="en">' in page
    assert complaint.tracking_code in page
    assert "Keep this code." in page


BIG_PDF = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"


@pytest.mark.parametrize(
    ("changes", "fields", "message"),
    [
        pytest.param(
            {"phone": "", "email": ""},
            ["phone", "email"],
            lambda: vi("Give a phone number or an email address, so that we can answer you."),
            id="no-contact",
        ),
        pytest.param(
            {"phone": "0912 34"}, ["phone"], lambda: phone_message("0912 34"), id="bad-phone"
        ),
        pytest.param(
            {"email": "hoa@"},
            ["email"],
            lambda: vi("Enter a valid email address, for example ten@example.vn."),
            id="bad-email",
        ),
        pytest.param(
            {"description": "   "},
            ["description"],
            lambda: vi("Describe what happened or what you ask for."),
            id="empty-description",
        ),
        pytest.param({"name": ""}, ["name"], lambda: vi("Tell us your name."), id="no-name"),
        pytest.param(
            {"kind": ""}, ["kind"], lambda: vi("Choose what your message is about."), id="no-kind"
        ),
        pytest.param(
            {"evidence": [SimpleUploadedFile("anh.png", b"not an image", "image/png")]},
            ["evidence"],
            lambda: (
                vi("“%(name)s” is not a PDF, JPEG or PNG file (or it is damaged).")
                % {"name": "anh.png"}
            ),
            id="text-named-png",
        ),
        pytest.param(
            {"evidence": [SimpleUploadedFile("to.pdf", BIG_PDF, "application/pdf")]},
            ["evidence"],
            lambda: vi("“%(name)s” is larger than 10 MB.") % {"name": "to.pdf"},
            id="file-over-10-mb",
        ),
        pytest.param(
            {"evidence": [pdf(f"{n}.pdf") for n in range(6)]},
            ["evidence"],
            lambda: (
                vi("Send at most %(max)d files (you chose %(count)d).") % {"max": 5, "count": 6}
            ),
            id="six-files",
        ),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_nothing_typed_is_lost(
    client, controller, changes, fields, message
):
    data = form_data(**changes)
    response = client.post("/complaints/new/", data)

    assert response.status_code == 200
    assert not Complaint.objects.exists()
    page = response.content.decode()
    for field in fields:
        block = field_block(page, field)
        assert message() in block
        assert f'<ul class="errorlist" id="id_{field}_error">' in block
        assert re.search(rf'aria-describedby="[^"]*id_{field}_error', block)
        assert 'aria-invalid="true"' in block
    assert 'data-testid="error-summary"' in page
    # What was typed is still there.
    if data.get("name"):
        assert f'value="{escape(data["name"])}"' in field_block(page, "name")
    if data.get("phone"):
        assert f'value="{escape(data["phone"])}"' in field_block(page, "phone")
    if data.get("email"):
        assert f'value="{escape(data["email"])}"' in field_block(page, "email")
    if str(data.get("description", "")).strip():
        assert escape(str(data["description"])) in field_block(page, "description")
    if data.get("kind"):
        assert f'<option value="{data["kind"]}" selected>' in field_block(page, "kind")
    # Files cannot be kept by the browser: the page says so next to the file input.
    assert ('data-testid="files-again"' in field_block(page, "evidence")) == ("evidence" in data)


def test_a_filled_honeypot_saves_nothing_and_shows_a_neutral_page(client, controller):
    response = client.post(
        "/complaints/new/", form_data(website="http://spam.example"), follow=True
    )
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    page = response.content.decode()
    assert 'data-testid="sent-neutral"' in page
    assert 'data-testid="tracking-code"' not in page
    assert "KN-" not in page


def test_too_many_attempts_are_refused_with_everything_typed_kept(client, controller, settings):
    settings.COMPLAINT_SUBMIT_RATE = "2/3600"
    for _ in range(2):
        assert client.post("/complaints/new/", form_data(email="")).status_code == 302
    response = client.post("/complaints/new/", form_data(evidence=[pdf()]))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Complaint.objects.count() == 2
    page = response.content.decode()
    assert 'data-testid="rate-limited"' in page
    assert 'value="Nguyễn Thị Hoa"' in page
    assert 'value="0912 345 678"' in page
    assert 'value="Hoa.Nguyen@Example.vn"' in page
    assert escape(str(form_data()["description"])) in page
    assert 'data-testid="files-again"' in page
    # Reading the form is not an attempt.
    assert client.get("/complaints/new/").status_code == 200


def test_mistyped_tries_do_not_count_against_complaints(client, controller, settings):
    """A customer who mistypes three times still sends their two complaints; the 429 page says
    when to try again and gives the hotline."""
    settings.COMPLAINT_SUBMIT_RATE = "2/3600"
    for _ in range(3):
        assert client.post("/complaints/new/", form_data(phone="12")).status_code == 200
    for _ in range(2):
        assert client.post("/complaints/new/", form_data(email="")).status_code == 302
    assert Complaint.objects.count() == 2
    response = client.post("/complaints/new/", form_data(email=""))
    assert response.status_code == 429
    page = response.content.decode()
    minutes = -(-int(response["Retry-After"]) // 60)
    assert f"(trong {minutes} phút)" in page
    assert controller.hotline_display in page and 'data-testid="hotline"' in page


def test_a_script_trying_again_and_again_is_stopped(client, controller, settings):
    settings.COMPLAINT_TRY_RATE = "4/3600"
    for _ in range(4):
        assert client.post("/complaints/new/", form_data(phone="12")).status_code == 200
    assert client.post("/complaints/new/", form_data()).status_code == 429
    assert not Complaint.objects.exists()


def test_the_limit_is_per_client_address(client, controller, settings):
    settings.COMPLAINT_SUBMIT_RATE = "1/3600"
    assert client.post("/complaints/new/", form_data()).status_code == 302
    assert client.post("/complaints/new/", form_data()).status_code == 429
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post("/complaints/new/", form_data()).status_code == 302


def test_a_post_without_the_csrf_token_is_refused(controller):
    guarded = Client(enforce_csrf_checks=True)
    response = guarded.post("/complaints/new/", form_data())
    assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_the_form_works_with_its_csrf_token(controller):
    guarded = Client(enforce_csrf_checks=True)
    guarded.get("/complaints/new/")
    token = guarded.cookies["csrftoken"].value
    response = guarded.post("/complaints/new/", form_data(csrfmiddlewaretoken=token))
    assert response.status_code == 302
    assert Complaint.objects.count() == 1


def test_the_sent_page_without_a_complaint_shows_no_code(client, controller):
    response = client.get("/complaints/sent/")
    assert response.status_code == 200
    assert 'data-testid="sent-neutral"' in response.content.decode()


def test_rates_are_read_as_attempts_per_seconds():
    from complaints.ratelimit import Rate, parse_rate

    assert parse_rate("5/3600") == Rate(limit=5, seconds=3600)
    for wrong in ("5", "5/", "five/60", "0/60", "5/0", ""):
        with pytest.raises(ValueError):
            parse_rate(wrong)


def test_the_limit_counts_in_redis_and_forgets_with_its_window(
    client, controller, settings, require_redis
):
    """On several machines the attempts are counted in Redis (CACHE_URL=redis://…), both in one
    round trip; a POST not accepted gives its place back, and each count expires with its
    window: nothing touches it after INCR."""
    import redis
    from django.core.cache import caches

    url = require_redis.rsplit("/", 1)[0] + "/14"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    settings.COMPLAINT_SUBMIT_RATE = "2/3600"
    caches["default"].clear()
    try:
        for _ in range(3):
            assert client.post("/complaints/new/", form_data(phone="12")).status_code == 200
        for _ in range(2):
            assert client.post("/complaints/new/", form_data(email="")).status_code == 302
        assert client.post("/complaints/new/", form_data(email="")).status_code == 429
        assert Complaint.objects.count() == 2

        server = redis.Redis.from_url(url)
        [accepted] = server.keys("*ratelimit:complaint-submit*")
        [tries] = server.keys("*ratelimit:complaint-try*")
        # The mistyped three and the refused one gave their place back; every try counted.
        assert int(server.get(accepted)) == 2
        assert int(server.get(tries)) == 6
        for key in (accepted, tries):
            assert 0 < server.ttl(key) <= 3600
    finally:
        caches["default"].clear()


def test_law91_art4_4_the_form_does_not_make_consent_a_condition(client) -> None:
    """Handling a request is a legal duty: the form asks no consent for it and says so."""
    page = client.get("/complaints/new/").content.decode()
    assert "consent_to_process" not in page
    assert 'data-testid="processing-notice"' in page
