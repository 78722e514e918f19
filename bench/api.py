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
from typing import Any

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
    base: str,
    paths: list[str],
    headers: dict[str, str],
    end: float,
    out: Outcome,
    pace: float = 0.0,
) -> None:
    """Back to back, or (``pace``) one request every ``pace`` seconds on a fixed schedule: a
    late answer does not push the next request's planned time (it is sent at once)."""
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(base, headers=headers, connector=connector) as session:
        next_at = time.monotonic() + random.random() * pace  # noqa: S311  # spread the starts
        while time.monotonic() < end:
            if pace:
                delay = next_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_at += pace
                if time.monotonic() >= end:
                    break
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
    pace: float = 0.0,
) -> None:
    warm_end = time.monotonic() + 1.0
    await asyncio.gather(
        *(_client(base, paths, headers, warm_end, Outcome("warm-up")) for _ in range(clients))
    )
    start = time.monotonic()
    await asyncio.gather(
        *(_client(base, paths, headers, start + duration, out, pace) for _ in range(clients))
    )
    out.seconds += time.monotonic() - start


def child_prepare(lookup: str) -> dict[str, object]:
    """In the child process: an API key; the customers to ask about — by ``lookup`` "email",
    CHECK_CUSTOMERS emails of customers drawn at random (nothing written: the 1M database stays
    as bench/generate.py made it), or "customer", shop ids (customers with a consent created if
    missing, for a small database) — and the queries of one warm check (the test client)."""
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
    if lookup == "email":
        return _prepare_emails(secret, Client, CaptureQueriesContext, connection, Customer)
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
    params = [f"customer={shop_id}" for shop_id in ids]
    return _counted(secret, params, Client, CaptureQueriesContext, connection, Customer)


def _prepare_emails(
    secret: str, client_class: Any, capture: Any, connection: Any, model: Any
) -> dict[str, object]:
    from urllib.parse import quote

    last = model.objects.order_by("-id").values_list("id", flat=True).first() or 0
    drawn = random.sample(range(1, last + 1), min(last, CHECK_CUSTOMERS * 3))
    emails = list(
        model.objects.filter(pk__in=drawn, status="active")
        .exclude(email="")
        .values_list("email", flat=True)[:CHECK_CUSTOMERS]
    )
    params = [f"email={quote(email)}" for email in emails]
    return _counted(secret, params, client_class, capture, connection, model)


