"""Legal & compliance keeps and issues the compliance reports; the administrator reads them
(customers/roles.py)."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0011_compliance_report")]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
