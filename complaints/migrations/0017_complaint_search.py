"""The queue searched by the submitter's name without diacritics and by the last digits of a
phone, at the scale of the complaints of a million customers: the folded names of the complaints
filed before are filled in, and on PostgreSQL trigram indexes serve LIKE '%…%' on the folded
name and LIKE '%1234' on the phone (a B-tree cannot serve a pattern that starts with '%'; see
customers/migrations/0004_search_indexes.py). Nothing more to do on SQLite."""

from django.db import migrations

from customers.kernel.text import fold_vietnamese

REDACTED = "[đã xóa]"  # retention.erasure.REDACTED: an erased name keeps its folded copy empty
INDEXES = {
    "complaint_name_folded_trgm": "submitter_name_folded",
    "complaint_phone_trgm": "submitter_phone",
}


def forwards(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    batch = []
    for complaint in Complaint.objects.only("pk", "submitter_name").iterator(chunk_size=2000):
        if complaint.submitter_name and complaint.submitter_name != REDACTED:
            complaint.submitter_name_folded = fold_vietnamese(complaint.submitter_name)
            batch.append(complaint)
        if len(batch) >= 2000:
            Complaint.objects.bulk_update(batch, ["submitter_name_folded"])
            batch = []
    if batch:
        Complaint.objects.bulk_update(batch, ["submitter_name_folded"])
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON complaints_complaint "
            f"USING gin ({column} gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0016_submitter_name_folded")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
