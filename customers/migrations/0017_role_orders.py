"""Customer care and Legal & compliance enter and correct orders by hand (an order taken by phone
or at the counter, seed 003): the roles are synced again with customers/roles.py. Idempotent."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [("customers", "0016_consent_sensitive_notice")]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
