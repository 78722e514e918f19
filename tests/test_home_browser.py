"""The admin's home in a real browser (Debian's Chromium, as tests/complaints/test_browser.py
starts it): the DPO signs in, reads the counts of the seeded overdue items, and a click on a
count opens the queue filtered to exactly those complaints. Every role's home is photographed
at 1366×900 (into $HOME_SHOTS_DIR when it is set, else the test's temporary folder) and must
not overflow the window."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from customers import services as customer_services
from customers.models import Channel
from tests.complaints.test_browser import browser  # noqa: F401  # the fixture
from tests.factories import CustomerFactory, role_member
from tests.test_home import seeded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PASSWORD = "correct horse battery"


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:  # noqa: F811  # the fixture imported above
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def signed_in_page(context: Any, live_server: Any, username: str) -> Any:
    context.clear_cookies()
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#content-main")
    return page


def shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("HOME_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    ), f"{name}: the home is wider than the window"


def figure_of(page: Any, label: str) -> str:
    item = page.locator(".home-item", has_text=label).first
    return str(item.locator(".home-figure").inner_text()).strip()


def test_the_dpo_reads_the_counts_and_a_click_opens_exactly_those_complaints(
    desktop: Any, live_server: Any, tmp_path: Path, policy: Any, marketing: Any
) -> None:
    care = role_member("customer_care", "cskh-lan")
    legal = role_member("legal_compliance", "phap-che-binh")
    seeded(legal, care)
    for _ in range(3):
        customer_services.consent_grant(
            customer=CustomerFactory.create(),
            purpose=marketing,
            channel=Channel.WEB_FORM,
            form_reference="WF-2026-000125",
            ip_address="203.113.5.7",
            user_agent="Mozilla/5.0",
        )
    page = signed_in_page(desktop, live_server, legal.username)
    assert page.get_attribute("html", "lang") == "vi"
    assert figure_of(page, "Quá hạn") == "2"
    assert figure_of(page, "Xác nhận tiếp nhận bị trễ") == "2"
    assert figure_of(page, "Phong tỏa pháp lý đang hiệu lực") == "1"
    breach = page.locator(".home-item.home-danger", has_text="còn 11 giờ")
    assert breach.count() == 1
    assert page.locator("svg.home-chart[role=img]").count() >= 2
    shot(page, "home-legal_compliance", tmp_path)

    page.locator(".home-item", has_text="Quá hạn").first.locator("a").click()
    page.wait_for_selector("#result_list")
    assert "deadline=overdue" in page.url
    assert page.locator("#result_list tbody tr").count() == 2

    page.close()
    # Each role's home: its own part only (sales has no count to see: no panel at all).
    for role, username, panel in (
        ("customer_care", care.username, True),
        ("administrator", role_member("administrator", "quan-tri").username, True),
        ("sales", role_member("sales", "kinh-doanh").username, False),
        ("accounting", role_member("accounting", "ke-toan").username, False),
    ):
        role_page = signed_in_page(desktop, live_server, username)
        assert (role_page.locator("#home-attention-title").count() == 1) is panel, role
        shot(role_page, f"home-{role}", tmp_path)
        role_page.close()
