"""Search every table of the database for values: the proof that an erasure left nothing behind.

The tables and their columns are found by introspection, not from the models: a table added
later (complaints, their evidence, a third-party app's log) is searched without being named.
Every column that can hold text is searched — char, text, JSON, inet, and any type the
introspection does not know — as text, case-insensitively.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import connection

from customers.kernel.text import fold_vietnamese

# Columns of these types cannot hold a name, a phone number or an address as text.
NON_TEXT_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "BigIntegerField",
        "IntegerField",
        "SmallIntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "BooleanField",
        "NullBooleanField",
        "DateField",
        "DateTimeField",
        "TimeField",
        "DurationField",
        "DecimalField",
        "FloatField",
        "UUIDField",
        "BinaryField",
    }
)


def _variants(values: Iterable[str]) -> list[str]:
    """Each value as typed, in lower case, and as JSON writes it (\\u escapes)."""
    found: dict[str, None] = {}
    for value in values:
        for variant in (
            value,
            value.lower(),
            json.dumps(value)[1:-1],
            json.dumps(value.lower())[1:-1],
        ):
            if variant:
                found.setdefault(variant)
    return list(found)


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _text_columns(cursor: object, table: str) -> list[str]:
    introspection = connection.introspection
    columns = []
    for column in introspection.get_table_description(cursor, table):
        try:
            field_type = introspection.get_field_type(column.type_code, column)
        except KeyError:  # a type Django does not map: search it too
            field_type = "unknown"
        if field_type not in NON_TEXT_TYPES:
            columns.append(column.name)
    return columns


def find_values(values: Iterable[str]) -> list[tuple[str, str, object]]:
    """(table, column, primary key) of every cell of every table that contains one of the
    values; the primary key is None for a table without a one-column key."""
    variants = _variants(values)
    if not variants:
        return []
    quote = connection.ops.quote_name
    hits: list[tuple[str, str, object]] = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            pk = connection.introspection.get_primary_key_column(cursor, table)
            for column in _text_columns(cursor, table):
                cell = f"CAST({quote(column)} AS TEXT)"
                conditions = " OR ".join(
                    [f"{cell} LIKE %s ESCAPE '\\'"] * len(variants)
                    + [f"LOWER({cell}) LIKE %s ESCAPE '\\'"] * len(variants)
                )
                key = quote(pk) if pk else "NULL"
                cursor.execute(
                    f"SELECT {key} FROM {quote(table)} WHERE {conditions}",  # noqa: S608  # names come from introspection
                    [_like(v) for v in variants] + [_like(v.lower()) for v in variants],
                )
                hits += [(table, column, row[0]) for row in cursor.fetchall()]
    return hits


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold_vietnamese(text)).strip()


def find_in_files(values: Iterable[str], root: str | Path | None = None) -> list[str]:
    """Paths, under the media root, of every stored file whose content contains one of the
    values, or whose name does as its folded words ("pham-thi-thu-hoai.pdf" for "Phạm Thị Thu
    Hoài"). Complaints' evidence and scans fall under it without being named."""
    base = Path(root or settings.MEDIA_ROOT)
    wanted = _variants(values)
    slugs = [slug for value in wanted if (slug := _slug(value))]
    hits = []
    for path in sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []:
        name, content = _slug(str(path.relative_to(base))), path.read_bytes()
        if any(value.encode() in content for value in wanted) or any(s in name for s in slugs):
            hits.append(str(path.relative_to(base)))
    return hits
