"""The admin's home at two sizes, for the DPO (Legal & compliance, who sees every count and every
trend): server time, query count, and the ratio.

    python -m bench.home --small postgres://postgres@127.0.0.1:5432/bench_home_10k \\
                         --large postgres://postgres@127.0.0.1:5432/bench_home_1m

Each database is filled by bench.generate, then migrated. The generator writes with COPY, not
through the services, so the monthly tallies the trends read are empty: the child counts them
once with customers.tallies.tallies_rebuild() (as `manage.py tallies_rebuild` does after the
upgrade), untimed, when the table is empty. Every size runs in child processes of its own,
alternating small and large for --rounds rounds; the parent pools the timings, prints the
table and appends it to bench/RESULTS.md. `--database-url URL` measures one database.

In the child: Django's test Client in process, logged in (force_login) as a member of the
legal_compliance group (not a superuser: the permissions decide what the home reads). The home
is requested WARMUP times, then REPEAT times timed (the time around client.get: the whole server
side, without any network). The query count comes from the last warm-up request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

from bench import common

WARMUP = 3
REPEAT = 15
ROUNDS = 3
TARGET_MS = 300.0  # at 1M customers


def _row_counts() -> dict[str, int]:
    """Rows of the big tables, from the planner's statistics (the bench never counts them)."""
    from django.db import connection

    tables = {
        "customers": "customers_customer",
        "consents": "customers_consent",
        "disclosures": "customers_disclosure",
        "access log": "customers_accesslog",
        "complaints": "complaints_complaint",
    }
    counts = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            row = cursor.fetchone()
            counts[label] = max(int(row[0]), 0) if row else 0
    return counts


def measure(database_url: str) -> dict[str, Any]:
    common.setup_django(database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from customers import roles
    from customers.tallies import tallies_rebuild
    from customers.tally_model import MonthlyTally

    if not MonthlyTally.objects.exists():
        started = time.perf_counter()
        written = tallies_rebuild()
        print(
            f"  tallies rebuilt: {written} in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    user, _ = get_user_model().objects.get_or_create(
        username="bench-dpo", defaults={"is_staff": True, "is_superuser": False}
    )
    user.groups.add(roles.group_for(roles.LEGAL_COMPLIANCE))
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    if response.status_code != 200 or "home-attention" not in response.text:
        raise SystemExit(f"the home answered {response.status_code} without its panel")
    for _ in range(WARMUP - 2):
        client.get("/admin/")
    queries: list[str] = []
    with connection.execute_wrapper(common.query_counter(queries)):
        client.get("/admin/")
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get("/admin/")
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"  home {common.median(times):8.1f} ms  p95 {common.percentile(times, 0.95):8.1f} ms"
        f"  {len(queries)} queries",
        file=sys.stderr,
        flush=True,
    )
    return {
        "database": connection.settings_dict["NAME"],
        "postgres": common.postgres_version(connection),
        "counts": _row_counts(),
        "queries": len(queries),
        "times_ms": times,
    }


def _child(database_url: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "bench.home", "--database-url", database_url, "--json"],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _size(customers: int) -> str:
    if customers >= 900_000:
        return f"{round(customers / 1_000_000)}M"
    return f"{round(customers / 1000)}k"


def compare(small_url: str, large_url: str, note: str = "", rounds: int = ROUNDS) -> str:
    small_runs, large_runs = [], []
    for round_number in range(1, rounds + 1):
        print(f"round {round_number}/{rounds}: small database…", file=sys.stderr, flush=True)
        small_runs.append(_child(small_url))
        print(f"round {round_number}/{rounds}: large database…", file=sys.stderr, flush=True)
        large_runs.append(_child(large_url))
    rows = []
    figures = {}
    for label, runs in (("small", small_runs), ("large", large_runs)):
        times = [ms for run in runs for ms in run["times_ms"]]
        figures[label] = {
            "median": common.median(times),
            "p95": common.percentile(times, 0.95),
            "queries": sorted({run["queries"] for run in runs}),
            "size": _size(runs[0]["counts"]["customers"]),
            "database": runs[0]["database"],
            "counts": runs[0]["counts"],
            "postgres": runs[0]["postgres"],
        }
    small, large = figures["small"], figures["large"]
    ratio = large["median"] / small["median"]
    holds = large["p95"] < TARGET_MS
    rows.append(
        [
            "home (Legal & compliance)",
            f"{small['median']:.1f} / {small['p95']:.1f}",
            "/".join(str(n) for n in small["queries"]),
            f"{large['median']:.1f} / {large['p95']:.1f}",
            "/".join(str(n) for n in large["queries"]),
            f"{ratio:.2f}×",
            f"p95 < {TARGET_MS:.0f} ms at {large['size']}",
            "holds" if holds else "**missed**",
        ]
    )
    table = common.markdown_table(
        [
            "page",
            f"{small['size']} median / p95 ms",
            "queries",
            f"{large['size']} median / p95 ms",
            "queries",
            f"{large['size']}/{small['size']} (median)",
            "target",
            "",
        ],
        rows,
    )
    counts = ", ".join(
        f"{label} ≈{small['counts'][label]:,} / ≈{large['counts'][label]:,}"
        for label in small["counts"]
    )
    section = "\n".join(
        [
            f"## bench/home.py — {common.now_text()}",
            "",
            f"Machine: {common.machine_description(large['postgres'])}.",
            f"Databases: {small['database']} and {large['database']}; rows (planner's"
            f" estimate, small / large): {counts}.",
            f"`python -m bench.home --small … --large …`: Django test Client in process, a"
            f" member of Legal & compliance; {rounds} rounds alternating the databases, each a"
            f" fresh process with {WARMUP} warm-up + {REPEAT} timed requests; median and p95 of"
            f" the {rounds * REPEAT} timed requests (server time around client.get).",
            *([note] if note else []),
            "",
            table,
        ]
    )
    print(section)
    common.append_results(section)
    return section


def main(argv: list[str] | None = None) -> None:
    common.small_and_large_main(__doc__ or "", compare, measure, ROUNDS, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
