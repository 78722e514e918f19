"""The configuration promises of the spec: production refuses to start without its secrets and
passes Django's deployment checks; Vietnam's time zone and language; SQLite, the default, is
tuned so that web, worker and beat can share one file."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from django.conf import settings

from tests.helpers_processes import (
    MANAGE,
    PROJECT_DIR,
    clean_env,
    run_in_project,
    run_python,
)

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/2",
    "ALLOWED_HOSTS": "pdpdesk.example.vn",
    "PUBLIC_BASE_URL": "https://shop.example.vn",
    "EMAIL_URL": "smtp+tls://pdpdesk:mail-password@smtp.example.vn:587",
    "SMS_BACKEND": "customers.kernel.sms.FileSender",
    "ERASURE_JOURNAL_URL": "file:///srv/pdpdesk-erasure-journal",
}


def dot_env_defines(name: str) -> bool:
    """base.py reads a developer's .env: a variable set there cannot be 'missing'."""
    dot_env = PROJECT_DIR / ".env"
    if not dot_env.is_file():
        return False
    return any(
        line.strip().removeprefix("export ").startswith(f"{name}=")
        for line in dot_env.read_text().splitlines()
    )


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without_each_variable(missing: str, tmp_path: Path) -> None:
    if dot_env_defines(missing):
        pytest.skip(f"{missing} is set in .env")
    env = clean_env(PDPDESK_VAR_DIR=str(tmp_path / "var"))
    env.update({name: value for name, value in PRODUCTION_ENV.items() if name != missing})
    result = run_python("import config.settings.production", env)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_refuses_the_console_sms_sender(tmp_path: Path) -> None:
    """A one-time code printed on a server's console never reaches the customer."""
    env = clean_env(PDPDESK_VAR_DIR=str(tmp_path / "var"))
    env.update({**PRODUCTION_ENV, "SMS_BACKEND": "customers.kernel.sms.ConsoleSender"})
    result = run_python("import config.settings.production", env)
    assert result.returncode != 0
    assert "SMS_BACKEND=customers.kernel.sms.ConsoleSender is for development only" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CACHE_URL", "filecache:///var/tmp/pdpdesk-cache", "CACHE_URL must be Redis"),
        ("CACHE_URL", "locmemcache://", "CACHE_URL must be Redis"),
        ("PUBLIC_BASE_URL", "/khieu-nai", "PUBLIC_BASE_URL must be a full address"),
        ("PUBLIC_BASE_URL", "shop.example.vn", "PUBLIC_BASE_URL must be a full address"),
        ("EMAIL_URL", "consolemail://", "EMAIL_URL=consolemail:// is for development only"),
        ("EMAIL_URL", "memorymail://", "EMAIL_URL=memorymail:// is for development only"),
        ("ERASURE_JOURNAL_URL", "var/erasure-journal", "ERASURE_JOURNAL_URL must name a folder"),
        ("ERASURE_JOURNAL_URL", "s3://pdpdesk/journal", "ERASURE_JOURNAL_URL must name a folder"),
    ],
)
def test_production_refuses_what_works_on_one_machine_only(
    name: str, value: str, message: str, tmp_path: Path
) -> None:
    """Two nodes with their own file caches would each hold "the only" purge lock; an email
    with a path and no host opens nothing; a console email lands in the worker's log."""
    env = clean_env(PDPDESK_VAR_DIR=str(tmp_path / "var"))
    env.update({**PRODUCTION_ENV, name: value})
    result = run_python("import config.settings.production", env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_passes_the_deployment_checks(tmp_path: Path) -> None:
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        PDPDESK_VAR_DIR=str(tmp_path / "var"),
        **PRODUCTION_ENV,
    )
    result = run_in_project(MANAGE, "check", "--deploy", "--fail-level", "WARNING", env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output
    # Production stores nothing on the local disk: a read-only image has no writable var/.
    assert not (tmp_path / "var").exists()


def test_production_reads_its_endpoints_from_the_environment(tmp_path: Path) -> None:
    env = clean_env(PDPDESK_VAR_DIR=str(tmp_path / "var"), **PRODUCTION_ENV)
    result = run_python(
        "import json; from config.settings import production as s; print(json.dumps({"
        "'DEBUG': s.DEBUG, 'ENGINE': s.DATABASES['default']['ENGINE'],"
        "'BROKER': s.CELERY_BROKER_URL, 'HOSTS': s.ALLOWED_HOSTS,"
        "'EMAIL_BACKEND': s.EMAIL_BACKEND, 'EMAIL_HOST': s.EMAIL_HOST,"
        "'TIME_ZONE': s.TIME_ZONE, 'LANGUAGE_CODE': s.LANGUAGE_CODE}))",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "ENGINE": "django.db.backends.postgresql",
        "BROKER": "redis://127.0.0.1:6379/0",
        "HOSTS": ["pdpdesk.example.vn"],
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.vn",
        "TIME_ZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGE_CODE": "vi",
    }


def test_production_leaves_publishing_to_the_relay(tmp_path: Path) -> None:
    """A request only records its tasks; beat runs the relay every few seconds on the
    interactive queue, a run not started in time dropped for the next (customers.kernel.outbox)."""
    env = clean_env(PDPDESK_VAR_DIR=str(tmp_path / "var"), **PRODUCTION_ENV)
    result = run_python(
        "import json; from config.settings import production as s; print(json.dumps({"
        "'on_commit': s.OUTBOX_PUBLISH_ON_COMMIT, 'beat': list(s.CELERY_BEAT_SCHEDULE.values()),"
        "'route': s.CELERY_TASK_ROUTES['customers.tasks.relay_outbox']}))",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "on_commit": False,
        "beat": [
            {
                "task": "customers.tasks.relay_outbox",
                "schedule": 2.0,
                "options": {"expire_seconds": 2},
            }
        ],
        "route": {"queue": "interactive"},
    }
    assert settings.OUTBOX_PUBLISH_ON_COMMIT  # one machine: published as the request commits


def test_vietnamese_first_english_second_in_vietnam_time() -> None:
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"
    assert settings.USE_TZ
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]


