"""The admin at two sizes: server time and query count of the customer pages, and the ratio.

    python -m bench.admin --small postgres://postgres@127.0.0.1:5432/bench_admin_10k \\
                          --large postgres://postgres@127.0.0.1:5432/bench_admin_1m

Each database is filled by bench.generate. Every size runs in child processes of its own (one
Django per database), in this run, alternating small and large for --rounds rounds so that the
other load of the machine weighs on both alike; the parent pools the timings, prints the table
with the ratio large/small and appends it to bench/RESULTS.md. `--database-url URL` measures one
database and prints its figures only.

In the child: Django's test Client, in process, logged in (force_login) as a superuser, which sees
personal data unmasked (a masked role runs the same queries, plus masking in Python). Each page is
requested WARMUP times, then REPEAT times timed (the time around client.get: the whole server
side, from middleware to rendered HTML, without any network). The query count comes from the
last warm-up request (an execute wrapper on the connection); the table shows every count the
rounds saw ("6/7" when they differ, which fails a same-queries target). A search must find what
it looks for (the customer, the complaint, or for the name search someone), or the run stops.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from typing import Any

from bench import common

WARMUP = 3
REPEAT = 15
ROUNDS = 3  # child processes per database, alternating small and large
# Targets: changelists at most 1.5× (and the same query count), exact searches at
# most 2×; the name search has an absolute bound at the large size.
RATIO_TARGETS = {
    "changelist": 1.5,
    "filtered changelist": 1.5,
    "search: phone typed with spaces": 2.0,
    "search: email": 2.0,
    "search: tax code": 2.0,
    "search: tracking code": 2.0,
}
SAME_QUERY_COUNT = ("changelist", "filtered changelist")
NAME_SEARCH = "search: name without diacritics"
NAME_SEARCH_P95_MS = 300.0


def _pages() -> list[tuple[str, str, dict[str, str], str | re.Pattern[str] | None]]:
    """(label, url, query, link the page must show) for the pages measured."""
    from django.urls import reverse

    from complaints.models import Complaint
    from customers.models import Customer
    from customers.validators import format_phone_national, format_tax_code

    top = Customer.objects.order_by("-pk").values_list("pk", flat=True).first()
    if top is None:
        raise SystemExit("No customers: fill the database with bench.generate first.")
    # A customer from the middle of the table, with a phone and an email; another with a tax code.
    contact = (
        Customer.objects.filter(pk__gte=top // 2, kind=Customer.Kind.INDIVIDUAL)
        .exclude(phone="")
        .exclude(email="")
        .order_by("pk")
        .first()
    )
    taxed = (
        Customer.objects.filter(pk__gte=top // 2, kind=Customer.Kind.ORGANIZATION)
        .exclude(tax_code="")
        .order_by("pk")
        .first()
    )
    # A complaint from the middle of the complaints, its code typed as a customer reads it out:
    # lower case, spaces for the dashes.
    last_complaint = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    complaint = Complaint.objects.filter(pk__gte=last_complaint // 2).order_by("pk").first()
    assert contact is not None and taxed is not None and complaint is not None
    changelist = reverse("admin:customers_customer_changelist")

    def shows(customer: Customer) -> str:
        return reverse("admin:customers_customer_change", args=[customer.pk])

    return [
        ("changelist", changelist, {}, None),
        (
            "filtered changelist",
            changelist,
            {"kind__exact": "individual", "status__exact": "active"},
            None,
        ),
        (
            "search: phone typed with spaces",
            changelist,
            {"q": format_phone_national(contact.phone)},
            shows(contact),
        ),
        ("search: email", changelist, {"q": contact.email.upper()}, shows(contact)),
        ("search: tax code", changelist, {"q": format_tax_code(taxed.tax_code)}, shows(taxed)),
        (
            "search: tracking code",
            reverse("admin:complaints_complaint_changelist"),
            {"q": complaint.tracking_code.lower().replace("-", " ")},
            reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        ),
        (NAME_SEARCH, changelist, {"q": contact.name_folded}, ANY_CUSTOMER),
        ("change form", reverse("admin:customers_customer_change", args=[contact.pk]), {}, None),
        ("history", reverse("admin:customers_customer_history", args=[contact.pk]), {}, None),
    ]


# The name search must find someone (the contact's name, typed without diacritics): a search
# that found nothing, fast, would otherwise pass its target.
ANY_CUSTOMER = re.compile(r"/customers/customer/\d+/change/")


def _row_counts() -> dict[str, int]:
    from django.db import connection

    tables = {
        "customers": "customers_customer",
        "consents": "customers_consent",
        "orders": "customers_order",
        "addresses": "customers_deliveryaddress",
        "complaints": "complaints_complaint",
        "customer history": "customers_historicalcustomer",
        "consent history": "customers_historicalconsent",
    }
    counts = {}
    with connection.cursor() as cursor:
        for label, table in tables.items():
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608  (fixed names)
            counts[label] = int(cursor.fetchone()[0])
    return counts


def measure(database_url: str) -> dict[str, Any]:
    """The figures of one database (runs in the child process)."""
    common.setup_django(database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    results = []
    for label, url, query, must_show in _pages():
        response = client.get(url, query)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {url}?{query} answered {response.status_code}")
        found = (
            must_show.search(response.text)
            if isinstance(must_show, re.Pattern)
            else must_show is None or must_show in response.text
        )
        if not found:
            raise SystemExit(f"{label}: {query} did not find {must_show}")
        for _ in range(WARMUP - 2):
            client.get(url, query)
        # Counted on the last warm-up request, with the caches as the timed ones find them.
        queries: list[str] = []
        with connection.execute_wrapper(common.query_counter(queries)):
            client.get(url, query)
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            client.get(url, query)
            times.append((time.perf_counter() - started) * 1000)
        results.append(
            {
                "page": label,
                "query": query,
                "median_ms": common.median(times),
                "p95_ms": common.percentile(times, 0.95),
                "queries": len(queries),
                "times_ms": times,
            }
        )
        print(
            f"  {label:<34} {results[-1]['median_ms']:8.1f} ms  p95 "
            f"{results[-1]['p95_ms']:8.1f} ms  {len(queries)} queries",
            file=sys.stderr,
            flush=True,
        )
    return {
        "database": connection.settings_dict["NAME"],
        "postgres": common.postgres_version(connection),
        "counts": _row_counts(),
        "pages": results,
    }


def _child(database_url: str) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "bench.admin", "--database-url", database_url, "--json"],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _size(counts: dict[str, int]) -> str:
    customers = counts["customers"]
    if customers >= 1_000_000 and customers % 1_000_000 == 0:
        return f"{customers // 1_000_000}M"
    if customers >= 1000 and customers % 1000 == 0:
        return f"{customers // 1000}k"
    return f"{customers:,}"


def _verdict(small: dict[str, Any], large: dict[str, Any]) -> tuple[str, str, bool | None]:
    """(ratio text, target text, holds) of one page."""
    ratio = large["median_ms"] / small["median_ms"]
    page = small["page"]
    if page == NAME_SEARCH:
        holds = large["p95_ms"] < NAME_SEARCH_P95_MS
        return f"{ratio:.2f}×", f"p95 < {NAME_SEARCH_P95_MS:.0f} ms", holds
    if page in RATIO_TARGETS:
        holds = ratio <= RATIO_TARGETS[page]
        target = f"≤ {RATIO_TARGETS[page]}×"
        if page in SAME_QUERY_COUNT:
            # Every round of both sizes ran the same number of queries.
            holds = holds and small["queries_seen"] == large["queries_seen"]
            holds = holds and len(small["queries_seen"]) == 1
            target += ", same queries"
        return f"{ratio:.2f}×", target, holds
    return f"{ratio:.2f}×", "—", None


def _pool(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The runs of one database as one: times pooled, the query count of the first run."""
    pooled = dict(runs[0])
    pages = []
    for same_page in zip(*(run["pages"] for run in runs), strict=True):
        times = [ms for page in same_page for ms in page["times_ms"]]
        pages.append(
            {
                **same_page[0],
                "median_ms": common.median(times),
                "p95_ms": common.percentile(times, 0.95),
                "queries_seen": sorted({page["queries"] for page in same_page}),
                "times_ms": times,
            }
        )
    pooled["pages"] = pages
    return pooled


