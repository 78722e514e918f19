"""The default path: with no configuration at all, `make run` gives a working back office.

What `make run` does, for real and in a temporary var/ (PDPDESK_VAR_DIR): migrate, seed_demo,
then the Procfile's web server, Celery worker and beat on SQLite and the embedded filesystem
broker. A user then logs into the admin, reads the privacy page in both languages, and a consent
receipt queued from Django is sent by the worker. Nothing says "database is locked".
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from tests.helpers_processes import (
    MANAGE,
    PROJECT_DIR,
    Process,
    clean_env,
    free_port,
    plain_body,
    read_mail_dir,
    run_in_project,
    running,
    start,
    wait_for,
    wait_for_log,
    wait_for_url,
)

pytestmark = pytest.mark.server

START_TIMEOUT = 60
TASK_TIMEOUT = 30
# Consent receipts queued at once: the worker's two processes read while the web writes
# sessions, so that a locking problem of the shared SQLite file would show.
RECEIPTS = 5

# Run in a Django shell of the started stack: what seed_demo made, and a consent receipt queued
# through the service, as the admin's "send receipt" does.
QUEUE_RECEIPT = """
import json
from customers import services
from customers.models import Customer
from customers.selectors import controller_get, policy_version_current

policy = policy_version_current()
controller = controller_get()
customers = Customer.objects.filter(status=Customer.Status.ACTIVE).exclude(email="")[:RECEIPTS]
for customer in customers:
    services.consent_receipt_request_email(customer=customer)
