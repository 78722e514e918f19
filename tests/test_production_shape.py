"""The production shape, run as Procfile.production runs it: production settings, the release
step, two gunicorn web nodes on two ports and two workers for the long jobs, one interactive
worker and one beat, all on PostgreSQL and Redis.

- A complaint filed on node A is routed by a staff member on node B (sessions, data and the
  job locks are shared, nothing lives in one process).
- Its acknowledgement goes out through the interactive queue.
- A purge started twice, on two workers at once, runs once, and its erasures are journaled.
- The admin's CSS is served by the application under a hashed name.
- The logs of it all carry no name, phone or email.
"""

from __future__ import annotations

import datetime
import importlib
import json
import re
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
import requests
from django.db import connection

from complaints.models import Complaint
from config.celery_app import app as celery_app
from customers.models import Customer
from retention.jobs import TASK_PURGE_EXPIRED
from retention.models import ErasureReceipt, PurgeRun
from retention.tasks import purge_expired
from tests.factories import CustomerFactory
from tests.helpers_processes import (
    MANAGE,
    PROJECT_DIR,
    VENV_BIN,
    Process,
    celery_broker,
    clean_env,
    database_url,
    free_port,
    read_mail_dir,
    run_in_project,
    running,
    start,
    wait_for,
    wait_for_log,
    wait_for_url,
)

