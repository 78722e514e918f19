"""The complaint no longer names its erasure request: retention/0006 (which runs first) moved
the link to ErasureRequest.complaint."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0004_incident_schedule'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='complaint',
            name='erasure_request',
        ),
        migrations.RemoveField(
            model_name='historicalcomplaint',
            name='erasure_request',
        ),
    ]
