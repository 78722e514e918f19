"""Legal & compliance writes the DPO's part of the dossiers (customers/roles.py)."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0013_dossier_documents")]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