pytestmark = [
    pytest.mark.server,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

PROCFILE = PROJECT_DIR / "Procfile.production"
QUEUES = ("interactive", "celery", "webhooks", "purges", "imports")
EXPIRED_CUSTOMERS = 150
LAST_SEEN = datetime.datetime(2021, 3, 1, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
START_TIMEOUT = 60
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def procfile() -> dict[str, str]:
    lines = PROCFILE.read_text().splitlines()
    entries = (line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): command.strip() for name, command in entries}


def run_entry(name: str, command: str, *, env: dict[str, str], log_dir: Path) -> Process:
    """A Procfile line as a platform runs it: a shell, the virtualenv first on PATH."""
    return start(name, ["bash", "-c", command], env=env, log_dir=log_dir)


class Browser:
    """A staff member's or customer's browser behind the company's HTTPS proxy: the proxy says
    so (X-Forwarded-Proto), and the Secure cookies are sent back to whichever node answers."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.cookies: dict[str, str] = {}

    def _headers(self, url: str) -> dict[str, str]:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {
            "X-Forwarded-Proto": "https",
            "Referer": url.replace("http://", "https://"),
            **({"Cookie": cookie} if cookie else {}),
        }

    def _keep(self, response: requests.Response) -> requests.Response:
        self.cookies.update({cookie.name: cookie.value or "" for cookie in response.cookies})
        return response

    def get(self, url: str) -> requests.Response:
        response = self.session.get(url, headers=self._headers(url), allow_redirects=False)
        self.session.cookies.clear()
        return self._keep(response)

    def post_form(self, url: str, data: dict[str, str]) -> requests.Response:
        page = self.get(url)
        assert page.status_code == 200, (url, page.status_code, page.text[:2000])
        token = CSRF_INPUT.search(page.text)
        assert token, f"no CSRF token on {url}"
        response = self.session.post(
            url,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers=self._headers(url),
            allow_redirects=False,
        )
        self.session.cookies.clear()
        return self._keep(response)


def _first_option(html: str, select: str) -> str:
    block = re.search(rf'<select name="{select}"[^>]*>(.*?)</select>', html, re.S)
    assert block, f"no {select} choice on the page"
    values = [v for v in re.findall(r'<option value="([^"]*)"', block.group(1)) if v]
    assert values, f"the {select} choice is empty"
    return values[0]


def _clear_queues(url: str) -> None:
    client = redis.Redis.from_url(url)
    for queue in QUEUES:
        client.delete(queue, f"_kombu.binding.{queue}")
    client.close()


@pytest.fixture(autouse=True)
def _default_rules() -> None:
    """The retention rules as their migration makes them (a transactional test flushed them)."""
    from django.apps import apps

    importlib.import_module("retention.migrations.0002_default_rules").create_rules(apps, None)


def test_two_web_nodes_and_two_workers_share_one_deployment(
    require_redis: str, require_postgres: None, tmp_path: Path
) -> None:
    # Its own Redis database: the production queues have fixed names.
    broker = re.sub(r"/\d*$", "", require_redis.rstrip("/")) + "/14"
    _clear_queues(broker)
    password = secrets.token_urlsafe(16)
    personal: set[str] = {"Nguyễn Thị Hoa", "hoa.nguyen@example.vn", "912345678"}
    for _ in range(EXPIRED_CUSTOMERS):
        customer = CustomerFactory()
        digits = "".join(filter(str.isdigit, customer.phone))
        personal |= {customer.full_name, customer.phone, digits[-9:]} | ({customer.email} - {""})
    Customer.objects.update(last_activity_at=LAST_SEEN)  # the 36-month rule reaches them all

    mail_dir = tmp_path / "mail"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        PATH=f"{VENV_BIN}:/usr/bin:/bin",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL=database_url(connection.settings_dict),
        CELERY_BROKER_URL=broker,
        CACHE_URL=broker,
        ALLOWED_HOSTS="127.0.0.1",
        PUBLIC_BASE_URL="https://pdpdesk.example.vn",
        EMAIL_URL=f"filemail:///{mail_dir}",
        SMS_BACKEND="customers.kernel.sms.FileSender",
        SMS_OPTIONS=f'{{"path": "{tmp_path / "sms.txt"}"}}',
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        ERASURE_JOURNAL_URL=f"file://{tmp_path / 'erasure-journal'}",
        SECURE_SSL_REDIRECT="False",  # the proxy in front speaks HTTPS; the test talks HTTP
        WEB_CONCURRENCY="2",
        INTERACTIVE_CONCURRENCY="1",
        RETENTION_PURGE_BATCH_SIZE="3",
    )
    entries = procfile()
    release = run_entry("release", entries["release"], env=env, log_dir=tmp_path)
    assert release.popen.wait(timeout=300) == 0, release.describe()
    # Staff as the README creates them (the test's own settings hash passwords another way).
    created = run_in_project(
        MANAGE,
        "createsuperuser",
        "--no-input",
        "--username=dpo",
        "--email=dpo@example.vn",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": password},
    )
    assert created.returncode == 0, created.stderr

    ports = [free_port(), free_port()]
    webs = [
        run_entry(f"web-{n}", entries["web"], env={**env, "PORT": str(port)}, log_dir=tmp_path)
        for n, port in enumerate(ports)
    ]
    workers = [
        run_entry(
            f"worker-long-{n}",
            entries["worker_long"].replace("%h", f"node{n}"),
            env=env,
            log_dir=tmp_path,
        )
        for n in range(2)
    ]
    interactive = run_entry(
        "worker-interactive", entries["worker_interactive"], env=env, log_dir=tmp_path
    )
    beat = run_entry("beat", entries["beat"], env=env, log_dir=tmp_path)
    processes = [*webs, *workers, interactive, beat]
    a, b = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        with running(processes):
            for web, base in zip(webs, (a, b), strict=True):
                assert wait_for_url(f"{base}/healthz", timeout=START_TIMEOUT, process=web) == 200
            for worker in [*workers, interactive]:
                wait_for_log(worker, " ready.", timeout=START_TIMEOUT)

            # The admin's styles, from the application itself, under their hashed name.
            login_page = Browser().get(f"{a}/admin/login/")
            css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login_page.text)
            assert css, "the admin's stylesheet has no hashed name"
            stylesheet = requests.get(f"{b}{css.group(1)}", timeout=10)
            assert stylesheet.status_code == 200
            assert stylesheet.headers["Content-Type"].startswith("text/css")
            assert "max-age=315360000" in stylesheet.headers["Cache-Control"]

            # A customer files a complaint on node A.
            customer = Browser()
            filed = customer.post_form(
                f"{a}/complaints/new/",
                {
                    "name": "Nguyễn Thị Hoa",
                    "phone": "0912 345 678",
                    "email": "hoa.nguyen@example.vn",
                    "kind": "disclosure_without_consent",
                    "description": "Tôi nhận được tin nhắn quảng cáo của một công ty khác.",
                    "website": "",
                },
            )
            assert filed.status_code == 302, filed.text[:2000]
            complaint = Complaint.objects.get(submitter_email="hoa.nguyen@example.vn")
            # Its acknowledgement, by the interactive worker.
            wait_for(
                lambda: [m for m in read_mail_dir(mail_dir) if m["To"] == "hoa.nguyen@example.vn"],
                timeout=60,
                what="the acknowledgement email",
                processes=[interactive],
            )

            # The DPO signs in on node A and routes it on node B.
            staff = Browser()
            signed_in = staff.post_form(
                f"{a}/admin/login/?next=/admin/", {"username": "dpo", "password": password}
            )
            assert signed_in.status_code == 302, signed_in.text[:2000]
            route = f"{b}/admin/complaints/complaint/{complaint.pk}/step/route/"
            step = staff.get(route)
            assert step.status_code == 200, step.text[:2000]
            routed = staff.post_form(
                route,
                {"department": _first_option(step.text, "department"), "kind": complaint.kind},
            )
            assert routed.status_code == 302, routed.text[:3000]
            complaint.refresh_from_db()
            assert complaint.status == Complaint.Status.ROUTED
            assert complaint.department

            # The purge started twice at once, on the two workers: one runs, one is skipped.
            with celery_broker(celery_app, broker):
                for _ in range(2):
                    purge_expired.apply_async(queue="purges")
            wait_for(
                lambda: PurgeRun.objects.filter(
                    task=TASK_PURGE_EXPIRED, status=PurgeRun.Status.FINISHED
                ).first(),
                timeout=120,
                what="the purge to finish",
                processes=workers,
            )
            wait_for(
                lambda: all("succeeded" in worker.log() for worker in workers),
                timeout=60,
                what="both workers to take a purge",
                processes=workers,
            )
            assert beat.is_running(), beat.describe()
    finally:
        _clear_queues(broker)

    assert PurgeRun.objects.filter(task=TASK_PURGE_EXPIRED).count() == 1
    assert ErasureReceipt.objects.count() == EXPIRED_CUSTOMERS
    # Every erasure is in the journal kept outside the database (a restore replays it).
    journal = [
        json.loads(line)
        for path in (tmp_path / "erasure-journal").glob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    committed = {entry["customer"] for entry in journal if entry["event"] == "committed"}
    assert committed == set(ErasureReceipt.objects.values_list("customer_id", flat=True))
    skipped = [w for w in workers if "skipped: another run holds its lock" in w.log()]
    assert len(skipped) == 1, "\n".join(w.describe() for w in workers)
    # The logs of the whole run (web nodes, workers, beat, the release) name nobody: no name,
    # phone or email of the complaint's submitter or of the 150 customers erased.
    logs = "\n".join(process.log() for process in [release, *processes])
    assert "POST /complaints/new/" in logs  # the access log is there, without its body
    leaked = sorted(value for value in personal if value in logs)
    assert not leaked, leaked
