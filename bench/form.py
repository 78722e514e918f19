"""The public complaint form under load: requests per second and latency of its GET and POST
under gunicorn, against a bare Django view (bench/bare.py) on the same server in the same run.

    python -m bench.form --database-url postgres://postgres@127.0.0.1:5432/bench_form

Migrates and seeds the database (seed_demo: the controller and its policy), starts gunicorn with
bench/form_settings.py (production-like: DEBUG off, database sessions, Redis cache shared by the
workers, Celery's broker on Redis), then drives it from an asyncio load generator (aiohttp) on
loopback: CLIENTS concurrent clients, each with its own cookies and CSRF token, sending requests
back to back for DURATION seconds per phase. Prints the figures and appends them to
bench/RESULTS.md.

Both encodings are measured, for the bare view and the form alike: multipart (what a browser
sends for the complaint form, whose file input makes it multipart/form-data) and urlencoded.

Targets (issue #18): the form's POST at least 20% of the bare view's POST requests per second
in each encoding; p95 under 150 ms at 32 clients back to back, and under 100 ms at 32 clients
paced at half the measured capacity.

With OUTBOX_PUBLISH_ON_COMMIT off (as in production) a POST leaves the acknowledgement it owes
in the outbox; the relay that publishes it runs on the workers in production and is not running
during the load. After the load the run times the relay publishing every row the load left
(to this run's own Redis database), so that its cost per complaint is reported too.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench import common

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SETTINGS = "bench.form_settings"

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
TARGET_SHARE = 0.20
TARGET_P95_MS = 150.0  # back to back
TARGET_PACED_P95_MS = 100.0  # at half the measured capacity


@dataclass
class Phase:
    name: str
    path: str
    method: str  # GET or POST
    expect: int  # the status a success answers with
    files: bool = False
    bare: bool = False
    multipart: bool = False  # without files: urlencoded unless this is set


@dataclass
class Outcome:
    phase: Phase
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        return common.percentile(self.latencies, share) * 1000

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


# The load generator ---------------------------------------------------------------------------

_counter = itertools.count()
# Varied load-test data, not security.
_random = random.Random(7)  # noqa: S311  # load data, not secrets


def complaint_fields(client_number: int) -> dict[str, str]:
    number = next(_counter)
    return {
        "name": _random.choice(["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Minh Đức", "Phạm Thu Hà"]),
        "phone": f"0912 {_random.randint(100, 999)} {_random.randint(100, 999)}",
        "email": f"khach{client_number}.{number}@example.vn",
        "kind": "disclosure_without_consent",
        "description": (
            f"Tôi nhận được tin nhắn quảng cáo từ một công ty khác sau khi mua hàng (#{number})."
        ),
        "website": "",
    }


def bare_fields(client_number: int) -> dict[str, str]:
    return {"name": f"client {client_number}", "description": "bare"}


async def run_client(
    base: str,
    phase: Phase,
    client_number: int,
    deadline_start: float,
    deadline_end: float,
    outcome: Outcome,
    pace: float,
) -> None:
    """One client: its own cookies; for a POST, the form fetched once for the CSRF cookie and
    token, then POSTs back to back (or one every `pace` seconds)."""
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: accept cookies from an IP address
    connector = aiohttp.TCPConnector(limit=1)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        base, cookie_jar=jar, connector=connector, timeout=timeout
    ) as session:
        token = ""
        if phase.method == "POST":
            async with session.get(phase.path) as response:
                match = CSRF_INPUT.search(await response.read())
            if match is None:
                outcome.errors["no CSRF token"] = outcome.errors.get("no CSRF token", 0) + 1
                return
            token = match.group(1).decode()
        make_fields: Callable[[int], dict[str, str]] = (
            bare_fields if phase.bare else complaint_fields
        )
        # Spread the paced clients' first requests over one interval.
        next_at = time.perf_counter() + (_random.random() * pace if pace else 0)
        while True:
            if pace:
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_at += pace
            started = time.perf_counter()
            if started >= deadline_end:
                return
            try:
                if phase.method == "GET":
                    request = session.get(phase.path, allow_redirects=False)
                else:
                    form = aiohttp.FormData(default_to_multipart=phase.multipart)
                    form.add_field("csrfmiddlewaretoken", token)
                    for name, value in make_fields(client_number).items():
                        form.add_field(name, value)
                    if phase.files:
                        form.add_field(
                            "evidence",
                            PDF_BYTES,
                            filename="hoa-don.pdf",
                            content_type="application/pdf",
                        )
                    request = session.post(phase.path, data=form, allow_redirects=False)
                async with request as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                status = -1
                kind = type(error).__name__
            finished = time.perf_counter()
            if not deadline_start <= finished <= deadline_end:
                # Counted by when it finished, so that a window counts as many requests as
                # the server completed in it, whatever their length.
                continue
            if status == phase.expect:
                outcome.latencies.append(finished - started)
            else:
                kind = str(status) if status != -1 else kind
                outcome.errors[kind] = outcome.errors.get(kind, 0) + 1


async def run_phase(
    base: str,
    phase: Phase,
    *,
    clients: int,
    duration: float,
    warmup: float,
    pace: float = 0.0,
    outcome: Outcome | None = None,
) -> Outcome:
    """`duration` measured seconds after `warmup` unmeasured ones, added to `outcome`."""
    now = time.perf_counter()
    start, end = now + warmup, now + warmup + duration
    if outcome is None:
        outcome = Outcome(phase, seconds=0.0)
    outcome.seconds += duration
    await asyncio.gather(
        *(run_client(base, phase, number, start, end, outcome, pace) for number in range(clients))
    )
    return outcome


# The server -----------------------------------------------------------------------------------


def server_env(args: argparse.Namespace, var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "DATABASE_URL": args.database_url,
            "CACHE_URL": args.cache_url,
            "CELERY_BROKER_URL": args.cache_url,
            "PDPDESK_VAR_DIR": var_dir,
            "DJANGO_DEBUG": "false",
        }
    )
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *arguments],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def gunicorn_command(args: argparse.Namespace) -> list[str]:
    # The module when the venv has no script (gunicorn installed elsewhere on PYTHONPATH).
    runner = [GUNICORN] if Path(GUNICORN).exists() else [PYTHON, "-m", "gunicorn"]
    command = [
        *runner,
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    return command


async def wait_until_up(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(base) as session:
        while True:
            try:
                async with session.get("/bench/bare/") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer in time: see its log above")
            await asyncio.sleep(0.2)


# What the run measured, and on what -------------------------------------------------------------


def queries_per_request(env: dict[str, str]) -> dict[str, int]:
    """The SQL queries of one request of each kind, counted in a separate process with Django's
    test client (the same settings as the server)."""
    code = r"""
