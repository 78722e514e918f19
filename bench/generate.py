"""Fill a migrated PostgreSQL database with N realistic customers, fast (COPY, not the ORM).

    python -m bench.generate --customers 1000000 --reset \\
        --database-url postgres://postgres@127.0.0.1:5432/bench_admin_1m

Each customer: a Vietnamese name with diacritics (and its folded copy, as customers.services
keeps it), a unique E.164 mobile number and email, sometimes a tax code (organizations: a 10-digit
MST with its check digit) or a 12-digit citizen ID, a contact address, 1–2 delivery addresses,
0–3 orders, two consents (10% withdrawn); 2% have a disclosure to a shipper, 0.5% a complaint.
Every row gets its django-simple-history '+' row, as if created through the services.

The purposes, the policy version, the shipper and the staff member who approves hand-overs are
made through the ORM first; the rest is written with COPY, in one transaction (an interrupted
run leaves nothing), with the tables' secondary indexes dropped during the load and rebuilt after
it, and foreign-key triggers off (the generator writes consistent ids). The column lists come
from the tables themselves: a NOT NULL column the generator does not know gets its type's empty
value, so a new model field does not break it. Then sequences are reset and the tables analysed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.common import setup_django

CHUNK = 25_000  # customers generated, then copied, at a time
SEED = 20261123
YEARS = 5  # customers arrived over the last YEARS years
# Values for NOT NULL columns the generator does not know, by PostgreSQL type.
TYPE_FILLERS = {
    "character varying": "",
    "text": "",
    "integer": "0",
    "bigint": "0",
    "smallint": "0",
    "boolean": "f",
    "jsonb": "[]",
    "numeric": "0",
}


@dataclass
class Table:
    """One table being loaded: its COPY column list, a constant suffix for the NOT NULL
    columns the generator does not know, and the lines of the current chunk."""

    name: str
    columns: list[str]
    history: str | None = None
    fill_columns: list[str] = field(default_factory=list)
    fill_suffix: str = ""
    history_columns: list[str] = field(default_factory=list)
    history_suffix: str = ""
    lines: list[str] = field(default_factory=list)
    history_lines: list[str] = field(default_factory=list)
    rows: int = 0

    def add(self, values: str, created: str) -> None:
        """values: the tab-separated COPY text of self.columns; created: the history date."""
        line = values + self.fill_suffix
        self.lines.append(line)
        if self.history:
            self.history_lines.append(f"{line}\t{created}\t+{self.history_suffix}")


def _table_columns(cursor: Any, table: str) -> dict[str, tuple[bool, bool, str]]:
    """column -> (nullable, has a default, data type)."""
    cursor.execute(
        "SELECT column_name, is_nullable = 'YES',"
        " column_default IS NOT NULL OR is_identity = 'YES', data_type"
        " FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s",
        [table],
    )
    return {name: (nullable, default, kind) for name, nullable, default, kind in cursor.fetchall()}


def _fillers(
    cursor: Any, table: str, known: list[str], now: str
) -> tuple[list[str], str, list[str]]:
    """The NOT NULL columns without a default that known leaves out, and their values."""
    columns = _table_columns(cursor, table)
    if not columns:
        raise SystemExit(f"Table {table} does not exist: migrate the database first.")
    unknown = [name for name in known if name not in columns]
    if unknown:
        raise SystemExit(f"{table} has no column {', '.join(unknown)}: update bench/generate.py.")
    fill, values = [], []
    for name, (nullable, has_default, kind) in sorted(columns.items()):
        if name in known or nullable or has_default:
            continue
        if kind.startswith("timestamp") or kind == "date":
            value = now if kind.startswith("timestamp") else now[:10]
        elif kind in TYPE_FILLERS:
            value = TYPE_FILLERS[kind]
        else:
            raise SystemExit(f"{table}.{name} ({kind}) is NOT NULL: update bench/generate.py.")
        fill.append(name)
        values.append(value)
    return fill, "".join(f"\t{value}" for value in values), sorted(fill)


def prepare(cursor: Any, tables: list[Table], now: str) -> None:
    for table in tables:
        table.fill_columns, table.fill_suffix, filled = _fillers(
            cursor, table.name, table.columns, now
        )
        if filled:
            print(f"  {table.name}: NOT NULL columns filled with empty values: {filled}")
        if table.history:
            known = [*table.columns, *table.fill_columns, "history_date", "history_type"]
            fill, table.history_suffix, filled = _fillers(cursor, table.history, known, now)
            table.history_columns = known + fill
            if filled:
                print(f"  {table.history}: NOT NULL columns filled: {filled}")


# Vocabulary -----------------------------------------------------------------------------------


class Vocabulary:
    """Names, places and the other pools, taken from the demo data (customers/demo_data.py)."""

    def __init__(self) -> None:
        from customers import demo_data

        self.families = [name for name, weight in demo_data.FAMILY_NAMES for _ in range(weight)]
        self.middles = (demo_data.MALE_MIDDLE, demo_data.FEMALE_MIDDLE)
        self.givens = (demo_data.MALE_GIVEN, demo_data.FEMALE_GIVEN)
        self.org_forms = [
            name for name, weight in demo_data.ORGANIZATION_FORMS for _ in range(weight)
        ]
        self.org_sectors = [name for name, _ in demo_data.ORGANIZATION_SECTORS]
        self.org_brands = demo_data.ORGANIZATION_BRANDS
        self.domains = ("gmail.com", *demo_data.EMAIL_DOMAINS)
        self.prefixes = [prefix[1:] for prefix in demo_data.MOBILE_PREFIXES]  # without trunk 0
        self.places = [place for place in demo_data.PLACES for _ in range(place.weight)]
        for text in [*self.families, *self.org_brands] + [
            street for place in demo_data.PLACES for _, streets in place.wards for street in streets
        ]:
            assert not any(ch in text for ch in "\t\n\r\\"), text  # COPY text needs no escaping


# Generation -----------------------------------------------------------------------------------


class Clock:
    """Timestamps as COPY text, fast: a day table and a second-of-day table."""

    def __init__(self, now: datetime.datetime) -> None:
        self.end = int(now.timestamp())
        self.start = self.end - YEARS * 365 * 86400
        first_day = datetime.datetime.fromtimestamp(self.start - self.start % 86400, datetime.UTC)
        self.first = self.start - self.start % 86400
        self.days = [
            (first_day + datetime.timedelta(days=n)).strftime("%Y-%m-%d")
            for n in range(YEARS * 366 + 60)  # and deadlines up to two months ahead
        ]
        self.seconds = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86400)]

    def text(self, epoch: int) -> str:
        offset = epoch - self.first
        return f"{self.days[offset // 86400]} {self.seconds[offset % 86400]}"


def make_tables() -> dict[str, Table]:
    return {
        "customer": Table(
            "customers_customer",
            [
                "id", "kind", "full_name", "name_folded", "contact_person", "email", "phone",
                "address", "tax_code", "source_channel", "status", "notes", "created_at",
                "last_activity_at",
            ],
            history="customers_historicalcustomer",
        ),
        "address": Table(
            "customers_deliveryaddress",
            ["id", "customer_id", "recipient_name", "phone", "address", "ward", "province",
             "is_default", "created_at"],
            history="customers_historicaldeliveryaddress",
        ),
        "order": Table(
            "customers_order",
            ["id", "customer_id", "reference", "ordered_at", "total_vnd", "invoice_number",
             "status", "recipient_name", "delivery_phone", "delivery_address"],
            history="customers_historicalorder",
        ),
        "consent": Table(
            "customers_consent",
            ["id", "customer_id", "purpose_id", "status", "granted_at", "withdrawn_at", "channel",
             "policy_version_id", "form_reference", "ip_address", "user_agent",
             "withdrawal_channel", "withdrawal_reason", "updated_at"],
            history="customers_historicalconsent",
        ),
        "disclosure": Table(
            "customers_disclosure",
            ["id", "customer_id", "recipient_id", "items", "purpose_id", "legal_basis",
             "batch_reference", "notes", "approved_by_id", "disclosed_at"],
            history="customers_historicaldisclosure",
        ),
        "complaint": Table(
            "complaints_complaint",
            ["id", "tracking_code", "kind", "channel", "language", "submitter_name",
             "submitter_phone", "submitter_email", "description", "consent_to_process",
             "customer_id", "status", "received_at", "acknowledge_due_at", "due_at"],
            history="complaints_historicalcomplaint",
        ),
    }  # fmt: skip


@dataclass
class Context:
    """The rows made through the ORM that the generated rows point at."""

    purposes: list[int]  # the two consent purposes
    policy_version: int
    recipient: int
    fulfilment_purpose: int
    staff: int


def setup_reference_rows() -> Context:
    """Purposes (the demo's), a policy version, a shipper and a staff member, via the ORM."""
    from django.contrib.auth import get_user_model

    from customers import demo_data
    from customers.models import PolicyVersion, Purpose, Recipient

    for values in demo_data.PURPOSES:
        values = dict(values)
        Purpose.objects.get_or_create(code=values.pop("code"), defaults=values)
    policy, _ = PolicyVersion.objects.get_or_create(
        version="bench-2025",
        defaults={
            "effective_from": datetime.date(2025, 7, 1),
            "title_vi": "Chính sách bảo vệ dữ liệu cá nhân",
            "title_en": "Personal data protection policy",
            "body_vi": "Văn bản chính sách (dữ liệu đo hiệu năng).",
            "body_en": "Policy text (benchmark data).",
        },
    )
    fulfilment = Purpose.objects.get(code="order-fulfilment")
    recipient, _ = Recipient.objects.get_or_create(
        name="Giao Hàng Nhanh (GHN) — bench",
        defaults={
            "kind": Recipient.Kind.SHIPPER,
            "purpose": fulfilment,
            "contract_reference": "HĐ-GHN-2025/01",
            "allowed_items": ["name", "phone", "delivery_address"],
        },
    )
    user_model = get_user_model()
    staff, created = user_model.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        staff.set_unusable_password()
        staff.save()
    consent_purposes = Purpose.objects.filter(
        code__in=["marketing-email", "product-notifications"]
    ).order_by("code")
    return Context(
        purposes=[p.pk for p in consent_purposes],
        policy_version=policy.pk,
        recipient=recipient.pk,
        fulfilment_purpose=fulfilment.pk,
        staff=staff.pk,
    )


class Generator:
    def __init__(self, tables: dict[str, Table], context: Context, first_ids: dict[str, int]):
        from complaints.models import TRACKING_ALPHABET, TRACKING_PREFIX, Kind
        from customers.kernel.text import fold_vietnamese

        self.t = tables
        self.ctx = context
        self.next_id = dict(first_ids)
        self.rng = random.Random(SEED)  # noqa: S311  (invented people, not secrets)
        self.words = Vocabulary()
        self.clock = Clock(datetime.datetime.now(datetime.UTC))
        self.fold = fold_vietnamese
        self.folded: dict[str, str] = {}
        self.tracking_alphabet = TRACKING_ALPHABET
        self.tracking_prefix = TRACKING_PREFIX
        self.complaint_kinds = [kind.value for kind in Kind]

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _fold(self, name: str) -> str:
        folded = self.folded.get(name)
        if folded is None:
            folded = self.folded[name] = self.fold(name)
        return folded

    def phone(self, number: int) -> str:
        """A unique valid mobile number for every number < 29 × 10^7."""
        prefix = self.words.prefixes[number % len(self.words.prefixes)]
        rest = (number // len(self.words.prefixes) * 7_919 + 1_234_567) % 10_000_000
        return f"+84{prefix}{rest:07d}"

    def person(self) -> str:
        rng, words = self.rng, self.words
        sex = rng.getrandbits(1)
        family = words.families[rng.randrange(len(words.families))]
        middle = rng.choice(words.middles[sex])
        given = rng.choice(words.givens[sex])
        return f"{family} {middle} {given}"

    def tax_code_mst(self, prefix: str, number: int) -> str:
        from stdnum.vn import mst

        while True:
            body = f"{prefix[:2]}{number % 10_000_000:07d}"
            check = str(mst.calc_check_digit(body))
            if len(check) == 1:  # some bodies have no valid check digit: take the next one
                return body + check
            number += 1

    def customer(self, n_total: int, index: int) -> None:
        rng, words, clock = self.rng, self.words, self.clock
        cid = self._id("customer")
        place = words.places[rng.randrange(len(words.places))]
        ward, streets = rng.choice(place.wards)
        organization = rng.random() < 0.05
        person = self.person()
        if organization:
            full_name = (
                f"{rng.choice(words.org_forms)} {rng.choice(words.org_sectors)} "
                f"{rng.choice(words.org_brands)}"
            )
            contact_person, kind = person, "organization"
            tax_code = self.tax_code_mst(place.mst_prefix, cid)
        else:
            full_name, contact_person, kind = person, "", "individual"
            roll = rng.random()
            if roll < 0.15:
                born = rng.randrange(1950, 2006)
                century = (0 if born < 2000 else 2) + rng.getrandbits(1)
                tax_code = f"{place.cccd_code}{century}{born % 100:02d}{cid % 1_000_000:06d}"
            elif roll < 0.20:
                tax_code = self.tax_code_mst(f"8{rng.randrange(10)}", cid)
            else:
                tax_code = ""
        folded = self._fold(full_name)
        phone = self.phone(cid) if rng.random() < 0.97 else ""
        email = (
            f"{folded.replace(' ', '')}{cid}@{rng.choice(words.domains)}"
            if rng.random() < 0.85
            else ""
        )
        address = f"{rng.randrange(1, 400)} {rng.choice(streets)}, {ward}, {place.province}"
        created_epoch = clock.start + (clock.end - clock.start) * index // n_total
        created_epoch += rng.randrange(0, 3600)
        created = clock.text(min(created_epoch, clock.end))
        last = clock.text(rng.randrange(min(created_epoch, clock.end), clock.end + 1))
        channel = rng.choice(("web_form", "web_form", "web_form", "phone", "email", "in_person"))
        status = "active" if rng.random() < 0.98 else "erasure_pending"
        notes = "Khách quen, giao giờ hành chính." if rng.random() < 0.03 else ""
        self.t["customer"].add(
            f"{cid}\t{kind}\t{full_name}\t{folded}\t{contact_person}\t{email}\t{phone}\t"
            f"{address}\t{tax_code}\t{channel}\t{status}\t{notes}\t{created}\t{last}",
            created,
        )
        recipient = contact_person or full_name
        delivery_phone = phone or self.phone(cid + 100_000_000)
        for number in range(1 + (rng.random() < 0.3)):
            other_ward, other_streets = rng.choice(place.wards)
            street = f"{rng.randrange(1, 400)} {rng.choice(other_streets)}"
            self.t["address"].add(
                f"{self._id('address')}\t{cid}\t{recipient}\t{delivery_phone}\t{street}\t"
                f"{other_ward}\t{place.province}\t{'t' if number == 0 else 'f'}\t{created}",
                created,
            )
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
            oid = self._id("order")
            ordered_epoch = rng.randrange(min(created_epoch, clock.end), clock.end + 1)
            ordered = clock.text(ordered_epoch)
            total = rng.randrange(50, 20_000) * 1000
            status = rng.choice(("delivered", "delivered", "delivered", "placed", "cancelled"))
            invoice = f"HD{oid:08d}" if status == "delivered" and rng.random() < 0.5 else ""
            self.t["order"].add(
                f"{oid}\t{cid}\tDH{oid:010d}\t{ordered}\t{total}\t{invoice}\t{status}\t"
                f"{recipient}\t{delivery_phone}\t{address}",
                ordered,
            )
        for purpose in self.ctx.purposes:
            web = channel == "web_form"
            ip = f"113.161.{rng.randrange(256)}.{rng.randrange(1, 255)}" if web else "\\N"
            agent = "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile" if web else ""
            if rng.random() < 0.1:
                withdrawn = clock.text(rng.randrange(min(created_epoch, clock.end), clock.end + 1))
                state = f"withdrawn\t{created}\t{withdrawn}"
                withdrawal = "email\tKhông muốn nhận quảng cáo nữa."
                updated = withdrawn
            else:
                state, withdrawal, updated = f"granted\t{created}\t\\N", "\t", created
            self.t["consent"].add(
                f"{self._id('consent')}\t{cid}\t{purpose}\t{state}\t{channel}\t"
                f"{self.ctx.policy_version}\tF-{cid}-{purpose}\t{ip}\t{agent}\t{withdrawal}\t"
                f"{updated}",
                created,
            )
        if rng.random() < 0.02:
            did = self._id("disclosure")
            self.t["disclosure"].add(
                f"{did}\t{cid}\t{self.ctx.recipient}\t"
                '["name", "phone", "delivery_address"]\t'
                f"{self.ctx.fulfilment_purpose}\tcontract\tGHN-{did // 50:06d}\t\t"
                f"{self.ctx.staff}\t{last}",
                last,
            )
        if rng.random() < 0.005:
            complaint_id = self._id("complaint")
            code = "".join(
                self.tracking_alphabet[(complaint_id * 7_919 >> (5 * k)) % 32] for k in range(10)
            )
            received_epoch = rng.randrange(min(created_epoch, clock.end), clock.end + 1)
            self.t["complaint"].add(
                f"{complaint_id}\t{self.tracking_prefix}-{code[:5]}-{code[5:]}\t"
                f"{rng.choice(self.complaint_kinds)}\tweb_form\tvi\t{full_name}\t{phone}\t{email}\t"
                f"Tôi muốn biết công ty đang giữ những dữ liệu nào của tôi.\tt\t{cid}\t"
                f"{rng.choice(('received', 'routed', 'resolved', 'closed'))}\t"
                f"{clock.text(received_epoch)}\t{clock.text(received_epoch + 2 * 86400)}\t"
                f"{clock.text(received_epoch + 30 * 86400)}",
                clock.text(received_epoch),
            )


# Loading --------------------------------------------------------------------------------------


def _copy(cursor: Any, table: str, columns: list[str], lines: list[str]) -> None:
    if not lines:
        return
    column_list = ", ".join(f'"{name}"' for name in columns)
    with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
        for start in range(0, len(lines), 5000):
            copy.write("\n".join(lines[start : start + 5000]) + "\n")


def _secondary_indexes(cursor: Any, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of tables that back no constraint."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid = ANY(%s::regclass[])"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    return list(cursor.fetchall())


def _timed(label: str, action: Callable[[], Any]) -> Any:
    started = time.monotonic()
    result = action()
    print(f"  {label}: {time.monotonic() - started:.1f} s", flush=True)
    return result


def generate(customers: int, *, reset: bool) -> dict[str, int]:
    from django.db import connection, transaction

    started = time.monotonic()
    context = setup_reference_rows()
    tables = make_tables()
    all_tables = [t.name for t in tables.values()] + [
        t.history for t in tables.values() if t.history
    ]
    with transaction.atomic():
        raw = connection.connection
        with raw.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # The generator writes consistent ids; row-by-row foreign-key checks would triple
            # the load time (they need superuser rights to switch off).
            cursor.execute("SET LOCAL session_replication_role = replica")
            if reset:
                _timed(
                    "truncate",
                    lambda: cursor.execute(
                        "TRUNCATE "
                        + ", ".join(all_tables)
                        + ", customers_accesslog, complaints_complaintevent,"
                        " complaints_complaintmessage, complaints_evidence,"
                        " complaints_incidentcustomer RESTART IDENTITY CASCADE"
                    ),
                )
            first_ids = {}
            for key, table in tables.items():
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}")  # noqa: S608  # our own table names
                first_ids[key] = cursor.fetchone()[0]
            now_text = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S+00")
            prepare(cursor, list(tables.values()), now_text)
            indexes = _secondary_indexes(cursor, all_tables)
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
            generator = Generator(tables, context, first_ids)
            made = 0
            generating = copying = 0.0
            while made < customers:
                chunk_started = time.monotonic()
                for index in range(made, min(made + CHUNK, customers)):
                    generator.customer(customers, index)
                made = min(made + CHUNK, customers)
                chunk_generated = time.monotonic()
                for table in tables.values():
                    _copy(cursor, table.name, table.columns + table.fill_columns, table.lines)
                    if table.history:
                        _copy(cursor, table.history, table.history_columns, table.history_lines)
                    table.rows += len(table.lines)
                    table.lines.clear()
                    table.history_lines.clear()
                generating += chunk_generated - chunk_started
                copying += time.monotonic() - chunk_generated
                elapsed = time.monotonic() - started
                print(
                    f"  {made:>9,} customers  {elapsed:6.0f} s  ({made / elapsed:,.0f}/s;"
                    f" generate {generating:.0f} s, copy {copying:.0f} s)",
                    flush=True,
                )
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")

            def rebuild() -> None:
                for _name, definition in indexes:
                    cursor.execute(definition)

            _timed(f"rebuild {len(indexes)} indexes", rebuild)
            for table in tables.values():
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'),"  # noqa: S608  (our table names)
                    f" GREATEST((SELECT MAX(id) FROM {table.name}), 1))",
                    [table.name],
                )
    with connection.cursor() as cursor:
        _timed("analyze", lambda: cursor.execute("ANALYZE " + ", ".join(all_tables)))
    counts = {table.name: table.rows for table in tables.values()}
    history_rows = sum(counts.values())
    elapsed = time.monotonic() - started
    print(
        f"{customers:,} customers in {elapsed:.0f} s ({customers / elapsed:,.0f}/s): "
        + json.dumps(counts)
        + f", and {history_rows:,} history rows"
    )
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--database-url", help="default: $DATABASE_URL (PostgreSQL only)")
    parser.add_argument("--reset", action="store_true", help="empty the customer tables first")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    generate(args.customers, reset=args.reset)


if __name__ == "__main__":
    main(sys.argv[1:])
