"""The departments complaints are routed to become a list Legal & compliance keeps (rows, not
code). The complaint's column keeps the department's code, now a foreign key to the row of that
code: the routing of every complaint, and of its history, reads the same. Legal & compliance get
the list's permissions (customers/roles.py, synced again)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from customers import roles

# The departments of the code before (seed 004 §7: customer care, and the departments a
# complaint is passed to), named as staff read them.
DEPARTMENTS = {
    "customer_care": "Chăm sóc khách hàng",
    "sales_marketing": "Kinh doanh và tiếp thị",
    "legal_compliance": "Pháp chế và tuân thủ",
    "it_security": "Công nghệ thông tin và an ninh",
    "logistics": "Đơn hàng và giao hàng",
}
CHAR = {"max_length": 30, "blank": True, "null": True, "db_index": True}


def rows_from_codes(apps, schema_editor):
    Department = apps.get_model("complaints", "Department")
    routed = set()
    for model_name in ("Complaint", "HistoricalComplaint"):
        model = apps.get_model("complaints", model_name)
        model.objects.filter(department="").update(department=None)
        routed |= set(model.objects.exclude(department=None).values_list("department", flat=True))
    for code in sorted(set(DEPARTMENTS) | routed):
        # A code no longer in the code (none expected) keeps its complaints, named by its code.
        Department.objects.get_or_create(code=code, defaults={"name": DEPARTMENTS.get(code, code)})


def codes_back(apps, schema_editor):
    for model_name in ("Complaint", "HistoricalComplaint"):
        apps.get_model("complaints", model_name).objects.filter(department=None).update(
            department=""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0019_home_attention"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Department",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=30, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Only active departments are offered for routing.",
                        verbose_name="active",
                    ),
                ),
            ],
            options={
                "verbose_name": "department",
                "verbose_name_plural": "departments",
                "ordering": ["name"],
            },
        ),
        migrations.AlterField(
            model_name="complaint",
            name="department",
            field=models.CharField(verbose_name="department", **CHAR),
        ),
        migrations.AlterField(
            model_name="historicalcomplaint",
            name="department",
            field=models.CharField(verbose_name="department", **CHAR),
        ),
        migrations.RunPython(rows_from_codes, codes_back, elidable=False),
        migrations.AlterField(
            model_name="complaint",
            name="department",
            field=models.ForeignKey(
                blank=True,
                db_column="department",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="complaints",
                to="complaints.department",
                to_field="code",
                verbose_name="department",
            ),
        ),
        migrations.AlterField(
            model_name="historicalcomplaint",
            name="department",
            field=models.ForeignKey(
                blank=True,
                db_column="department",
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="complaints.department",
                to_field="code",
                verbose_name="department",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalDepartment",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=30, verbose_name="code")),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Only active departments are offered for routing.",
                        verbose_name="active",
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical department",
                "verbose_name_plural": "historical departments",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
