"""Erasure benchmark: the real erasure service against plain SQL, in one run.

    python -m bench.erasure --database-url postgres://postgres@127.0.0.1:5432/bench_erasure \
        --customers 20000

The database is the benchmark's own: its customer data is emptied and refilled (set-based
INSERT … SELECT, seconds for 100k customers) with N customers, each with a delivery address, two
orders, two consents and the history rows of all of them; every fifth has a complaint with a
message and its history; every tenth an admin log entry that names them. Then:

1. rate: the customers are split into two halves drawn at random (their rows per table are
   counted and printed: the same kind and number of rows per customer), erased batch after
   batch of RETENTION_PURGE_BATCH_SIZE, alternating, so both halves see the same table sizes
   and cache: one half by ``retention.erasure.erase_customers`` (what the purge calls), the
   other by plain SQL that deletes the same kinds of rows (children, history tables, the admin
   log's entries, customers) in one transaction per batch. Customers per second of each and the
   ratio.
2. nothing left: ``tests.retention.all_tables.find_values`` (every text column of every table)
   on the names (as typed and folded), phones, emails, tax codes and consent addresses and form
   references of a sample of the customers the service erased, five of them named in the admin
   log.
3. memory: for each size, the data is refilled and a fresh process erases that many customers
   with the service; its peak RSS (ru_maxrss) after Django is loaded and at the end, and the
   tracemalloc peak during the erasure.

Figures are printed and appended to bench/RESULTS.md. The database must be migrated
(``DATABASE_URL=… python manage.py migrate``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bench import common
from customers.kernel.text import fold_vietnamese

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_erasure"
RATE_TARGET = 0.30


def _setup(database_url: str) -> None:
    common.require_bench_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["DJANGO_DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


# Data --------------------------------------------------------------------------------------

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thu", "Đức", "Quang", "Hữu"]
# No syllable is the beginning of another: a name is never part of a longer one, so the
# all-tables search of an erased name cannot hit a customer who was not erased.
GIVEN = [
    "An",
    "Bảo",
    "Châu",
    "Dũng",
    "Giang",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Khoa",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Nhung",
    "Phúc",
    "Phương",
    "Quân",
    "Quyên",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Trung",
    "Tuấn",
    "Tùng",
    "Uyên",
    "Việt",
    "Xuân",
    "Yến",
    "Đạt",
    "Định",
    "Hưng",
    "Lộc",
    "Ngân",
    "Vy",
]
# name_folded as the services store it (customers.kernel.text, which needs no Django set-up).
FAMILY_FOLDED = [fold_vietnamese(word) for word in FAMILY]
MIDDLE_FOLDED = [fold_vietnamese(word) for word in MIDDLE]
GIVEN_FOLDED = [fold_vietnamese(word) for word in GIVEN]
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt"]
PROVINCES = ["Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Cần Thơ", "Hải Phòng"]

# Tables the benchmark empties before it fills them (only rows that belong to customers).
CUSTOMER_TABLES = [
    "complaints_complaintevent",
    "complaints_complaintmessage",
    "complaints_evidence",
    "complaints_historicalcomplaint",
    "complaints_incidentcustomer",
    "complaints_complaint",
    "customers_accesslog",
    "customers_historicaldisclosure",
    "customers_disclosure",
    "customers_historicalconsent",
    "customers_consent",
    "customers_historicalorder",
    "customers_order",
    "customers_historicaldeliveryaddress",
    "customers_deliveryaddress",
    "retention_erasurereceipt",
    "retention_historicallegalhold",
    "retention_legalhold",
    "retention_historicalerasurerequest",
    "retention_erasurerequest",
    "customers_historicalcustomer",
    "customers_customer",
    "django_admin_log",
]


def _sql_array(values: Sequence[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _expr(index: str, values: Sequence[str], divisor: int) -> str:
    return f"({_sql_array(values)})[(({index} / {divisor}) % {len(values)}) + 1]"


def fill(n: int) -> dict[str, int]:
    """Empty the customer tables and fill them with n customers; the row counts."""
    from django.db import connection, transaction

    f, m, g = len(FAMILY), len(MIDDLE), len(GIVEN)
    if n > f * m * g * g * g:
        raise SystemExit(f"at most {f * m * g**3} distinct names")

    def full_name(family: list[str], middle: list[str], given: list[str]) -> str:
        """SQL of customer i's name: a family name, a middle name and three given names."""
        parts = [(family, 1), (middle, f), (given, f * m), (given, f * m * g)]
        parts.append((given, f * m * g * g))
        return " || ' ' || ".join(_expr("i", words, divisor) for words, divisor in parts)

    name = full_name(FAMILY, MIDDLE, GIVEN)
    folded = full_name(FAMILY_FOLDED, MIDDLE_FOLDED, GIVEN_FOLDED)
    street = _expr("i", STREETS, 1)
    province = _expr("i", PROVINCES, 7)
    customer_cols = (
        "kind, full_name, name_folded, contact_person, email, phone, address, tax_code, "
        "source_channel, status, notes, created_at, last_activity_at"
    )
    history_cols = "history_date, history_change_reason, history_type, history_user_id"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("TRUNCATE " + ", ".join(CUSTOMER_TABLES) + " RESTART IDENTITY CASCADE")
        cur.execute("TRUNCATE customers_historicalpurpose, customers_historicalpolicyversion")
        cur.execute("DELETE FROM customers_purpose WHERE code LIKE 'bench-%%'")
        cur.execute(
            "INSERT INTO customers_purpose (code, name_vi, name_en, description_vi, "
            "description_en, legal_basis, retention_vi, retention_en, is_active) VALUES "
            "('bench-marketing', 'Tiếp thị', 'Marketing', '', '', 'consent', '', '', true), "
            "('bench-delivery', 'Giao hàng', 'Delivery', '', '', 'contract', '', '', true)"
        )
        cur.execute(
            "INSERT INTO customers_policyversion (version, effective_from, title_vi, title_en, "
            "body_vi, body_en, created_at) SELECT 'bench-' || (count(*) + 1), current_date, "
            "'Chính sách', 'Policy', '', '', now() FROM customers_policyversion"
        )
        cur.execute("SELECT max(id) FROM customers_policyversion")
        policy = cur.fetchone()[0]
        cur.execute("SELECT id FROM customers_purpose WHERE code LIKE 'bench-%%' ORDER BY code")
        purposes = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT id FROM auth_user ORDER BY id LIMIT 1")
        user = cur.fetchone()
        if user is None:
            cur.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
                "email, is_staff, is_active, date_joined) VALUES "
                "('!', false, 'bench', '', '', '', true, true, now()) RETURNING id"
            )
            user = cur.fetchone()
        cur.execute(
            f"INSERT INTO customers_customer (id, {customer_cols}) "  # noqa: S608  # constants
            f"SELECT i, 'individual', {name}, {folded}, '', "
            f"'kh' || lpad(i::text, 8, '0') || '@example.vn', "
            f"'+8491' || lpad(i::text, 7, '0'), "
            f"(i % 300 + 1)::text || ' ' || {street} || ', ' || {province}, "
            f"'0790' || lpad(i::text, 8, '0'), 'web_form', 'active', "
            f"'Khách quen, gọi trước 17h', now() - interval '3 years', "
            f"now() - interval '2 years' FROM generate_series(1, {int(n)}) i"
        )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('customers_customer', 'id'), %s)", [max(n, 1)]
        )
        cur.execute(
            f"INSERT INTO customers_historicalcustomer (id, {customer_cols}, {history_cols}) "  # noqa: S608  # our own tables and columns; values are parameters
            f"SELECT id, {customer_cols}, created_at, NULL, '+', NULL FROM customers_customer "
            f"UNION ALL SELECT id, {customer_cols}, created_at + interval '1 day', "
            f"'Khách đổi số điện thoại', '~', {user[0]} FROM customers_customer WHERE id % 4 = 0"
        )
        address_cols = (
            "recipient_name, phone, address, ward, province, is_default, created_at, customer_id"
        )
        cur.execute(
            f"INSERT INTO customers_deliveryaddress ({address_cols}) "  # noqa: S608  # our own tables and columns; values are parameters
            "SELECT full_name, phone, address, 'Phường Bến Nghé', 'TP. Hồ Chí Minh', true, "
            "created_at, id FROM customers_customer"
        )
        cur.execute(
            f"INSERT INTO customers_historicaldeliveryaddress (id, {address_cols}, "  # noqa: S608  # our own tables and columns; values are parameters
            f"{history_cols}) SELECT id, {address_cols}, created_at, NULL, '+', NULL "
            "FROM customers_deliveryaddress"
        )
        order_cols = (
            "reference, ordered_at, total_vnd, invoice_number, status, recipient_name, "
            "delivery_phone, delivery_address, customer_id"
        )
        cur.execute(
            f"INSERT INTO customers_order ({order_cols}) "  # noqa: S608  # our own tables and columns; values are parameters
            "SELECT 'DH' || lpad(c.id::text, 8, '0') || '-' || k, c.created_at + k * interval "
            "'30 days', 150000 + (c.id * 7919 + k) % 5000000, 'HD' || c.id || k, 'delivered', "
            "c.full_name, c.phone, c.address, c.id "
            "FROM customers_customer c CROSS JOIN generate_series(1, 2) k"
        )
        cur.execute(
            f"INSERT INTO customers_historicalorder (id, {order_cols}, {history_cols}) "  # noqa: S608  # our own tables and columns; values are parameters
            f"SELECT id, {order_cols}, ordered_at, NULL, '+', NULL FROM customers_order"
        )
        consent_cols = (
            "status, granted_at, withdrawn_at, channel, form_reference, ip_address, user_agent, "
            "withdrawal_channel, withdrawal_reason, updated_at, recorded_by_id, customer_id, "
            "policy_version_id, purpose_id"
        )
        cur.execute(
            f"INSERT INTO customers_consent ({consent_cols}) "  # noqa: S608  # our own tables and columns; values are parameters
            f"SELECT 'granted', c.created_at, NULL, 'web_form', 'WF-' || c.id || '-' || p.k, "
            "('10.' || (c.id / 65536 % 256) || '.' || (c.id / 256 % 256) || '.' || "
            "(c.id % 256))::inet, 'Mozilla/5.0 (Linux; Android 14)', '', '', c.created_at, "
            f"NULL, c.id, {int(policy)}, p.purpose FROM customers_customer c CROSS JOIN "
            f"(SELECT 1 AS k, {int(purposes[0])}::bigint AS purpose "
            f"UNION ALL SELECT 2, {int(purposes[1])}) p"
        )
        cur.execute(
            f"INSERT INTO customers_historicalconsent (id, {consent_cols}, {history_cols}) "  # noqa: S608  # our own tables and columns; values are parameters
            f"SELECT id, {consent_cols}, granted_at, NULL, '+', NULL FROM customers_consent"
        )
        complaint_cols = (
            "tracking_code, kind, channel, language, submitter_name, submitter_phone, "
            "submitter_email, description, consent_to_process, status, department, "
            "third_party_involved, received_at, acknowledge_due_at, due_at, extension_days, "
            "extension_reason, resolution, response_channel, phone_call_summary, "
            "rejection_reason, customer_id"
        )
        cur.execute(
            f"INSERT INTO complaints_complaint ({complaint_cols}) "  # noqa: S608  # our own tables and columns; values are parameters
            "SELECT 'KN' || lpad(id::text, 8, '0'), 'data_erasure', 'web_form', 'vi', full_name, "
            "phone, email, 'Tôi là ' || full_name || ', số ' || phone || ', xin xóa dữ liệu.', "
            "true, 'resolved', '', false, created_at, created_at + interval '2 days', "
            "created_at + interval '30 days', 0, '', 'Đã xử lý', 'email', '', '', id "
            "FROM customers_customer WHERE id % 5 = 0"
        )
        cur.execute(
            f"INSERT INTO complaints_historicalcomplaint (id, {complaint_cols}, "  # noqa: S608  # our own tables and columns; values are parameters
            f"{history_cols}) SELECT id, {complaint_cols}, received_at, NULL, '+', NULL "
            "FROM complaints_complaint"
        )
        cur.execute(
            "INSERT INTO complaints_complaintmessage (visibility, body, created_at, emailed_at, "
            "author_id, complaint_id) SELECT 'public', 'Chào ' || submitter_name || ', yêu cầu "
            "đã được xử lý.', received_at, NULL, NULL, id FROM complaints_complaint"
        )
        cur.execute(
            "SELECT id FROM django_content_type WHERE app_label = 'customers' "
            "AND model = 'customer'"
        )
        content_type = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO django_admin_log (action_time, object_id, object_repr, action_flag, "  # noqa: S608  # integers
            "change_message, content_type_id, user_id) SELECT now(), id::text, full_name, 2, "
            '\'[{"changed": {"fields": ["Phone"]}}]\', '
            f"{int(content_type)}, {int(user[0])} "
            "FROM customers_customer WHERE id % 10 = 0"
        )
    with connection.cursor() as cur:
        # The fill's dead rows and dirty pages are not the erasure's: vacuum them and write them
        # out now, or a checkpoint or an autovacuum lands in the middle of one half's timing.
        cur.execute("VACUUM (ANALYZE)")
        cur.execute("CHECKPOINT")
    return row_counts()


