"""The public complaint pages in a real browser: Debian's Chromium (/usr/bin/chromium) driven by
Playwright against the live test server. No browser is ever downloaded: without the system's
Chromium the tests are skipped on a developer's machine and fail in CI (CI=true)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

from complaints.models import Complaint, Evidence
from tests.conftest import require_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require_service(
        "Playwright", sync_playwright is not None, "pip install -e '.[dev]' (it brings playwright)"
    )
    require_service(
        "Chromium",
        Path(CHROMIUM).exists() or shutil.which("chromium") == CHROMIUM,
        "install Debian's package: apt-get install chromium",
    )
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are synchronous and safe (Django's documented escape hatch).
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    assert sync_playwright is not None
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    """A page the size of a phone's screen, in a browser set to Vietnamese."""
    cache.clear()  # the attempt counters of the rate limit
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
        cache.clear()


def overflows_horizontally(page: Any) -> bool:
    """Wider than the phone's screen. Not window.innerWidth: a mobile browser widens its layout
    viewport to a page that overflows, and the page would then seem to fit."""
    return bool(page.evaluate("document.documentElement.scrollWidth > screen.width"))


def test_a_customer_sends_a_complaint_with_evidence_and_follows_it(
    phone_page, live_server, controller, tmp_path
):
    page = phone_page
    evidence = tmp_path / "anh-chup-tin-nhan.pdf"
    evidence.write_bytes(PDF_BYTES)

    page.goto(f"{live_server.url}/complaints/new/")
    assert page.get_attribute("html", "lang") == "vi"
    page.screenshot(path=str(tmp_path / "complaint-form-phone.png"), full_page=True)
    assert (tmp_path / "complaint-form-phone.png").stat().st_size > 0
    assert not overflows_horizontally(page)

    page.fill("#id_name", "Lê Thị Mai")
    page.fill("#id_phone", "0912 345 678")
    page.fill("#id_email", "mai.le@example.vn")
    page.select_option("#id_kind", "suspected_leak")
    page.fill("#id_description", "Tôi nhận cuộc gọi lạ biết rõ đơn hàng tôi vừa đặt hôm qua.")
    page.set_input_files("#id_evidence", str(evidence))
    page.click("button[type=submit]")

    page.wait_for_url(f"{live_server.url}/complaints/sent/")
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    complaint = Complaint.objects.get()
    assert code == complaint.tracking_code
    assert complaint.language == "vi"
    assert complaint.submitter_phone == "+84912345678"
    stored = Evidence.objects.get(complaint=complaint)
    assert stored.original_name == "anh-chup-tin-nhan.pdf"
    assert stored.content_type == "application/pdf"
    assert "anh-chup" not in stored.file.name
    assert not overflows_horizontally(page)

    page.goto(f"{live_server.url}/complaints/status/")
    page.fill("#id_tracking_code", code.lower())
    page.fill("#id_contact", "+84 912 345 678")
    page.click("button[type=submit]")

    result = page.get_by_test_id("status-result")
    result.wait_for()
    assert page.get_by_test_id("result-code").inner_text().strip() == code
    with translation.override("vi"):
        received = str(Complaint.Status.RECEIVED.label)
    assert page.get_by_test_id("status").inner_text().strip() == received
    assert page.get_attribute("html", "lang") == "vi"
    assert not overflows_horizontally(page)


def test_bad_input_is_shown_next_to_the_fields_with_everything_typed_kept(
    phone_page, live_server, controller
):
    page = phone_page
    page.goto(f"{live_server.url}/complaints/new/")
    page.fill("#id_name", "Phạm Quốc Huy")
    page.fill("#id_phone", "0912 34")
    page.fill("#id_email", "huy.pham@example.vn")
    page.select_option("#id_kind", "deletion")
    page.fill("#id_description", "Xin xóa toàn bộ dữ liệu của tôi.")
    page.click("button[type=submit]")

    page.get_by_test_id("error-summary").wait_for()
    assert not Complaint.objects.exists()

    # Each message sits in its field's block and is what the input is described by.
    phone_error = page.locator("#field-phone #id_phone_error")
    assert phone_error.is_visible()
    assert phone_error.inner_text().strip()
    assert "id_phone_error" in (page.get_attribute("#id_phone", "aria-describedby") or "")
    assert page.get_attribute("#id_phone", "aria-invalid") == "true"
    # No consent is asked for handling it (Law 91/2025 Art. 4(4)): the form informs instead.
    assert page.get_by_test_id("processing-notice").is_visible()
    # Fields that were right carry no message.
    assert page.locator("#field-name .errorlist").count() == 0
    assert page.locator("#field-email .errorlist").count() == 0

    # Nothing typed is lost.
    assert page.input_value("#id_name") == "Phạm Quốc Huy"
    assert page.input_value("#id_phone") == "0912 34"
    assert page.input_value("#id_email") == "huy.pham@example.vn"
    assert page.input_value("#id_kind") == "deletion"
    assert page.input_value("#id_description") == "Xin xóa toàn bộ dữ liệu của tôi."
    assert not overflows_horizontally(page)

    # Corrected, it goes through.
    page.fill("#id_phone", "0912 345 678")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/complaints/sent/")
    assert Complaint.objects.get().submitter_phone == "+84912345678"