import json, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.core.files.uploadedfile import SimpleUploadedFile
from bench.form import PDF_BYTES, complaint_fields

counts = {}
def count(name, call, expect):
    # The client's second request, as the load test's clients are after their first.
    client = Client(HTTP_HOST="127.0.0.1")
    call(client)
    with CaptureQueriesContext(connection) as queries:
        response = call(client)
    assert response.status_code == expect, (name, response.status_code)
    counts[name] = len(queries)
count("form GET", lambda c: c.get("/complaints/new/"), 200)
count("form POST urlencoded", lambda c: c.post("/complaints/new/", complaint_fields(0)), 302)
count("form POST + PDF", lambda c: c.post("/complaints/new/", {**complaint_fields(0),
      "evidence": SimpleUploadedFile("a.pdf", PDF_BYTES, "application/pdf")}), 302)
count("bare GET", lambda c: c.get("/bench/bare/"), 200)
count("bare POST urlencoded", lambda c: c.post("/bench/bare/", {"name": "x"}), 302)
counts["form POST multipart"] = counts["form POST urlencoded"]
counts["bare POST multipart"] = counts["bare POST urlencoded"]
print(json.dumps(counts))
"""
    return _json_from_python(env, code)


def _json_from_python(env: dict[str, str], code: str) -> Any:
    """What ``code`` prints last, as JSON, run in a separate process with the server's settings."""
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def relay_figures(env: dict[str, str]) -> dict[str, float]:
    """The relay run once over what the load left in the outbox: rows published and seconds,
    in a separate process with the server's settings (its broker: this run's Redis database)."""
    code = (
        "import json, time, django; django.setup()\n"
        "from customers.kernel import outbox\n"
        "from customers.kernel.outbox import OutboxTask\n"
        "if not hasattr(outbox, 'relay'): print('{}'); raise SystemExit\n"  # code before #18
        "pending = OutboxTask.objects.filter(published_at__isnull=True).count()\n"
        "started = time.perf_counter(); cpu = time.process_time()\n"
        "published = outbox.relay(seconds=600)\n"
        "print(json.dumps({'pending': pending, 'published': published,"
        " 'seconds': time.perf_counter() - started, 'cpu': time.process_time() - cpu}))\n"
    )
    return _json_from_python(env, code)


