"""Helpers shared by the benchmarks: the machine they ran on, percentiles, RESULTS.md."""

from __future__ import annotations

import datetime
import math
import os
import platform
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def require_bench_database(url: str) -> None:
    """Refuse a database whose name does not start with "bench": the benchmarks empty, refill or
    seed the database they are given, and DATABASE_URL may well name a developer's own."""
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("PostgreSQL only: give --database-url postgres://… or DATABASE_URL")
    name = urlparse(url).path.lstrip("/")
    if not name.startswith("bench"):
        raise SystemExit(
            f"{name or url!r} is not a benchmark database: the benchmarks empty and refill the"
            " database they are given. Create one whose name starts with 'bench'"
            " (createdb -h 127.0.0.1 -U postgres bench_10k) and migrate it."
        )


def setup_django(database_url: str | None, settings_module: str = "bench.settings") -> None:
    """Point Django at database_url (else DATABASE_URL), a benchmark database, and start it."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    require_bench_database(os.environ.get("DATABASE_URL", ""))
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (fraction 0.95 for p95) of values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def machine_description(postgres_version: str | None = None) -> str:
    uname = platform.uname()
    parts = [
        f"{uname.system} {uname.release} {uname.machine}",
        f"{os.cpu_count()} CPUs",
        f"Python {platform.python_version()}",
    ]
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            kb = int(meminfo.readline().split()[1])
        parts.append(f"{kb / 1024 / 1024:.0f} GB RAM")
    except (OSError, ValueError, IndexError):
        pass
    if postgres_version:
        parts.append(postgres_version.split(" on ")[0])
    return ", ".join(parts)


def postgres_version(connection: object) -> str:
    with connection.cursor() as cursor:  # type: ignore[attr-defined]  # a psycopg connection
        cursor.execute("SELECT version()")
        return str(cursor.fetchone()[0])


def now_text() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def append_results(section: str) -> None:
    """Append a section to bench/RESULTS.md (other benchmarks append theirs: never rewrite)."""
    text = section.rstrip() + "\n"
    with RESULTS.open("a", encoding="utf-8") as results:
        if results.tell() > 0:
            results.write("\n")
        results.write(text)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def query_counter(queries: list[str]) -> Any:
    """An execute wrapper that notes every query (the query log is off with DEBUG False and is
    emptied when a request starts): ``with connection.execute_wrapper(query_counter(seen))``."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    return wrapper


def small_and_large_main(
    doc: str,
    compare: Callable[[str, str, str, int], object],
    measure: Callable[[str], object],
    rounds: int,
    argv: list[str] | None,
) -> None:
    """The command line of a benchmark that compares a small and a large database in one run
    (--small, --large), or measures one (--database-url, or DATABASE_URL)."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--small", help="database of the small size (10k)")
    parser.add_argument("--large", help="database of the large size (1M)")
    parser.add_argument("--database-url", help="measure this one database only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--rounds", type=int, default=rounds, help="processes per database")
    parser.add_argument("--note", default="", help="a line for RESULTS.md: what this run is")
    args = parser.parse_args(argv)
    if args.small and args.large:
        compare(args.small, args.large, args.note, args.rounds)
        return
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        parser.error("give --small and --large, or --database-url")
    figures = measure(url)
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=2))
