"""Erasure requests get their own approval permission, and the staff roles of
customers/roles.py get the retention permissions (Legal & compliance approves; customer care
receives and verifies; administrators read).

Idempotent (role_groups_sync brings the groups back to the table) and reversible.
"""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0003_beat_schedules"),
        ("customers", "0003_staff_roles"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="erasurerequest",
            options={
                "ordering": ["-received_at", "-id"],
                "permissions": [
                    ("approve_erasurerequest", "Can approve or refuse erasure requests")
                ],
                "verbose_name": "erasure request",
                "verbose_name_plural": "erasure requests",
            },
        ),
        # Forwards: the groups get the retention permissions. Backwards: the groups go back
        # to the table as it is without them — the same sync, which skips permissions that
        # do not exist at that state.
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
