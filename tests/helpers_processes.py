"""Start and stop the real processes a test needs (web server, Celery worker and beat), wait for
them, and show their logs when something goes wrong."""

from __future__ import annotations

import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import kombu.pools
from celery import Celery

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PYTHON = str(VENV_BIN / "python")
CELERY = str(VENV_BIN / "celery")
MANAGE = str(PROJECT_DIR / "manage.py")

# Variables of the developer's or CI's shell that would change which database, broker or mail
# server a started process uses: a test that starts a process states all of them itself.
_CONFIG_PREFIXES = ("DJANGO_", "CELERY_", "PDPDESK_", "TEST_EMAIL_")
_CONFIG_NAMES = {
    "DATABASE_URL",
    "EMAIL_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEFAULT_FROM_EMAIL",
    "ADMIN_URL",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "LOG_LEVEL",
}

T = TypeVar("T")


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without any pdpdesk configuration, plus `overrides`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _CONFIG_NAMES and not name.startswith(_CONFIG_PREFIXES)
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def run_in_project(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The project's virtualenv Python with `args`, at the project's top; output captured."""
    return subprocess.run(
        [PYTHON, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter of the project's virtualenv, at the project's top."""
    return run_in_project("-c", code, env=env)


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """DATABASE_URL for another process to open the database this one uses (at test time: the
    test database)."""
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(settings_dict['NAME']).resolve()}"
    if engine == "django.db.backends.postgresql":
        credentials = quote(settings_dict.get("USER") or "", safe="")
        if settings_dict.get("PASSWORD"):
            credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        at = "@" if credentials else ""
        return f"postgres://{credentials}{at}{host}{port}/{quote(settings_dict['NAME'], safe='')}"
    raise NotImplementedError(f"no DATABASE_URL for {engine}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """A started process, its own process group, and the file its output goes to."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    _log_file: Any = field(repr=False, default=None)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def is_running(self) -> bool:
        return self.popen.poll() is None

    def describe(self) -> str:
        state = "running" if self.is_running() else f"exited with {self.popen.returncode}"
        return f"----- {self.name} ({state}), log {self.log_path} -----\n{self.log()}"


def start(
    name: str, args: list[str], *, env: Mapping[str, str], log_dir: Path, cwd: Path = PROJECT_DIR
) -> Process:
    """Start `args` in a new process group (so that its children — prefork workers — can be
    stopped with it), stdout and stderr to log_dir/<name>.log."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log_file = log_path.open("wb")
    popen = subprocess.Popen(
        args,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Process(name=name, popen=popen, log_path=log_path, _log_file=log_file)


def terminate(process: Process, timeout: float = 10) -> None:
    """SIGTERM the process group (Celery's warm shutdown), SIGKILL it if it lingers."""
    pgid = process.popen.pid  # start_new_session: the process leads its own group
    if process.is_running():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        try:
            process.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            process.popen.wait(timeout=timeout)
    # Children left behind by a parent that died first.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    if process._log_file is not None:
        process._log_file.close()


@contextlib.contextmanager
def running(processes: list[Process]) -> Iterator[list[Process]]:
    """Terminate every process on the way out; print their logs when the block failed."""
    try:
        yield processes
    except BaseException:
        for process in processes:
            terminate(process)
            print(process.describe(), file=sys.stderr)
        raise
    finally:
        for process in processes:
            terminate(process)


def wait_for(
    condition: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    processes: Sequence[Process] = (),
    interval: float = 0.2,
) -> T:
    """Poll `condition` until it returns something truthy; fail early when a process dies."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        for process in processes:
            if not process.is_running():
                raise AssertionError(f"{process.name} died while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def wait_for_log(process: Process, text: str, *, timeout: float) -> str:
    return wait_for(
        lambda: process.log() if text in process.log() else None,
        timeout=timeout,
        what=f"{text!r} in the log of {process.name}",
        processes=[process],
    )


def http_get_status(url: str) -> int | None:
    """The status of GET url, or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  # http://127.0.0.1 only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return None


def wait_for_url(url: str, *, timeout: float, process: Process) -> int:
    """Wait until something answers at url (any HTTP status); return that status."""
    return wait_for(
        lambda: http_get_status(url),
        timeout=timeout,
        what=f"an answer from {url}",
        processes=[process],
    )


# Emails written by django.core.mail.backends.filebased ---------------------------------------

_FILEMAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def read_mail_dir(directory: Path) -> list[EmailMessage]:
    """Every complete message the file backend wrote into directory, oldest first."""
    messages: list[EmailMessage] = []
    if not directory.is_dir():
        return messages
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_bytes().split(_FILEMAIL_SEPARATOR)[:-1]:  # last: incomplete
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            messages.append(message)
    return messages


def plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the email has no text/plain part"
    return str(part.get_content())


# Celery ------------------------------------------------------------------------------------


def worker_command(queue: str, *, name: str = "") -> list[str]:
    """A Celery worker of the project on its own queue: one process, no chatter with others."""
    host = f"{name}-{queue}" if name else queue
    return [
        CELERY,
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        f"--queues={queue}",
        f"--hostname={host}@%h",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
    ]


def start_worker(name: str, *, queue: str, env: Mapping[str, str], log_dir: Path) -> Process:
    return start(name, worker_command(queue, name=name), env=env, log_dir=log_dir)


@contextlib.contextmanager
def celery_broker(app: Celery, url: str, **conf: Any) -> Iterator[None]:
    """Point this process's Celery app at another broker (and other settings in `conf`), then
    back. The CELERY_BROKER_URL environment variable wins over the app's configuration in Celery,
    so it is changed too; pooled connections to the old broker are dropped both ways."""
    saved_env = os.environ.get("CELERY_BROKER_URL")
    changes = {"broker_url": url, "broker_transport_options": {}, **conf}
    saved_conf = {key: app.conf.get(key) for key in changes}

    def drop_pools() -> None:
        # The app's pools live in kombu's process-wide registry, keyed by broker: close and
        # forget them all, or a later send would reuse a closed pool.
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    drop_pools()
    os.environ["CELERY_BROKER_URL"] = url
    app.conf.update(changes)
    try:
        yield
    finally:
        drop_pools()
        app.conf.update(saved_conf)
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