def row_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cur:
        for table in sorted(CUSTOMER_TABLES):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # a constant name
            counts[table] = cur.fetchone()[0]
    return {table: n for table, n in counts.items() if n}


# Erasure, both ways ------------------------------------------------------------------------

# Plain SQL: the children (and their history) before what they point to, customers last. Orders
# are deleted too: nothing is kept, no receipt, no admin log — the floor any erasure can reach.
PLAIN_DELETES = [
    "DELETE FROM complaints_complaintevent WHERE complaint_id IN "
    "(SELECT id FROM complaints_complaint WHERE customer_id = ANY(%(ids)s))",
    "DELETE FROM complaints_complaintmessage WHERE complaint_id IN "
    "(SELECT id FROM complaints_complaint WHERE customer_id = ANY(%(ids)s))",
    "DELETE FROM complaints_evidence WHERE complaint_id IN "
    "(SELECT id FROM complaints_complaint WHERE customer_id = ANY(%(ids)s))",
    "DELETE FROM complaints_historicalcomplaint WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM complaints_complaint WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM complaints_incidentcustomer WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_historicaldisclosure WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_disclosure WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_historicalconsent WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_consent WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_historicalorder WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_order WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_historicaldeliveryaddress WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_deliveryaddress WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_accesslog WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM retention_historicallegalhold WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM retention_legalhold WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM retention_historicalerasurerequest WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM retention_erasurerequest WHERE customer_id = ANY(%(ids)s)",
    "DELETE FROM customers_historicalcustomer WHERE id = ANY(%(ids)s)",
    "DELETE FROM customers_customer WHERE id = ANY(%(ids)s)",
    # The admin's log names the customer in object_repr (the service redacts those rows).
    "DELETE FROM django_admin_log WHERE content_type_id = (SELECT id FROM django_content_type"
    " WHERE app_label = 'customers' AND model = 'customer')"
    " AND object_id = ANY(%(ids)s::text[])",
]

