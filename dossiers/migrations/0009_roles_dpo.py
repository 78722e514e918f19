"""Legal & compliance records the DPO's appointment and training (customers/roles.py)."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0008_dpo")]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
