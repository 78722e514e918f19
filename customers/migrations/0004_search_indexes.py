"""Name search at a million customers, on PostgreSQL (the target: p95 under 300 ms at 1M).

The admin matches every word of the folded name with LIKE '%word%' (customers.admin.base.name_match);
a B-tree cannot serve a pattern that starts with '%', so PostgreSQL gets a trigram index
(pg_trgm, a trusted extension since PostgreSQL 13). Plain CREATE INDEX, not CONCURRENTLY: a
migration runs in a transaction; on a big live table, create it by hand with CONCURRENTLY first
(IF NOT EXISTS then skips it). Nothing to do on SQLite, whose tables stay small.
"""

from django.db import migrations

TRIGRAM_INDEX = "customer_name_folded_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON customers_customer "
        "USING gin (name_folded gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other database objects may use it.
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_staff_roles"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