def test_mistakes_are_not_held_against_the_customer_and_the_limit_says_when(
    phone_page, live_server, controller, settings
):
    settings.COMPLAINT_SUBMIT_RATE = "1/3600"
    page = phone_page

    def send(phone: str) -> None:
        page.goto(f"{live_server.url}/complaints/new/")
        page.fill("#id_name", "Võ Thị Lan")
        page.fill("#id_phone", phone)
        page.select_option("#id_kind", "access")
        page.fill("#id_description", "Tôi muốn xem dữ liệu của tôi.")
        page.click("button[type=submit]")

    for _ in range(3):
        send("0912 34")
        page.get_by_test_id("error-summary").wait_for()
    send("0912 345 678")
    page.wait_for_url(f"{live_server.url}/complaints/sent/")
    send("0912 345 678")
    page.get_by_test_id("rate-limited").wait_for()
    told = page.get_by_test_id("rate-limited").inner_text()
    assert "thử lại lúc" in told and "phút" in told
    assert controller.hotline_display in page.get_by_test_id("hotline").inner_text()
    assert Complaint.objects.count() == 1
    assert not overflows_horizontally(page)


@pytest.mark.parametrize("language", ["", "/en"])
def test_every_public_page_fits_a_phone(phone_page, live_server, controller, policy, language):
    """390×844, Vietnamese and English: no page is wider than the screen, even with a long
    email address and website in the contact card, and a wrong field is framed in red."""
    controller.email = "cham-soc-khach-hang.mien-nam@cong-ty-thuong-mai-my-tho.example.vn"
    controller.website = "https://www.cong-ty-thuong-mai-my-tho.example.vn/chinh-sach-bao-mat"
    controller.save()
    page = phone_page
    cut_off = (
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > screen.width + 1).length"
    )
    for path in ("/privacy/", "/complaints/new/", "/complaints/status/", "/complaints/sent/"):
        page.goto(f"{live_server.url}{language}{path}")
        assert not overflows_horizontally(page), f"{language}{path}"
        assert page.evaluate(cut_off) == 0, f"{language}{path}: something is cut off"
    page.goto(f"{live_server.url}{language}/complaints/new/")
    page.fill("#id_phone", "0912 34")
    page.click("button[type=submit]")
    page.get_by_test_id("error-summary").wait_for()
    border = page.eval_on_selector("#id_phone", "e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(180, 35, 24)"
    assert not overflows_horizontally(page)


def test_staff_type_a_date_day_first_in_the_admin(browser: Any, live_server: Any) -> None:
    """01/12/2026 typed into a date field is the 1st of December, shown back the same way."""
    import datetime

    from complaints.models import PublicHoliday
    from tests.factories import StaffFactory

    StaffFactory.create(username="root", is_superuser=True, password="mat-khau-2026")
    context = browser.new_context(locale="vi-VN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", "root")
        page.fill("#id_password", "mat-khau-2026")
        page.click("input[type=submit]")
        page.goto(f"{live_server.url}/admin/complaints/publicholiday/add/")
        page.fill("#id_date", "01/12/2026")
        page.fill("#id_name", "Ngày thử")
        page.click("input[name=_continue]")
        page.wait_for_url("**/change/")
        assert page.input_value("#id_date") == "01/12/2026"
    finally:
        context.close()
    assert PublicHoliday.objects.get(name="Ngày thử").date == datetime.date(2026, 12, 1)
