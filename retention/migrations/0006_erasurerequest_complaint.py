"""The link between a deletion request and its erasure request moves up a layer: it was
Complaint.erasure_request (complaints naming retention), it is ErasureRequest.complaint.

The ids are copied before complaints/0005 drops the old column (run_before), and copied back
when unapplied, so nothing is lost either way, on PostgreSQL and SQLite alike."""

import django.db.models.deletion
from django.db import migrations, models


def copy_links_up(apps, schema_editor):
    complaint_model = apps.get_model("complaints", "Complaint")
    request_model = apps.get_model("retention", "ErasureRequest")
    links = complaint_model.objects.filter(erasure_request__isnull=False).values_list(
        "pk", "erasure_request"
    )
    for complaint_id, request_id in links.iterator():
        request_model.objects.filter(pk=request_id).update(complaint_id=complaint_id)


def copy_links_down(apps, schema_editor):
    complaint_model = apps.get_model("complaints", "Complaint")
    request_model = apps.get_model("retention", "ErasureRequest")
    links = request_model.objects.filter(complaint__isnull=False).values_list("pk", "complaint")
    for request_id, complaint_id in links.iterator():
        complaint_model.objects.filter(pk=complaint_id).update(erasure_request=request_id)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0004_incident_schedule"),
        ("retention", "0005_closed_complaints"),
    ]
    run_before = [("complaints", "0005_erasure_request_moved_to_retention")]

    operations = [
        migrations.AddField(
            model_name="erasurerequest",
            name="complaint",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="erasure_request",
                to="complaints.complaint",
                verbose_name="complaint or request",
            ),
        ),
        migrations.AddField(
            model_name="historicalerasurerequest",
            name="complaint",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="complaints.complaint",
                verbose_name="complaint or request",
            ),
        ),
        migrations.RunPython(copy_links_up, copy_links_down, elidable=False),
    ]
