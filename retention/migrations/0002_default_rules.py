"""The retention promises of the seed policies, shipped as editable rules."""

from django.db import migrations

DEFAULT_RULES = [
    {
        "code": "inactive-customers",
        "name": "Khách hàng không còn liên hệ",
        "description": (
            "Seed 003: thông tin bị xóa khi khách hàng không liên hệ trong thời gian dài. "
            "Counted from the last order, consent change or complaint."
        ),
        "target": "inactive_customer",
        "clock_start": "last_activity",
        "period_months": 36,
        "action": "erase",
    },
    {
        "code": "order-accounting",
        "name": "Chứng từ kế toán (đơn hàng)",
        "description": (
            "Law on Accounting 2015 Art. 41: accounting documents are kept at least 10 years "
            "after the fiscal year ends; then the order keeps no personal field."
        ),
        "target": "order_accounting",
        "clock_start": "fiscal_year_end",
        "period_months": 120,
        "action": "anonymize",
    },
    {
        "code": "withdrawn-consent-evidence",
        "name": "Bằng chứng của sự đồng ý đã rút lại",
        "description": (
            "The evidence of a withdrawn consent (form reference, IP address, browser) is kept "
            "to prove what the customer agreed to and when they withdrew, then anonymized."
        ),
        "target": "withdrawn_consent",
        "clock_start": "consent_withdrawal",
        "period_months": 24,
        "action": "anonymize",
    },
]


def create_rules(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for rule in DEFAULT_RULES:
        RetentionRule.objects.get_or_create(code=rule["code"], defaults=rule)


def delete_rules(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    RetentionRule.objects.filter(code__in=[r["code"] for r in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]
    operations = [migrations.RunPython(create_rules, delete_rules)]
