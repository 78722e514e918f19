"""The DPO's dossiers at two sizes: server time and queries of the register, Mẫu số 10 and 09
(page and PDF), the filings' status, the exemption, the transfers and a draft compliance report.

    python -m bench.dossiers --small postgres://postgres@127.0.0.1:5432/bench_10k \\
                             --large postgres://postgres@127.0.0.1:5432/bench_1m

Each database is filled by bench.generate. Each size runs in a child process of its own (one
Django per database). In the child: Django's test Client, in process, logged in as a superuser;
each page is requested once to warm up, then REPEAT times timed (the whole server side, from
middleware to the rendered HTML or PDF, no network); the queries are counted on the warm-up.
Before measuring, the child adds what the generator does not make, through the services and
only once: a processing system abroad (so that Mẫu số 09 has a transfer) and a draft compliance
report for the last quarter. Target (issue 16): every page under 5 s at 1M customers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench import common

REPEAT = 5
TARGET_MS = 5000.0


def _prepare(user: Any) -> int:
    """The system abroad and the draft report; the report's id."""
    from customers.models import Purpose
    from dossiers.models import ComplianceReport, ProcessingSystem
    from dossiers.services import compliance_report_save, processing_system_save

    if not ProcessingSystem.objects.filter(name="Bench email service").exists():
        system = processing_system_save(
            system=ProcessingSystem(
                name="Bench email service",
                provider="SendGrid, Inc.",
                country="US",
                hosting=ProcessingSystem.Hosting.SERVICE,
                data_items=["3.1", "3.7"],
                encrypted_in_transit=True,
                encrypted_at_rest=True,
                first_transfer_on=datetime.date(2026, 3, 2),
            ),
            actor=user,
        )
        system.purposes.set(Purpose.objects.filter(is_active=True))
    report = ComplianceReport.objects.filter(issued_at__isnull=True).first()
    if report is None:
        today = datetime.date.today()
        report = compliance_report_save(
            report=ComplianceReport(
                period_start=today - datetime.timedelta(days=91),
                period_end=today - datetime.timedelta(days=1),
            ),
            actor=user,
        )
    return report.pk


def _pages(report_id: int) -> list[tuple[str, str]]:
    from django.urls import reverse

    return [
        ("register (page)", reverse("admin:dossiers_register")),
        ("register (CSV)", reverse("admin:dossiers_register_csv")),
        ("register (PDF)", reverse("admin:dossiers_register_pdf")),
        ("Mẫu số 10 (page)", reverse("admin:dossiers_document", args=["impact"])),
        ("Mẫu số 10 (PDF)", reverse("admin:dossiers_document_pdf", args=["impact"])),
        ("Mẫu số 09 (page)", reverse("admin:dossiers_document", args=["transfer"])),
        ("Mẫu số 09 (PDF)", reverse("admin:dossiers_document_pdf", args=["transfer"])),
        ("filings and what is due", reverse("admin:dossiers_dossierfiling_changelist")),
        ("exemption", reverse("admin:dossiers_exemptionassessment_changelist")),
        ("cross-border transfers", reverse("admin:dossiers_transfers")),
        (
            "compliance report (draft)",
            reverse("admin:dossiers_compliancereport_change", args=[report_id]),
        ),
    ]


def measure(database_url: str) -> dict[str, Any]:
    common.setup_django(database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from customers.models import Customer

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    report_id = _prepare(user)
    client = Client()
    client.force_login(user)
    results = []
    for label, url in _pages(report_id):
        queries: list[str] = []
        with connection.execute_wrapper(common.query_counter(queries)):
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{label}: {url} answered {response.status_code}")
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        results.append(
            {
                "page": label,
                "median_ms": common.median(times),
                "max_ms": max(times),
                "queries": len(queries),
            }
        )
        print(
            f"  {label:<30} {results[-1]['median_ms']:8.1f} ms  max {max(times):8.1f} ms"
            f"  {len(queries)} queries",
            file=sys.stderr,
            flush=True,
        )
    return {
        "database": connection.settings_dict["NAME"],
        "postgres": common.postgres_version(connection),
        "customers": Customer._base_manager.count(),
        "pages": results,
    }


def _child(database_url: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.dossiers", "--database-url", database_url, "--json"],
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(small_url: str, large_url: str, note: str = "") -> str:
    small, large = _child(small_url), _child(large_url)
    rows = []
    worst = 0.0
    for s, big in zip(small["pages"], large["pages"], strict=True):
        worst = max(worst, big["max_ms"])
        rows.append(
            [
                s["page"],
                f"{s['median_ms']:,.0f}",
                f"{big['median_ms']:,.0f}",
                f"{big['max_ms']:,.0f}",
                f"{big['median_ms'] / s['median_ms']:.2f}",
                f"{s['queries']} / {big['queries']}",
            ]
        )
    table = common.markdown_table(
        ["page", "10k median ms", "1M median ms", "1M max ms", "ratio 1M/10k", "queries"], rows
    )
    verdict = "**met**" if worst < TARGET_MS else "**missed**"
    section = (
        f"## bench/dossiers.py — {common.now_text()}\n\n"
        f"{common.machine_description(large['postgres'])}\n"
        f"Databases: {small['database']} ({small['customers']:,} customers) and "
        f"{large['database']} ({large['customers']:,}); Django's test Client in process, "
        f"superuser, {REPEAT} timed requests after one warm-up.\n\n{table}\n\n"
        f"Slowest at 1M: {worst:,.0f} ms (target every page < {TARGET_MS:,.0f} ms: {verdict}).\n"
        + (f"\n{note}\n" if note else "")
    )
    print(section)
    common.append_results(section)
    return section


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", help="database of the small size (10k)")
    parser.add_argument("--large", help="database of the large size (1M)")
    parser.add_argument("--database-url", help="measure this one database only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--note", default="", help="a line for RESULTS.md: what this run is")
    args = parser.parse_args(argv)
    if args.small and args.large:
        compare(args.small, args.large, args.note)
        return
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        parser.error("give --small and --large, or --database-url")
    figures = measure(url)
    print(json.dumps(figures) if args.json else json.dumps(figures, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
