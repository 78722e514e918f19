"""Legal & compliance and the administrator keep the agreements with recipients, customer care
reads them (customers/roles.py, synced again). Idempotent."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [("customers", "0023_recipient_agreements")]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
