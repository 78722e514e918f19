"""Closed complaints lose the person in them 36 months after they were closed: the record of
how the complaint was answered stays (Civil Code 2015 Art. 429: 3 years to bring a contract
dispute to court), the name, contacts, texts and evidence files go — for complaints never linked
to a customer too, which no customer erasure would reach."""

from django.db import migrations, models

RULE = {
    "code": "closed-complaints",
    "name": "Khiếu nại và yêu cầu đã đóng",
    "description": (
        "Kept 36 months after closing as proof of the answer (Civil Code 2015 Art. 429: 3 years "
        "to sue on a contract); then the name, contacts, texts and evidence files are erased."
    ),
    "target": "closed_complaint",
    "clock_start": "complaint_closure",
    "period_months": 36,
    "action": "anonymize",
}


def create_rule(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    RetentionRule.objects.get_or_create(code=RULE["code"], defaults=RULE)


def delete_rule(apps, schema_editor):
    apps.get_model("retention", "RetentionRule").objects.filter(code=RULE["code"]).delete()


TARGETS = [
    ("inactive_customer", "Inactive customers"),
    ("order_accounting", "Orders (accounting records)"),
    ("withdrawn_consent", "Evidence of withdrawn consents"),
    ("closed_complaint", "Closed complaints and requests"),
]


class Migration(migrations.Migration):
    dependencies = [("retention", "0004_role_permissions")]
    operations = [
        migrations.AlterField(
            model_name="retentionrule",
            name="target",
            field=models.CharField(choices=TARGETS, max_length=30, verbose_name="applies to"),
        ),
        migrations.AlterField(
            model_name="historicalretentionrule",
            name="target",
            field=models.CharField(choices=TARGETS, max_length=30, verbose_name="applies to"),
        ),
        migrations.RunPython(create_rule, delete_rule),
    ]
