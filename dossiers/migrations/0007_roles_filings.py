"""Legal & compliance records the dossiers' filings (customers/roles.py, synced again)."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0006_filings")]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
