"""The accounting role: orders and their amounts, the customer masked (customers/roles.py,
synced again). Idempotent."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [("customers", "0028_controller_erasure_four_eyes")]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