def compare(small_url: str, large_url: str, note: str = "", rounds: int = ROUNDS) -> str:
    # Small and large alternate, so that the load of the machine weighs on both alike.
    small_runs, large_runs = [], []
    for round_number in range(1, rounds + 1):
        print(f"round {round_number}/{rounds}: small database…", file=sys.stderr, flush=True)
        small_runs.append(_child(small_url))
        print(f"round {round_number}/{rounds}: large database…", file=sys.stderr, flush=True)
        large_runs.append(_child(large_url))
    small, large = _pool(small_runs), _pool(large_runs)
    s_size, l_size = _size(small["counts"]), _size(large["counts"])
    rows = []
    misses = []
    for s_page, l_page in zip(small["pages"], large["pages"], strict=True):
        ratio, target, holds = _verdict(s_page, l_page)
        mark = {True: "holds", False: "**missed**", None: ""}[holds]
        if holds is False:
            misses.append(s_page["page"])
        rows.append(
            [
                s_page["page"],
                f"{s_page['median_ms']:.1f} / {s_page['p95_ms']:.1f}",
                "/".join(str(n) for n in s_page["queries_seen"]),
                f"{l_page['median_ms']:.1f} / {l_page['p95_ms']:.1f}",
                "/".join(str(n) for n in l_page["queries_seen"]),
                ratio,
                target,
                mark,
            ]
        )
    table = common.markdown_table(
        [
            "page",
            f"{s_size} median / p95 ms",
            "queries",
            f"{l_size} median / p95 ms",
            "queries",
            f"{l_size}/{s_size} (median)",
            "target",
            "",
        ],
        rows,
    )
    counts = ", ".join(
        f"{label} {small['counts'][label]:,} / {large['counts'][label]:,}"
        for label in small["counts"]
    )
    section = "\n".join(
        [
            f"## Admin — {common.now_text()}",
            "",
            f"Machine: {common.machine_description(large['postgres'])}.",
            f"Databases: {small['database']} ({s_size}) and {large['database']} ({l_size});"
            f" rows (small / large): {counts}.",
            f"`python -m bench.admin --small … --large …`: Django test Client in process, superuser"
            f" (unmasked); {rounds} rounds alternating the databases, each a fresh process with"
            f" {WARMUP} warm-up + {REPEAT} timed requests per page; median and p95 of the"
            f" {rounds * REPEAT} timed requests (server time around client.get).",
            *([note] if note else []),
            "",
            table,
            "",
            "Targets missed: " + (", ".join(misses) if misses else "none") + ".",
        ]
    )
    print(section)
    common.append_results(section)
    return section


def main(argv: list[str] | None = None) -> None:
    common.small_and_large_main(__doc__ or "", compare, measure, ROUNDS, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