# Rows that belong to a set of customers, table by table: both halves of the rate comparison
# must hold the same kind and number of rows per customer.
HALF_ROWS = {
    "complaints": "SELECT COUNT(*) FROM complaints_complaint WHERE customer_id = ANY(%(ids)s)",
    "complaint messages": "SELECT COUNT(*) FROM complaints_complaintmessage WHERE complaint_id IN"
    " (SELECT id FROM complaints_complaint WHERE customer_id = ANY(%(ids)s))",
    "consents": "SELECT COUNT(*) FROM customers_consent WHERE customer_id = ANY(%(ids)s)",
    "orders": "SELECT COUNT(*) FROM customers_order WHERE customer_id = ANY(%(ids)s)",
    "addresses": "SELECT COUNT(*) FROM customers_deliveryaddress WHERE customer_id = ANY(%(ids)s)",
    "customer history": "SELECT COUNT(*) FROM customers_historicalcustomer WHERE id = ANY(%(ids)s)",
    "order history": "SELECT COUNT(*) FROM customers_historicalorder"
    " WHERE customer_id = ANY(%(ids)s)",
    "admin log": "SELECT COUNT(*) FROM django_admin_log WHERE object_id = ANY(%(ids)s::text[])",
}


def plain_delete(ids: list[int]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        for statement in PLAIN_DELETES:
            cur.execute(statement, {"ids": ids})


def service_erase(ids: list[int], batch_size: int) -> int:
    from retention.erasure import erase_customers

    outcome = erase_customers(customer_ids=ids, job="bench", batch_size=batch_size)
    return len(outcome.erased)


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _chunks_of(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    while batch := list(itertools.islice(ids, size)):
        yield batch


def halves(n: int) -> tuple[list[int], list[int]]:
    """Customers 1..n in two halves drawn at random (fixed seed), each in id order: fill() gives
    extra rows by id (every fourth a second history row, every tenth an admin log entry), which
    a split by position (even / odd ids) would hand to one half only."""
    ids = list(range(1, n + 1))
    random.Random(11).shuffle(ids)  # noqa: S311  # a split, not a secret
    return sorted(ids[0::2]), sorted(ids[1::2])


def half_rows(ids: list[int]) -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cur:
        for label, sql in HALF_ROWS.items():
            cur.execute(sql, {"ids": ids})
            counts[label] = int(cur.fetchone()[0])
    return counts


def compare(service_ids: list[int], plain_ids: list[int], batch_size: int) -> dict[str, Any]:
    """Erase one half with the service and the other with plain SQL, one batch of each in turn
    (which goes first alternates); the time of each."""
    service_seconds = plain_seconds = 0.0
    erased = 0
    batches = itertools.zip_longest(
        _chunks(service_ids, batch_size), _chunks(plain_ids, batch_size), fillvalue=[]
    )
    for number, (service_batch, plain_batch) in enumerate(batches):
        for side in ("service", "plain") if number % 2 == 0 else ("plain", "service"):
            start = time.perf_counter()
            if side == "service" and service_batch:
                erased += service_erase(service_batch, batch_size)
                service_seconds += time.perf_counter() - start
            elif side == "plain" and plain_batch:
                plain_delete(plain_batch)
                plain_seconds += time.perf_counter() - start
    if erased != len(service_ids):
        raise SystemExit(f"the service erased {erased} of {len(service_ids)} customers")
    service_rate = len(service_ids) / service_seconds
    plain_rate = len(plain_ids) / plain_seconds
    return {
        "batch_size": batch_size,
        "service_customers": len(service_ids),
        "service_seconds": round(service_seconds, 2),
        "service_rate": round(service_rate),
        "plain_customers": len(plain_ids),
        "plain_seconds": round(plain_seconds, 2),
        "plain_rate": round(plain_rate),
        "ratio": round(service_rate / plain_rate, 3),
    }


def leftovers(sample_ids: list[int], values: dict[int, list[str]]) -> list[Any]:
    """Every cell of every table that still holds one of the sampled customers' values."""
    from tests.retention.all_tables import find_values

    return find_values([v for pk in sample_ids for v in values[pk]])


def sample_values(ids: list[int]) -> dict[int, list[str]]:
    """What the all-tables search looks for, per customer: the name (as typed and folded),
    phone, email, tax code, and the address and form reference their consents were given from."""
    from customers.models import Consent, Customer

    values: dict[int, list[str]] = {}
    rows = Customer._base_manager.filter(pk__in=ids).values_list(
        "pk", "full_name", "name_folded", "phone", "email", "tax_code"
    )
    for pk, *fields in rows:
        values[pk] = [value for value in fields if value]
    consents = Consent._base_manager.filter(customer_id__in=ids).values_list(
        "customer_id", "ip_address", "form_reference"
    )
    for pk, ip_address, form_reference in consents:
        values[pk] += [str(value) for value in (ip_address, form_reference) if value]
    return values


# Memory, in a fresh process per size -------------------------------------------------------


def _maxrss_mb() -> float:
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    return round(kilobytes / 1024, 1)


def memory_child(n: int, batch_size: int) -> None:
    """Run in a fresh process: erase customers 1..n with the service; print the figures."""
    from django.db import connection

    connection.ensure_connection()
    import retention.erasure  # noqa: F401  # loaded before the baseline is taken

    before = _maxrss_mb()
    tracemalloc.start()
    start = time.perf_counter()
    # As the purge does (retention.purge): the due ids read batch after batch, one call each.
    erased = sum(
        service_erase(batch, batch_size) for batch in _chunks_of(iter(range(1, n + 1)), batch_size)
    )
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "customers": n,
                "erased": erased,
                "seconds_with_tracemalloc": round(seconds, 2),
                "maxrss_before_mb": before,
                "maxrss_after_mb": _maxrss_mb(),
                "tracemalloc_peak_mb": round(peak / 2**20, 2),
            }
        )
    )


