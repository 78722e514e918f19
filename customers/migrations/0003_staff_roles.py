"""The staff roles of customers/roles.py as groups with their permissions (seed 004 §8).

Idempotent (the groups are brought back to the table) and reversible (the groups go).
"""

from django.db import migrations

from customers import roles


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_access_and_disclosures"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        # The administrator role unlocks accounts: django-axes' permissions.
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.RunPython(roles.migration_forwards, roles.migration_backwards, elidable=False),
    ]
