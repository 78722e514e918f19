"""The API under load: GET /api/v1/consents/check (what a marketing tool asks before every send)
under gunicorn against the bare Django view on the same server in the same run; and the batch
upsert of customers (POST /api/v1/customers/batch) in customers per second with their history
rows, and its peak memory as the number of batches grows.

    python -m bench.api --database-url postgres://postgres@127.0.0.1:5432/bench_api

Uses the database as it finds it (run bench/generate.py on it first for the 1M figures; on an
empty one it seeds the demo and CHECK_CUSTOMERS customers with a consent), creates an API key,
starts gunicorn with bench/form_settings.py, drives it with CLIENTS aiohttp clients on loopback.
Appends the figures to bench/RESULTS.md.

Targets: consents/check at least 35% of the bare view's requests per second, p95 under 50 ms at
32 clients; no database query for the key on a warm process; batch upsert at least 2,000
customers per second, peak memory flat with the batch count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import aiohttp

from bench import common
from bench.form import PROJECT_DIR, flush_redis, gunicorn_command, manage, server_env, wait_until_up

CHECK_CUSTOMERS = 5000
TARGET_SHARE = 0.35
TARGET_P95_MS = 50.0
TARGET_UPSERT_PER_S = 2000


@dataclass
class Outcome:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def _client(
    base: str, paths: list[str], headers: dict[str, str], end: float, out: Outcome
) -> None:
    async with aiohttp.ClientSession(base, headers=headers) as session:
        while time.monotonic() < end:
            path = random.choice(paths)  # noqa: S311  # which customer to ask about
            started = time.perf_counter()
            async with session.get(path) as response:
                await response.read()
                if response.status != 200:
                    out.errors += 1
                    continue
            out.latencies.append((time.perf_counter() - started) * 1000)


async def run_phase(
    base: str,
    out: Outcome,
    paths: list[str],
    headers: dict[str, str],
    clients: int,
    duration: float,
) -> None:
    warm_end = time.monotonic() + 1.0
    await asyncio.gather(
        *(_client(base, paths, headers, warm_end, Outcome("warm-up")) for _ in range(clients))
    )
    start = time.monotonic()
    await asyncio.gather(
        *(_client(base, paths, headers, start + duration, out) for _ in range(clients))
    )
    out.seconds += time.monotonic() - start


def child_prepare() -> dict[str, object]:
    """In the child process: the customers with consents if missing, an API key; the shop ids
    to ask about, and the queries of one warm check (counted with the test client)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from api import services
    from api.models import ApiKey, Scope
    from customers import services as customer_services
    from customers.models import Channel, Customer, Purpose

    admin = _bench_admin(get_user_model())
    ApiKey.objects.filter(name="bench").update(name=f"bench-{time.time_ns()}")
    _key, secret = services.api_key_create(
        name="bench", scopes=list(Scope.values), actor=admin, rate_limit_per_minute=10**9
    )
    purpose = Purpose.objects.get(code="marketing-email")
    for n in range(Customer.objects.exclude(external_id="").count(), CHECK_CUSTOMERS):
        customer, _result = customer_services.customer_upsert(
            external_id=f"bench-{n}", full_name=f"Khách {n}", phone=f"09{n:08d}"
        )
        if n % 2 == 0:
            customer_services.consent_grant(
                customer=customer, purpose=purpose, channel=Channel.PHONE, form_reference=f"GA-{n}"
            )
    ids = list(
        Customer.objects.exclude(external_id="").values_list("external_id", flat=True)[
            :CHECK_CUSTOMERS
        ]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    path = f"/api/v1/consents/check?purpose=marketing-email&customer={ids[0]}"
    client.get(path)  # the first call loads the keys
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    return {
        "secret": secret,
        "ids": ids,
        "queries": {
            "check": len(sql),
            "key": sum(1 for q in sql if "api_apikey" in q or "auth_user" in q),
            "customers": Customer.objects.count(),
        },
    }


def child_batches(batches: int) -> dict[str, float]:
    """In the child process: ``batches`` batches of 1,000 new customers through the API's view;
    customers per second and the peak traced memory (MB)."""
    import tracemalloc

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from api import services

    admin = _bench_admin(get_user_model())
    run = time.time_ns()
    _key, secret = services.api_key_create(
        name=f"bench-batch-{run}",
        scopes=["customers:write"],
        actor=admin,
        rate_limit_per_minute=10**9,
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    tracemalloc.start()
    started = time.perf_counter()
    for batch in range(batches):
        rows = [
            {
                "shop_id": f"u-{run}-{batch}-{i}",
                "full_name": f"Nguyễn Văn {i}",
                "phone": f"09{(batch * 1000 + i) % 10**8:08d}",
            }
            for i in range(1000)
        ]
        response = client.post(
            "/api/v1/customers/batch", {"customers": rows}, content_type="application/json"
        )
        assert response.status_code == 200 and response.json()["created"] == 1000, response.content
    seconds = time.perf_counter() - started
    return {"rate": batches * 1000 / seconds, "peak": tracemalloc.get_traced_memory()[1] / 1e6}


def _bench_admin(user_model: object) -> object:
    users = user_model._default_manager  # type: ignore[attr-defined]
    return users.filter(is_superuser=True).first() or users.create_superuser("bench-admin", "", "x")


def in_child(env: dict[str, str], call: str) -> dict[str, object]:
    """``bench.api.<call>`` run in a child process with the server's settings; its JSON."""
    code = f"import json, bench.api as b; print(json.dumps(b.{call}))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"{call} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--batches", default="1,5,10", help="batch counts for the upsert's rate and memory"
    )
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args(argv)
    common.require_bench_database(args.database_url)
    import tempfile

    var_dir = tempfile.mkdtemp(prefix="pdpdesk-bench-api-")
    env = server_env(args, var_dir)
    env["DJANGO_SETTINGS_MODULE"] = "bench.form_settings"
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo", "--customers", "0", "-v", "0")
    flush_redis(args.cache_url)
    prepared = in_child(env, "child_prepare()")
    secret, ids = str(prepared["secret"]), list(prepared["ids"])  # type: ignore[arg-type]
    queries: dict[str, int] = prepared["queries"]  # type: ignore[assignment]
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        gunicorn_command(args), cwd=PROJECT_DIR, env=env, start_new_session=True
    )
    bare, check = Outcome("bare GET"), Outcome("consents/check")
    auth = {"Authorization": f"Bearer {secret}"}
    check_paths = [f"/api/v1/consents/check?purpose=marketing-email&customer={i}" for i in ids]
    try:
        asyncio.run(wait_until_up(base))
        for _round in range(args.rounds):
            asyncio.run(
                run_phase(
                    base, bare, ["/bench/bare/"], {}, args.clients, args.duration / args.rounds
                )
            )
            asyncio.run(
                run_phase(base, check, check_paths, auth, args.clients, args.duration / args.rounds)
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    counts = [int(n) for n in args.batches.split(",") if n.strip()]
    upserts = {n: in_child(env, f"child_batches({n})") for n in counts}
    flush_redis(args.cache_url)

    share = check.rps / bare.rps if bare.rps else 0.0
    p95 = common.percentile(check.latencies, 0.95)
    rows = [
        [
            o.name,
            f"{o.rps:,.0f}",
            f"{common.median(o.latencies):.1f}",
            f"{common.percentile(o.latencies, 0.95):.1f}",
            o.errors,
        ]
        for o in (bare, check)
    ]
    report = "\n".join(
        [
            f"## bench/api.py — {common.now_text()}",
            "",
            common.machine_description(),
            f"Database: {queries['customers']:,} customers; gunicorn {args.workers} "
            f"{args.worker_class} workers, {args.clients} clients, {args.duration:g} s per phase "
            f"in {args.rounds} rounds.",
            "",
            common.markdown_table(["phase", "requests/s", "median ms", "p95 ms", "errors"], rows),
            "",
            f"consents/check: **{share:.0%} of the bare view** (target ≥ {TARGET_SHARE:.0%}), "
            f"p95 **{p95:.1f} ms** (target < {TARGET_P95_MS:g} ms); {queries['check']} queries per "
            f"check, **{queries['key']} for the key** on a warm process (target 0).",
            "",
            common.markdown_table(
                ["batches of 1,000", "customers/s", "peak memory (MB)"],
                [[n, f"{u['rate']:,.0f}", f"{u['peak']:.1f}"] for n, u in upserts.items()],
            ),
            "",
            f"Batch upsert target: ≥ {TARGET_UPSERT_PER_S:,} customers/s with their history rows, "
            "peak memory flat with the batch count.",
            "",
        ]
    )
    print(report)
    if not args.no_append:
        common.append_results(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