print(json.dumps({
    "title_vi": policy.title_vi,
    "title_en": policy.title_en,
    "legal_name": controller.legal_name,
    "emails": sorted(customer.email for customer in customers),
}))
"""


def procfile_commands() -> dict[str, str]:
    commands = {}
    for line in (PROJECT_DIR / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


def manage(*args: str, env: dict[str, str], log_dir: Path) -> str:
    result = run_in_project(MANAGE, *args, env=env, timeout=120)
    output = result.stdout + result.stderr
    (log_dir / f"manage-{args[0]}.log").write_text(output)
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{output}"
    return result.stdout


@dataclass
class Page:
    status: int
    url: str
    text: str


class Browser:
    """Enough of a browser for Django admin: cookies, redirects, CSRF from the form."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def open(self, path: str, data: dict[str, str] | None = None) -> Page:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)  # noqa: S310  # local server
        try:
            with self.opener.open(request, timeout=10) as response:
                return Page(response.status, response.url, response.read().decode())
        except urllib.error.HTTPError as error:
            return Page(error.code, error.url, error.read().decode(errors="replace"))

    def log_in(self, username: str, password: str) -> Page:
        form = self.open("/admin/login/?next=/admin/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert match, "no CSRF token in the login form"
        return self.open(
            "/admin/login/?next=/admin/",
            {
                "csrfmiddlewaretoken": match.group(1),
                "username": username,
                "password": password,
                "next": "/admin/",
            },
        )


def test_make_run_serves_the_back_office_and_runs_tasks(tmp_path: Path) -> None:
    port = free_port()
    mail_dir = tmp_path / "mail"
    env = clean_env(
        # Everything else stays at its default: SQLite and the filesystem broker, in var/.
        PDPDESK_VAR_DIR=str(tmp_path / "var"),
        # Emails as files the test can read, instead of the console.
        EMAIL_URL=f"filemail:///{mail_dir}",
        DEMO_ADMIN_USERNAME=settings.DEMO_ADMIN_USERNAME,
        DEMO_ADMIN_PASSWORD=settings.DEMO_ADMIN_PASSWORD,
        WEB_ADDR=f"127.0.0.1:{port}",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    manage("migrate", "--noinput", env=env, log_dir=logs)
    manage("seed_demo", env=env, log_dir=logs)
    assert (tmp_path / "var" / "pdpdesk.sqlite3").is_file()

    processes: list[Process] = [
        start(name, ["sh", "-c", command], env=env, log_dir=logs)
        for name, command in procfile_commands().items()
    ]
    by_name = {process.name: process for process in processes}
    assert set(by_name) == {"web", "worker", "beat"}
    base_url = f"http://127.0.0.1:{port}"
    with running(processes):
        wait_for_url(f"{base_url}/healthz", timeout=START_TIMEOUT, process=by_name["web"])
        wait_for_log(by_name["worker"], " ready.", timeout=START_TIMEOUT)
        wait_for_log(by_name["beat"], "beat: Starting...", timeout=START_TIMEOUT)

        # Queue a consent receipt from Django (a separate process, like the admin's request),
        # and use the web while the worker sends it.
        queue_receipts = QUEUE_RECEIPT.replace("RECEIPTS", str(RECEIPTS))
        output = manage("shell", "-c", queue_receipts, env=env, log_dir=logs)
        seeded = json.loads(output.strip().splitlines()[-1])

        browser = Browser(base_url)
        health = browser.open("/healthz")
        assert (health.status, json.loads(health.text)) == (200, {"status": "ok"})

        login_page = browser.open("/admin/login/")
        assert login_page.status == 200
        assert 'name="username"' in login_page.text
        assert 'name="password"' in login_page.text

        privacy = browser.open("/privacy/")
        assert privacy.status == 200
        assert '<html lang="vi">' in privacy.text
        assert html.escape(seeded["title_vi"]) in privacy.text
        assert html.escape(seeded["legal_name"]) in privacy.text
        privacy_en = browser.open("/en/privacy/")
        assert privacy_en.status == 200
        assert '<html lang="en">' in privacy_en.text
        assert html.escape(seeded["title_en"]) in privacy_en.text
        assert "Who collects and manages your information" in privacy_en.text

        for _ in range(3):  # each login writes a session and the user's last login
            staff = Browser(base_url)
            home = staff.log_in(settings.DEMO_ADMIN_USERNAME, settings.DEMO_ADMIN_PASSWORD)
            assert home.status == 200
            assert urllib.parse.urlparse(home.url).path == "/admin/", "login did not succeed"
            customers = staff.open("/admin/customers/customer/")
            assert customers.status == 200
            assert 'id="result_list"' in customers.text
            assert 'name="_selected_action"' in customers.text, "no customer listed"

        assert seeded["emails"], "seed_demo made no customer with an email"

        with translation.override("vi"):
            receipt_subject = gettext("Your consent receipt")

        def all_receipts() -> list | None:
            # The worker also sends the demo complaints' acknowledgements and replies.
            messages = [
                m
                for m in read_mail_dir(mail_dir)
                if str(m["Subject"]).strip().startswith(receipt_subject)
            ]
            return messages if len(messages) >= len(seeded["emails"]) else None

        messages = wait_for(
            all_receipts,
            timeout=TASK_TIMEOUT,
            what=f"{len(seeded['emails'])} consent receipts in {mail_dir}",
            processes=processes,
        )
        assert sorted(str(m["To"]) for m in messages) == seeded["emails"]
        for message in messages:
            assert seeded["legal_name"] in plain_body(message)
        assert "customers.tasks.send_consent_receipt" in by_name["worker"].log()
        # seed_demo's complaints were acknowledged by the worker, with their tracking codes.
        acknowledged = wait_for(
            lambda: (
                [
                    m
                    for m in read_mail_dir(mail_dir)
                    if re.search(r"KN-\w{5}-\w{5}", str(m["Subject"]))
                ]
                or None
            ),
            timeout=TASK_TIMEOUT,
            what="the demo complaints' acknowledgements",
            processes=processes,
        )
        assert acknowledged

        beat_log = by_name["beat"].log()
        assert "django_celery_beat.schedulers.DatabaseScheduler" in beat_log
        assert "Traceback" not in beat_log
        assert "ERROR" not in beat_log

    # Web, worker and beat share one SQLite file: none of them was ever refused the lock.
    for log in sorted(logs.glob("*.log")):
        assert "database is locked" not in log.read_text(errors="replace"), log.name
