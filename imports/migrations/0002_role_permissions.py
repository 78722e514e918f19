"""Customer care and Legal & compliance may import (customers/roles.py). Idempotent and
reversible, like every role sync."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("customers", "0017_role_orders"),
    ]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