SQLITE_PROBE = """
import json, sqlite3
import django
django.setup()
from django.conf import settings
from django.db import connection, transaction

with connection.cursor() as cursor:
    journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    busy_timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
# An IMMEDIATE transaction holds the write lock from its BEGIN, before any write: another
# writer that does not wait is refused at once.
with transaction.atomic():
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        locked_by_begin = False
    except sqlite3.OperationalError as error:
        locked_by_begin = "locked" in str(error)
    other.close()
print(json.dumps({
    "name": connection.settings_dict["NAME"],
    "options": settings.DATABASES["default"]["OPTIONS"],
    "journal_mode": journal_mode,
    "busy_timeout": busy_timeout,
    "locked_by_begin": locked_by_begin,
}))
"""


def test_the_default_sqlite_database_is_shared_safely(tmp_path: Path) -> None:
    """With no environment, web, worker and beat share var/pdpdesk.sqlite3: WAL lets readers
    work while one writes, IMMEDIATE transactions take the write lock up front and the busy
    timeout makes a writer wait for it instead of failing with "database is locked"."""
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.local", PDPDESK_VAR_DIR=str(tmp_path / "var")
    )
    result = run_python(SQLITE_PROBE, env)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["name"] == str((tmp_path / "var" / "pdpdesk.sqlite3").resolve())
    assert probe["options"]["transaction_mode"] == "IMMEDIATE"
    assert probe["options"]["timeout"] >= 5
    assert probe["journal_mode"] == "wal"
    assert probe["busy_timeout"] >= 5000
    assert probe["locked_by_begin"] is True


def test_var_dir_moves_the_database_and_the_broker_folders(tmp_path: Path) -> None:
    env = clean_env(PDPDESK_VAR_DIR=str(tmp_path / "elsewhere"))
    result = run_python(
        "import json; from config.settings import local as s; print(json.dumps({"
        "'db': str(s.DATABASES['default']['NAME']),"
        "'broker': s.CELERY_BROKER_TRANSPORT_OPTIONS}))",
        env,
    )
    assert result.returncode == 0, result.stderr
    paths = json.loads(result.stdout)
    var = (tmp_path / "elsewhere").resolve()
    assert paths["db"] == str(var / "pdpdesk.sqlite3")
    assert paths["broker"]["data_folder_in"] == str(var / "broker" / "queue")
    assert (var / "broker" / "queue").is_dir()