def memory(sizes: list[int], database_url: str, batch_size: int) -> list[dict[str, Any]]:
    results = []
    for size in sizes:
        fill(size)
        output = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.erasure",
                "--database-url",
                database_url,
                "--batch-size",
                str(batch_size),
                "--memory-child",
                str(size),
            ],
            cwd=BASE_DIR,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
        print(f"  memory {size}: {results[-1]}", flush=True)
    return results


# Report ------------------------------------------------------------------------------------


def machine() -> str:
    from django.db import connection

    return common.machine_description(common.postgres_version(connection))


def report(
    *,
    counts: dict[str, int],
    rate: dict[str, Any],
    sample: int,
    hits: list[Any],
    mem: list[dict[str, Any]],
    host: str,
    customers: int,
) -> str:
    ratio = rate["ratio"]
    lines = [
        f"## Erasure — {common.now_text()}",
        "",
        f"`python -m bench.erasure --customers {customers}`",
        "",
        f"- Machine: {host}.",
        "- Rows before the run: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()),
        "",
        f"Batches of {rate['batch_size']} customers (RETENTION_PURGE_BATCH_SIZE), one "
        "transaction each; two halves drawn at random, interleaved batch for batch (which goes "
        "first alternates), in the same run. Their rows (service / plain): "
        + ", ".join(
            f"{label} {rate['rows']['service'][label]:,} / {rate['rows']['plain'][label]:,}"
            for label in rate["rows"]["service"]
        )
        + ".",
        "",
        "| Erasure | Customers | Seconds | Customers/s |",
        "|---|---:|---:|---:|",
        f"| Service `erase_customers` | {rate['service_customers']:,} | "
        f"{rate['service_seconds']} | {rate['service_rate']:,} |",
        f"| Plain SQL DELETE | {rate['plain_customers']:,} | {rate['plain_seconds']} | "
        f"{rate['plain_rate']:,} |",
        "",
        f"- Ratio service/plain: **{ratio:.1%}** (target ≥ {RATE_TARGET:.0%}: "
        + ("met)" if ratio >= RATE_TARGET else f"missed by {RATE_TARGET - ratio:.1%} points)"),
        "- All-tables search (every text column of every table) for the name (typed and "
        "folded), phone, email, tax code, consent IP address and form reference "
        f"of {sample} customers the service erased (5 of them named in the admin log): "
        f"**{len(hits)} hits**"
        + ("" if not hits else f" — {hits[:10]}")
        + f" (before the erasure, one of them was found in {rate['control_hits']} cells)",
        "",
        "| Customers erased (fresh process) | ru_maxrss after setup (MB) | ru_maxrss at end "
        "(MB) | tracemalloc peak (MB) |",
        "|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {m['customers']:,} | {m['maxrss_before_mb']} | {m['maxrss_after_mb']} | "
        f"{m['tracemalloc_peak_mb']} |"
        for m in mem
    ]
    if mem:
        growth = mem[-1]["maxrss_after_mb"] - mem[0]["maxrss_after_mb"]
        lines += [
            "",
            f"- Peak RSS from {mem[0]['customers']:,} to {mem[-1]['customers']:,} customers: "
            f"{growth:+.1f} MB.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=0, help="default: the setting")
    parser.add_argument("--sample", type=int, default=50)
    parser.add_argument("--memory-sizes", default="1000,5000,20000")
    parser.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _setup(args.database_url)
    from django.conf import settings

    batch_size = args.batch_size or settings.RETENTION_PURGE_BATCH_SIZE
    if args.memory_child:
        memory_child(args.memory_child, batch_size)
        return

    host = machine()
    print(f"filling {args.customers:,} customers …", flush=True)
    start = time.perf_counter()
    counts = fill(args.customers)
    print(f"  {time.perf_counter() - start:.1f} s: {counts}", flush=True)
    service_ids, plain_ids = halves(args.customers)
    rows = {"service": half_rows(service_ids), "plain": half_rows(plain_ids)}
    print(f"  rows of each half: {rows}", flush=True)
    chooser = random.Random(7)  # noqa: S311  # a sample, not a secret
    # A few customers the admin's log names (every tenth), the rest at random.
    logged = [pk for pk in service_ids if pk % 10 == 0][:5]
    others = [pk for pk in service_ids if pk % 10]
    sample_ids = sorted(
        logged + chooser.sample(others, min(args.sample, len(others)) - len(logged))
    )
    values = sample_values(sample_ids)
    # The search finds them before the erasure: a clean result afterwards means something.
    control = len(leftovers(sample_ids[:1], values))
    if not control:
        raise SystemExit("the all-tables search does not find a customer before the erasure")

    print("erasing: service and plain SQL, batch for batch …", flush=True)
    rate = compare(service_ids, plain_ids, batch_size)
    print(f"  {rate}", flush=True)
    hits = leftovers(sample_ids, values)
    rate["control_hits"] = control
    rate["rows"] = rows
    print(f"  all-tables search, {len(sample_ids)} erased customers: {len(hits)} hits", flush=True)

    sizes = [int(size) for size in args.memory_sizes.split(",") if size]
    print(f"peak memory, fresh process per size {sizes} …", flush=True)
    mem = memory(sizes, args.database_url, batch_size)
    text = report(
        counts=counts,
        rate=rate,
        sample=len(sample_ids),
        hits=hits,
        mem=mem,
        host=host,
        customers=args.customers,
    )
    print(text)
    if not args.no_results:
        common.append_results(text)


if __name__ == "__main__":
    main()
