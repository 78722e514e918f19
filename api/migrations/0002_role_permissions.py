"""The administrator's role gets the API-key permissions (customers/roles.py). Idempotent and
reversible, like every role sync."""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("customers", "0003_staff_roles"),
    ]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
