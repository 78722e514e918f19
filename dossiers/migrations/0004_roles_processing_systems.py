"""Legal & compliance and the administrator keep the processing systems (customers/roles.py,
synced again). Idempotent."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_processing_systems")]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