def database_facts(env: dict[str, str]) -> dict[str, str]:
    code = (
        "import json, django; django.setup()\n"
        "from django.db import connection\n"
        "from complaints.models import Complaint, ComplaintEvent\n"
        "from customers.models import Customer\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SELECT version()'); version = c.fetchone()[0]\n"
        "print(json.dumps({'version': version, 'complaints': Complaint.objects.count(),"
        " 'events': ComplaintEvent.objects.count(), 'customers': Customer.objects.count()}))\n"
    )
    return _json_from_python(env, code)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


# Main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database of its own")
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/9",
        help="Redis for the cache and Celery's broker; FLUSHED before and after the run",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="per worker, with gthread")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument(
        "--rounds", type=int, default=4, help="slices each phase's duration is run in, in turns"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each slice")
    parser.add_argument("--no-append", action="store_true", help="print only")
    parser.add_argument("--label", default="", help="said in the heading (which code was run)")
    return parser.parse_args(argv)


PHASES = [
    Phase("bare GET", "/bench/bare/", "GET", 200, bare=True),
    Phase("bare POST multipart", "/bench/bare/", "POST", 302, bare=True, multipart=True),
    Phase("bare POST urlencoded", "/bench/bare/", "POST", 302, bare=True),
    Phase("form GET", "/complaints/new/", "GET", 200),
    Phase("form POST multipart", "/complaints/new/", "POST", 302, multipart=True),
    Phase("form POST urlencoded", "/complaints/new/", "POST", 302),
    Phase("form POST + PDF", "/complaints/new/", "POST", 302, files=True),
]
ENCODINGS = ["multipart", "urlencoded"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    common.require_bench_database(args.database_url)
    var_dir = tempfile.mkdtemp(prefix="pdpdesk-bench-form-")
    env = server_env(args, var_dir)
    print(f"Preparing {args.database_url} (migrate, seed_demo)…", flush=True)
    print(
        "NOTE: the public forms' rate limits are raised for this run (bench/form_settings.py): "
        "all clients come from 127.0.0.1.",
        flush=True,
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo", "--customers", "20", "-v", "0")
    flush_redis(args.cache_url)
    before = database_facts(env)
    base = f"http://127.0.0.1:{args.port}"
    command = gunicorn_command(args)
    server = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, start_new_session=True)
    outcomes: list[Outcome] = []
    try:
        asyncio.run(wait_until_up(base))
        # The phases take turns, in ROUNDS slices each, so that whatever else the machine does
        # meanwhile weighs on the bare view and on the form alike.
        by_phase = {phase.name: Outcome(phase, seconds=0.0) for phase in PHASES}
        for round_number in range(1, args.rounds + 1):
            for phase in PHASES:
                print(
                    f"  round {round_number}/{args.rounds}, {phase.name}: {args.clients} "
                    f"clients, {args.duration / args.rounds:g} s…",
                    flush=True,
                )
                asyncio.run(
                    run_phase(
                        base,
                        phase,
                        clients=args.clients,
                        duration=args.duration / args.rounds,
                        warmup=args.warmup,
                        outcome=by_phase[phase.name],
                    )
                )
        outcomes = list(by_phase.values())
        # The same clients with a pause between requests, offering half of the form POST's
        # measured capacity: the latency of a server that is busy but not saturated.
        capacity = next(o.rps for o in outcomes if o.phase.name == "form POST multipart")
        paced_rate = max(1.0, capacity / 2)
        pace = args.clients / paced_rate
        paced_phase = Phase(
            f"form POST multipart at {paced_rate:.0f}/s",
            "/complaints/new/",
            "POST",
            302,
            multipart=True,
        )
        print(f"  {paced_phase.name}: {args.clients} clients, {args.duration:g} s…", flush=True)
        paced = asyncio.run(
            run_phase(
                base,
                paced_phase,
                clients=args.clients,
                duration=args.duration,
                warmup=args.warmup,
                pace=pace,
            )
        )
        outcomes.append(paced)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    relay = relay_figures(env)
    queries = queries_per_request(env)
    after = database_facts(env)
    flush_redis(args.cache_url)
    shutil.rmtree(var_dir, ignore_errors=True)  # the evidence files the run uploaded

    report = render_report(args, command, outcomes, queries, before, after, relay)
    print()
    print(report)
    if not args.no_append:
        common.append_results(report)
        print(f"Appended to {common.RESULTS.relative_to(PROJECT_DIR)}")
    return 0


def _verdict(value: float, target: float, *, below: bool, unit: str) -> str:
    held = value < target if below else value >= target
    if held:
        return "held"
    gap = value - target if below else target - value
    return f"MISSED by {gap:.1f}{unit}" if gap < 10 else f"MISSED by {gap:.0f}{unit}"


def render_report(
    args: argparse.Namespace,
    command: list[str],
    outcomes: list[Outcome],
    queries: dict[str, int],
    before: dict[str, str],
    after: dict[str, str],
    relay: dict[str, float],
) -> str:
    by_name = {outcome.phase.name: outcome for outcome in outcomes}
    lines = [
        f"## Public form under load — {common.now_text()}"
        + (f" — {args.label}" if args.label else ""),
        "",
        f"- Machine: {common.machine_description()} ({cpu_model()}); the load generator (Python"
        " asyncio + aiohttp) runs on the same CPUs.",
        f"- Database: {before['version'].split(',')[0]}; {before['customers']} customers; "
        f"complaints {before['complaints']} before, {after['complaints']} after the run.",
        f"- Server: gunicorn {args.workers} {args.worker_class} workers"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + f", settings {SETTINGS} (DEBUG off, database sessions, Redis cache and Celery broker "
        f"{args.cache_url}; OUTBOX_PUBLISH_ON_COMMIT off, as in production).",
        "  Command: `"
        + " ".join(Path(part).name if part == GUNICORN else part for part in command)
        + "`",
        "- The public forms' rate limits are RAISED for this run (COMPLAINT_SUBMIT_RATE, "
        "COMPLAINT_TRY_RATE and COMPLAINT_STATUS_RATE = 1000000/3600): every client comes from "
        "127.0.0.1, which the real "
        "limits would refuse after 5 complaints. The limiter itself still counts every POST.",
        f"- Load: {args.clients} concurrent clients, each with its own cookies and CSRF token, "
        f"back to back, {args.duration:g} s per phase in {args.rounds} slices taking turns with "
        f"the other phases, each after {args.warmup:g} s of warm-up; "
        "a form POST is a valid complaint, answered by a redirect; multipart is what a browser "
        "sends for the complaint form.",
        "",
        "| request | requests/s | median ms | p95 ms | p99 ms | errors | SQL queries |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for outcome in outcomes:
        name = outcome.phase.name
        errors = ", ".join(f"{kind}×{count}" for kind, count in outcome.errors.items()) or "0"
        lines.append(
            f"| {name} | {outcome.rps:.1f} | {outcome.median:.1f} | {outcome.percentile(0.95):.1f} "
            f"| {outcome.percentile(0.99):.1f} | {errors} | {queries.get(name, '')} |"
        )
    lines.append("")
    for encoding in ENCODINGS:
        post, bare_post = by_name[f"form POST {encoding}"], by_name[f"bare POST {encoding}"]
        share = post.rps / bare_post.rps if bare_post.rps else 0.0
        p95 = post.percentile(0.95)
        lines.append(
            f"- {encoding}: form POST / bare POST {share:.1%} (target ≥ {TARGET_SHARE:.0%}: "
            + _verdict(share * 100, TARGET_SHARE * 100, below=False, unit=" points")
            + f"); p95 back to back {p95:.0f} ms (target < {TARGET_P95_MS:.0f} ms: "
            + _verdict(p95, TARGET_P95_MS, below=True, unit=" ms")
            + ")."
        )
    form_get, bare_get = by_name["form GET"], by_name["bare GET"]
    lines.append(
        f"- form GET / bare GET: {form_get.rps / bare_get.rps if bare_get.rps else 0:.0%} "
        "(no target)."
    )
    paced = outcomes[-1]
    paced_p95 = paced.percentile(0.95)
    lines.append(
        f"- {paced.phase.name} (half the measured capacity, same {args.clients} clients, each "
        f"pausing between requests): p95 {paced_p95:.0f} ms, median {paced.median:.0f} ms "
        f"(target < {TARGET_PACED_P95_MS:.0f} ms: "
        + _verdict(paced_p95, TARGET_PACED_P95_MS, below=True, unit=" ms")
        + ")."
    )
    if relay.get("published"):
        lines.append(
            f"- The relay, after the load, in one process: {relay['published']:.0f} of "
            f"{relay['pending']:.0f} pending tasks published in {relay['seconds']:.1f} s "
            f"({relay['published'] / relay['seconds']:.0f}/s; "
            f"{relay['cpu'] / relay['published'] * 1000:.2f} ms of its CPU per task) — the "
            "work the request no longer does, done by the workers in production."
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
