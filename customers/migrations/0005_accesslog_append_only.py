"""The access log is append-only in the database too, on PostgreSQL: a row-level trigger refuses
every UPDATE and DELETE, whoever sends it (the ORM refuses them already; this covers raw SQL and
other clients), so that an auditor can rely on the log (Law 91/2025 Art. 26: the controller
proves who processed what). Nothing in pdpdesk changes the log — erasure keeps it, as it names
customers by id only. A database owner who must correct it does so knowingly:
ALTER TABLE customers_accesslog DISABLE TRIGGER customers_accesslog_append_only (README).
TRUNCATE is left to the table's owner: the test suite empties tables with it; grant the
application's role no TRUNCATE in production."""

from django.db import migrations

FORWARDS = """
CREATE OR REPLACE FUNCTION customers_accesslog_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER customers_accesslog_append_only
    BEFORE UPDATE OR DELETE ON customers_accesslog
    FOR EACH ROW EXECUTE FUNCTION customers_accesslog_append_only();
"""

BACKWARDS = """
DROP TRIGGER IF EXISTS customers_accesslog_append_only ON customers_accesslog;
DROP FUNCTION IF EXISTS customers_accesslog_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_search_indexes")]

    operations = [
        migrations.RunPython(_on_postgresql(FORWARDS), _on_postgresql(BACKWARDS), elidable=False)
    ]
