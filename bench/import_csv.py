"""Importing a customers CSV as staff do (imports/): the file uploaded, its columns guessed, and
the import run by the task's function in this process — the rows through
customers.services.customer_upsert_batch with their history rows, imports.services.
CUSTOMER_BATCH_ROWS a batch (one transaction, progress saved after each). Each size runs in a
child process of its own, so that its peak resident memory (VmHWM, which a new program starts
afresh) is its own: flat memory means the same peak whatever the file's length. Also the
reading alone (imports.readers on the same file, no writes), to tell the file's cost from the
services'.

    python -m bench.import_csv --database-url postgres://postgres@127.0.0.1:5432/bench_imports

Migrates the database it is given (a benchmark database: its name starts with "bench"), adds
customers with fresh shop ids at each run (KH-B<run>-<n>) and leaves them there.
Appends the figures to bench/RESULTS.md.

Target (issue's benchmark): a 100,000-row CSV imported in under 2 minutes, memory flat with the
file size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common

TARGET_SECONDS = 120
TARGET_ROWS = 100_000
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Đức", "Hoài", "Bảo"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hoa", "Hùng", "Lan", "Long", "My", "Nam", "Phúc", "Trang"]
STREETS = ["Lê Lợi", "Nguyễn Huệ", "Hùng Vương", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt"]
CITIES = ["TP Mỹ Tho, Tiền Giang", "TP Cao Lãnh, Đồng Tháp", "Quận 1, TP Hồ Chí Minh", "TP Huế"]


def write_csv(path: Path, rows: int, prefix: str) -> None:
    """A customers file as a shop keeps it: Vietnamese names, phones in the usual form."""
    chooser = random.Random(rows)  # noqa: S311  # made-up data
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write("Mã KH,Họ và tên,Điện thoại,Email,Địa chỉ\r\n")
        for n in range(rows):
            name = f"{chooser.choice(FAMILY)} {chooser.choice(MIDDLE)} {chooser.choice(GIVEN)}"
            address = (
                f"{chooser.randint(1, 300)} {chooser.choice(STREETS)}, {chooser.choice(CITIES)}"
            )
            phone = f"09{chooser.randint(0, 99_999_999):08d}"
            email = f"{prefix.lower()}.{n}@example.vn"
            out.write(
                f'{prefix}-{n},{name},{phone[:4]} {phone[4:7]} {phone[7:]},{email},"{address}"\r\n'
            )


def peak_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries it over from the
    parent through fork and exec, so every child would report the parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child_import(path: str, dry_run: bool) -> dict[str, float]:
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from customers import roles
    from imports import services
    from imports.models import ImportJob

    user, _created = get_user_model()._default_manager.get_or_create(
        username="bench-import", defaults={"is_staff": True}
    )
    user.groups.add(roles.group_for(roles.CUSTOMER_CARE))
    user = get_user_model()._default_manager.get(pk=user.pk)  # permissions read afresh
    started = time.perf_counter()
    with open(path, "rb") as handle:
        upload = File(handle, name="khach-hang.csv")
        upload.size = os.path.getsize(path)
        job = services.import_job_create(actor=user, kind="customers", upload=upload)
    read = time.perf_counter() - started
    services.import_job_start(job=job, actor=user, mapping=job.mapping, dry_run=dry_run)
    started = time.perf_counter()
    services.import_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    job = ImportJob.objects.get(pk=job.pk)
    return {
        "rows": job.total,
        "done": job.done,
        "failed": job.failed,
        "created": job.created,
        "upload_s": read,
        "seconds": seconds,
        "peak_mb": peak_mb(),
    }


def child_read(path: str) -> dict[str, float]:
    from imports import readers

    started = time.perf_counter()
    with open(path, "rb") as handle:
        count = sum(1 for _row in readers.rows(handle, readers.CSV)) - 1
    return {
        "rows": count,
        "seconds": time.perf_counter() - started,
        "peak_mb": peak_mb(),
    }


def in_child(database_url: str, call: str, *args: str) -> dict[str, float]:
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.import_csv",
            "--database-url",
            database_url,
            "--child",
            call,
            *args,
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--sizes",
        default="1000,4000",
        help="rows of the files imported, comma-separated (each in its own process)",
    )
    parser.add_argument(
        "--read-rows", type=int, default=TARGET_ROWS, help="rows of the file only read"
    )
    parser.add_argument("--dry-run", action="store_true", help="time the dry run instead")
    parser.add_argument("--no-append", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    common.setup_django(options.database_url)
    if options.child:
        call, *args = options.child
        if call == "import":
            result = child_import(args[0], args[1] == "dry")
        else:
            result = child_read(args[0])
        print(json.dumps(result))
        return 0

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    version = common.postgres_version(connection)
    run = time.strftime("%H%M%S")
    sizes = [int(size) for size in options.sizes.split(",")]
    mode = "dry" if options.dry_run else "real"
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"customers-{size}.csv"
            write_csv(path, size, f"KH-B{run}-{size}")
            result = in_child(options.database_url, "import", str(path), mode)
            results.append((size, path.stat().st_size, result))
            print(f"import {size:>7,} rows: {result}", flush=True)
        reads = []
        for size in sorted({options.read_rows // 10, options.read_rows}):
            path = Path(folder) / f"read-{size}.csv"
            write_csv(path, size, f"KH-R{run}")
            read = in_child(options.database_url, "read", str(path))
            reads.append((size, path.stat().st_size, read))
            print(f"read {size:>7,} rows: {read}", flush=True)

    rate = sum(r["done"] for _s, _b, r in results) / sum(r["seconds"] for _s, _b, r in results)
    projected = TARGET_ROWS / rate
    table = common.markdown_table(
        [
            "rows",
            "file (MB)",
            "upload + count (s)",
            "import (s)",
            "rows/s",
            "refused",
            "peak memory (MB)",
        ],
        [
            (
                f"{size:,}",
                f"{size_bytes / 1e6:.1f}",
                f"{r['upload_s']:.1f}",
                f"{r['seconds']:.1f}",
                f"{r['done'] / r['seconds']:.0f}",
                int(r["failed"]),
                f"{r['peak_mb']:.0f}",
            )
            for size, size_bytes, r in results
        ],
    )
    read_table = common.markdown_table(
        ["rows only read", "file (MB)", "seconds", "rows/s", "peak memory (MB)"],
        [
            (
                f"{size:,}",
                f"{b / 1e6:.1f}",
                f"{r['seconds']:.1f}",
                f"{r['rows'] / r['seconds']:,.0f}",
                f"{r['peak_mb']:.0f}",
            )
            for size, b, r in reads
        ],
    )
    verdict = "met" if projected < TARGET_SECONDS else "missed"
    what = "Dry run" if options.dry_run else "Import"
    from imports.services import CUSTOMER_BATCH_ROWS as batch

    report = f"""## bench/import_csv.py — {common.now_text()}

{common.machine_description(version)}
{what} of customers CSV files through the services (customer_upsert_batch, {batch:,} rows a
batch, with their history rows), each size in its own process.

{table}

{read_table}

At the measured {rate:,.0f} rows/s a 100,000-row file takes **{projected / 60:.1f} min**
(target < 2 min: **{verdict}**).
"""
    print(report)
    if not options.no_append:
        common.append_results(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