def _counted(
    secret: str, params: list[str], client_class: Any, capture: Any, connection: Any, model: Any
) -> dict[str, object]:
    """The queries of one warm check, and what the others answered (allowed or why not)."""
    client = client_class(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    path = f"/api/v1/consents/check?purpose=marketing-email&{params[0]}"
    client.get(path)  # the first call loads the keys
    with capture(connection) as queries:
        assert client.get(path).status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    reasons: dict[str, int] = {}
    for param in params[:200]:
        reason = client.get(f"/api/v1/consents/check?purpose=marketing-email&{param}").json()[
            "reason"
        ]
        reasons[reason] = reasons.get(reason, 0) + 1
    return {
        "secret": secret,
        "params": params,
        "reasons": reasons,
        "queries": {
            "check": len(sql),
            "key": sum(1 for q in sql if "api_apikey" in q or "auth_user" in q),
            "customers": model.objects.count(),
        },
    }


def child_batches(batches: int, trace: bool = False, run: int = 0) -> dict[str, float]:
    """In the child process: ``batches`` batches of 1,000 new customers through the API's view
    (shop ids ``u-<run>-…``, removed by child_cleanup); customers per second, or with ``trace``
    the peak traced memory (MB: tracemalloc slows Python several times, so the rate is
    measured in a run without it), and the process's peak RSS (MB)."""
    import gc
    import resource
    import tracemalloc

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from api import services

    admin = _bench_admin(get_user_model())
    run = run or time.time_ns()
    _key, secret = services.api_key_create(
        name=f"bench-batch-{run}",
        scopes=["customers:write"],
        actor=admin,
        rate_limit_per_minute=10**9,
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    warm = [{"shop_id": f"u-{run}-warm", "full_name": "Khách", "phone": "0912000000"}]
    client.post("/api/v1/customers/batch", {"customers": warm}, content_type="application/json")
    if trace:
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
    peak = tracemalloc.get_traced_memory()[1] / 1e6 if trace else 0.0
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] / 1e6 if trace else 0.0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rate": batches * 1000 / seconds, "peak": peak, "retained": retained, "rss": rss}


def child_cleanup(runs: list[int]) -> dict[str, int]:
    """What the run added to the benchmark database, deleted again (plain SQL: the access log
    refuses deletes in the application, rightly; this is a benchmark's own rows): the batch
    customers with their history, access-log and outbox rows, and the checks' access-log rows."""
    import django

    django.setup()
    from django.db import connection, transaction

    deleted: dict[str, int] = {}
    patterns = [f"u-{run}-%" for run in runs]
    with transaction.atomic(), connection.cursor() as cursor:
        # The access log's trigger refuses deletes; a benchmark database's owner may lift it for
        # this transaction (as bench/generate.py does for its fill).
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "DELETE FROM customers_accesslog WHERE staff_id IN (SELECT user_id FROM api_apikey "
            "WHERE name LIKE 'bench%%') OR customer_id IN (SELECT id FROM customers_customer "
            "WHERE external_id LIKE ANY(%s))",
            [patterns],
        )
        deleted["access log"] = cursor.rowcount
        cursor.execute(
            "DELETE FROM customers_historicalcustomer WHERE external_id LIKE ANY(%s)", [patterns]
        )
        deleted["customer history"] = cursor.rowcount
        cursor.execute("DELETE FROM customers_customer WHERE external_id LIKE ANY(%s)", [patterns])
        deleted["customers"] = cursor.rowcount
    return deleted


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
    # gunicorn's own advice, (2 × cores) + 1: a sync worker waiting on PostgreSQL's commit or on
    # Redis leaves its core to another (5 on this 2-core machine; both phases use the same).
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--lookup",
        choices=["email", "customer"],
        default="email",
        help="ask by the emails of customers drawn at random (writes no customer), or by shop id",
    )
    parser.add_argument(
        "--paced-share",
        type=float,
        default=0.5,
        help="the paced phase's rate, as a share of the check's measured back-to-back rate",
    )
    parser.add_argument(
        "--batches", default="1,5,20", help="batch counts for the upsert's rate and memory"
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
    prepared = in_child(env, f"child_prepare({args.lookup!r})")
    secret, params = str(prepared["secret"]), list(prepared["params"])  # type: ignore[call-overload]
    queries: dict[str, int] = prepared["queries"]  # type: ignore[assignment]
    reasons: dict[str, int] = prepared["reasons"]  # type: ignore[assignment]
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        gunicorn_command(args), cwd=PROJECT_DIR, env=env, start_new_session=True
    )
    bare, check = Outcome("bare GET"), Outcome("consents/check")
    auth = {"Authorization": f"Bearer {secret}"}
    check_paths = [f"/api/v1/consents/check?purpose=marketing-email&{p}" for p in params]
    slice_seconds = args.duration / args.rounds
    try:
        asyncio.run(wait_until_up(base))
        for _round in range(args.rounds):
            asyncio.run(run_phase(base, bare, ["/bench/bare/"], {}, args.clients, slice_seconds))
            asyncio.run(run_phase(base, check, check_paths, auth, args.clients, slice_seconds))
        paced_rate = max(1.0, check.rps * args.paced_share)
        paced = Outcome(f"consents/check at {paced_rate:,.0f}/s")
        pace = args.clients / paced_rate
        asyncio.run(
            run_phase(base, paced, check_paths, auth, args.clients, args.duration, pace=pace)
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    counts = [int(n) for n in args.batches.split(",") if n.strip()]
    runs: list[int] = []
    upserts: dict[int, dict[str, float]] = {}
    for n in counts:
        rate_run, trace_run = time.time_ns(), time.time_ns() + 1
        runs += [rate_run, trace_run]
        timed = in_child(env, f"child_batches({n}, trace=False, run={rate_run})")
        traced = in_child(env, f"child_batches({n}, trace=True, run={trace_run})")
        upserts[n] = {"rate": timed["rate"], **{k: traced[k] for k in ("peak", "retained", "rss")}}  # type: ignore[dict-item]
    deleted = in_child(env, f"child_cleanup({runs!r})")
    flush_redis(args.cache_url)

    share = check.rps / bare.rps if bare.rps else 0.0
    p95 = common.percentile(check.latencies, 0.95)
    paced_p95 = common.percentile(paced.latencies, 0.95)
    rows = [
        [
            o.name,
            f"{o.rps:,.0f}",
            f"{common.median(o.latencies):.1f}",
            f"{common.percentile(o.latencies, 0.95):.1f}",
            f"{common.percentile(o.latencies, 0.99):.1f}",
            o.errors,
        ]
        for o in (bare, check, paced)
    ]
    worst = min((u["rate"] for u in upserts.values()), default=0.0)
    batch_lines = (
        [
            common.markdown_table(
                [
                    "batches of 1,000",
                    "customers/s (untraced)",
                    "tracemalloc peak (MB)",
                    "retained after the batches (MB)",
                    "peak RSS (MB)",
                ],
                [
                    [
                        n,
                        f"{u['rate']:,.0f}",
                        f"{u['peak']:.1f}",
                        f"{u['retained']:.2f}",
                        f"{u['rss']:.0f}",
                    ]
                    for n, u in upserts.items()
                ],
            ),
            "",
            f"Batch upsert: slowest {worst:,.0f} customers/s with their history rows (target ≥ "
            f"{TARGET_UPSERT_PER_S:,}); memory measured in a second process with tracemalloc, "
            "each batch count in a fresh process. Removed after the run: "
            + ", ".join(f"{k} {v:,}" for k, v in deleted.items())
            + ".",
            "",
        ]
        if upserts
        else []
    )
    report = "\n".join(
        [
            f"## bench/api.py — {common.now_text()}",
            "",
            common.machine_description(),
            f"Database: {queries['customers']:,} customers; gunicorn {args.workers} "
            f"{args.worker_class} workers"
            + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
            + f", {args.clients} clients, {args.duration:g} s per phase in {args.rounds} rounds "
            f"(the paced phase: {args.duration:g} s in one). Checks by {args.lookup} over "
            f"{len(params):,} customers; answers of 200 of them: "
            + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
            + ".",
            "",
            common.markdown_table(
                ["phase", "requests/s", "median ms", "p95 ms", "p99 ms", "errors"], rows
            ),
            "",
            f"consents/check back to back: **{share:.0%} of the bare view** (target ≥ "
            f"{TARGET_SHARE:.0%}), p95 **{p95:.1f} ms** at {args.clients} clients (target < "
            f"{TARGET_P95_MS:g} ms); paced at {args.paced_share:.0%} of its capacity "
            f"({paced_rate:,.0f}/s, {args.clients} clients each on a fixed schedule): p95 "
            f"**{paced_p95:.1f} ms**. {queries['check']} SQL statement(s) per check, "
            f"**{queries['key']} for the key** on a warm process (target 0).",
            "",
            *batch_lines,
        ]
    )
    print(report)
    if not args.no_append:
        common.append_results(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
