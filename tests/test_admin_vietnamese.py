"""Every admin page a staff member can reach is in Vietnamese: logged in as each role (and as the
superuser) on the demo data, the test follows every link of the admin from its home page and
fails on an English word in what the page shows — its text, and the titles, labels and
placeholders a screen reader or a tooltip reads.

An English word is one of the words of the English messages Django's admin, its contrib apps,
the third-party apps we show and pdpdesk itself are written in, that no Vietnamese translation
uses; a short allow-list names what stays as it is (product and format names).
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import axes
import django
import django_celery_beat
import polib
import pytest
import simple_history
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from customers.demo_data import DEMO_STAFF

pytestmark = pytest.mark.django_db

# Names that are the same in Vietnamese: the product, formats, protocols, the law's own forms.
ALLOWED = {
    "pdpdesk",
    "email",
    "emails",
    "sms",
    "json",
    "csv",
    "xlsx",
    "pdf",
    "html",
    "url",
    "id",
    "ok",
    "celery",
    "cron",
    "crontab",
    "utc",
    "hmac",
    "sha",
    "ip",
    "jpeg",
    "png",
    # Syllables of the demo's Vietnamese names and brands that are English words too
    # ("Võ Ngọc My", "Lê Văn Long", "Viettel Post").
    "my",
    "long",
    "post",
    # The demo's staff usernames.
    *(username for _role, username in DEMO_STAFF),
}
PAGES_PER_PATTERN = 1
MAX_PAGES = 400


def _catalogue_words(path: Path, *, field: str) -> set[str]:
    words: set[str] = set()
    for entry in polib.pofile(str(path)):
        texts = [getattr(entry, field)]
        if field == "msgid" and entry.msgid_plural:
            texts.append(entry.msgid_plural)
        if field == "msgstr" and entry.msgstr_plural:
            texts.extend(entry.msgstr_plural.values())
        for text in texts:
            text = re.sub(r"%\(\w+\)[sdf]|%[sd]|\{[^}]*\}|<[^>]+>", " ", text)
            words.update(word.lower() for word in re.findall(r"[A-Za-z]{2,}", text))
    return words


def _english_words() -> set[str]:
    site = Path(django.__file__).parent
    english: set[str] = set()
    vietnamese: set[str] = set()
    sources = [
        site / "contrib" / app / "locale" / "vi" / "LC_MESSAGES" / "django.po"
        for app in ("admin", "auth", "contenttypes", "sessions")
    ]
    for package in (django_celery_beat, axes, simple_history):
        sources.extend(Path(package.__file__).parent.glob("locale/*/LC_MESSAGES/django.po"))
    ours = [
        Path(settings.BASE_DIR) / folder / "vi" / "LC_MESSAGES" / "django.po"
        for folder in ("locale", "locale_third_party")
    ]
    for source in [*sources, *ours]:
        english |= _catalogue_words(source, field="msgid")
    for source in [*sources[:4], *ours]:
        vietnamese |= _catalogue_words(source, field="msgstr")
    return english - vietnamese - ALLOWED


ENGLISH = _english_words()

# Where a page shows a value rather than words of the interface, left out: what staff keep in
# English on purpose (a purpose's English name, the English policy: fields ending in _en), a
# browser's user-agent string, a password hash's random salt, and the IANA names of the time zones a
# cron schedule offers.
_VALUE_CLASS = re.compile(r"\bfield-(?:\w+_en|user_agent|password)\b")
# A complaint's texts are the customer's and the replies to them, in the customer's language.
_COMPLAINT_TEXTS = re.compile(r"\bfield-(?:description|body|resolution)\b")
_SKIPPED_TAGS = {"script", "style", "template", "textarea"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}
_READ_ATTRS = ("title", "placeholder", "aria-label", "alt")
# What staff typed or the demo made up: addresses, links, usernames, codes, file names.
_DATA = re.compile(
    r"<unknown>|\{\w+\}|\S+@\S+|https?://\S+|\b[\w.-]+\.(?:vn|com|net|org|pdf|png|jpe?g|json|csv|html)\b|"
    r"\b[\w]+(?:[-_./][\w]+)+\b|\b[A-Z0-9]{2,}\b"
)


class _ShownText(HTMLParser):
    """The text a page shows or reads out (its titles, labels, alt texts, button values), not
    the values inside its form fields."""

    def __init__(self, values: re.Pattern[str] = _VALUE_CLASS) -> None:
        super().__init__(convert_charrefs=True)
        self.values = values
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the open tags whose content is left out

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.skipping:
            if tag not in _VOID:
                self.skipping.append(tag)
            return
        classes = values.get("class") or ""
        if (
            tag in _SKIPPED_TAGS
            or self.values.search(classes)
            or (tag == "select" and values.get("name") == "timezone")
        ):
            if tag not in _VOID:
                self.skipping.append(tag)
            return
        self.parts.extend(values[name] or "" for name in _READ_ATTRS if values.get(name))
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def shown_text(page: str, *, complaint: bool = False) -> str:
    values = (
        re.compile(f"{_VALUE_CLASS.pattern}|{_COMPLAINT_TEXTS.pattern}")
        if complaint
        else _VALUE_CLASS
    )
    parser = _ShownText(values)
    parser.feed(page)
    return " ".join(parser.parts)


def english_in(text: str) -> list[str]:
    text = _DATA.sub(" ", text)
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() in ENGLISH})


def _links(page: str, base: str, admin: str) -> Iterator[str]:
    for href in re.findall(r'href="([^"#]+)', page):
        url = urljoin(base, html.unescape(href))
        parts = urlsplit(url)
        if not parts.path.startswith(admin) or parts.netloc not in ("", "testserver"):
            continue
        if "logout" in parts.path or "jsi18n" in parts.path:
            continue
        # A list's filters and sort orders are the same page: one query string of each kind.
        query = parts.query.split("&")[0] if parts.query else ""
        yield parts.path + (f"?{query}" if query else "")


def _pattern(url: str) -> str:
    path, _, query = url.partition("?")
    return re.sub(r"/\d+/", "/N/", path) + ("?" + query.split("=")[0] if query else "")


def crawl(client: Client) -> dict[str, list[str]]:
    admin = "/" + settings.ADMIN_URL
    seen: dict[str, int] = {}
    queue = [admin]
    visited: set[str] = set()
    found: dict[str, list[str]] = {}
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        if url in visited:
            continue
        pattern = _pattern(url)
        if seen.get(pattern, 0) >= PAGES_PER_PATTERN:
            continue
        seen[pattern] = seen.get(pattern, 0) + 1
        visited.add(url)
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        words = english_in(shown_text(page, complaint="/complaints/complaint/" in url))
        if words:
            found[url] = words
        queue.extend(link for link in _links(page, url, admin) if link not in visited)
    return found


@pytest.fixture
def demo(db: None) -> None:
    call_command("seed_demo", "--customers", "30", stdout=io.StringIO())


def test_the_detector_finds_english_and_passes_vietnamese() -> None:
    assert english_in("Please correct the errors below.")
    assert english_in("Show counts")
    assert not english_in("Vui lòng sửa các lỗi dưới đây. Gửi email cho khách hàng (PDF)")
    assert not english_in("thu.hoai.pham@example.vn KN-7Q3X0-AB1CD cskh-lan")


@pytest.mark.parametrize(
    "login", [settings.DEMO_ADMIN_USERNAME, *(username for _role, username in DEMO_STAFF)]
)
def test_every_admin_page_is_in_vietnamese(demo: None, login: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    user: Any = get_user_model()._default_manager.get(username=login)
    client.force_login(user)
    found = crawl(client)
    report = "\n".join(f"{url}: {' '.join(words)}" for url, words in sorted(found.items()))
    assert not found, f"English words on the admin pages of {login}:\n{report}"


def test_internal_keys_are_shown_by_name(admin_client: Client) -> None:
    """A purge run's task and counts, and an access-log entry, name what they are in
    Vietnamese — not "retention.tasks.purge_expired", "customers.HistoricalCustomer" or
    "delivery_address"."""
    from django.urls import reverse
    from django.utils import timezone

    from customers.models import AccessLog
    from retention.models import TASK_PURGE_EXPIRED, PurgeRun

    run = PurgeRun.objects.create(
        task=TASK_PURGE_EXPIRED,
        trigger=PurgeRun.Trigger.SCHEDULE,
        started_at=timezone.now(),
        counts={"customers.Customer": 2, "customers.HistoricalCustomer": 3},
        errors=[{"request_id": 7, "error": "ValueError"}],
    )
    page = admin_client.get(reverse("admin:retention_purgerun_change", args=[run.pk]))
    text = shown_text(page.content.decode())
    assert "retention.tasks" not in text and "customers.Customer" not in text
    assert "khách hàng: 2" in text and "lịch sử của khách hàng: 3" in text
    assert "yêu cầu xóa #7: ValueError" in text

    # The demo records its disclosures through the service: each log entry names the items.
    call_command("seed_demo", "--customers", "30", stdout=io.StringIO())
    details = list(
        AccessLog.objects.filter(action=AccessLog.Action.DISCLOSE).values_list("detail", flat=True)
    )
    assert details
    for detail in details:
        assert "delivery_address" not in detail and not english_in(detail), detail
