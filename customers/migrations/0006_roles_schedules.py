"""The administrator role sees and changes the periodic jobs' schedules (django-celery-beat):
the roles are synced again once that app's permissions exist (customers/roles.py)."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_accesslog_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False)
    ]
