"""The defaults the law and the company start with, all editable in the admin afterwards:
the deadline of each kind (Law 91/2025/QH15, Decree 356/2025/ND-CP), the public holidays of
2026 and the fixed ones of 2027 (Labour Code 2019 Art. 112), the hourly reminder job in the
database schedule, and the complaints permissions of the staff roles (customers/roles.py)."""

import datetime

from django.db import migrations

from customers import roles

REMINDER_TASK = "complaints.tasks.send_deadline_reminders"

LAW = "Law 91/2025/QH15; Decree 356/2025/ND-CP"
COMPANY = "Company's choice (configurable)"
# kind: (resolve days, with a third party, note)
RULES = {
    "withdraw_consent": (15, 20, LAW),
    "stop_marketing": (15, 20, LAW),
    "restrict_object": (15, 20, LAW),
    "access": (15, None, COMPANY),
    "correction": (15, None, COMPANY),
    "deletion": (15, None, COMPANY + "; as ERASURE_REQUEST_DUE_DAYS"),
    "disclosure_without_consent": (30, None, COMPANY),
    "use_beyond_purpose": (30, None, COMPANY),
    "suspected_leak": (15, None, COMPANY + "; check whether it is a breach (72 h)"),
    "other_complaint": (30, None, COMPANY),
}

HOLIDAYS = [
    (datetime.date(2026, 1, 1), "Tết Dương lịch"),
    # Tết Bính Ngọ: 14/02–22/02/2026, the working days off.
    (datetime.date(2026, 2, 16), "Tết Nguyên đán"),
    (datetime.date(2026, 2, 17), "Tết Nguyên đán"),
    (datetime.date(2026, 2, 18), "Tết Nguyên đán"),
    (datetime.date(2026, 2, 19), "Tết Nguyên đán"),
    (datetime.date(2026, 2, 20), "Tết Nguyên đán"),
    # Giỗ Tổ Hùng Vương 10/3 âm lịch falls on Sunday 26/04/2026: Monday is off.
    (datetime.date(2026, 4, 27), "Giỗ Tổ Hùng Vương (nghỉ bù)"),
    (datetime.date(2026, 4, 30), "Ngày Giải phóng miền Nam"),
    (datetime.date(2026, 5, 1), "Quốc tế Lao động"),
    (datetime.date(2026, 9, 1), "Quốc khánh (ngày liền kề)"),
    (datetime.date(2026, 9, 2), "Quốc khánh"),
    (datetime.date(2027, 1, 1), "Tết Dương lịch"),
    (datetime.date(2027, 4, 30), "Ngày Giải phóng miền Nam"),
    (datetime.date(2027, 5, 1), "Quốc tế Lao động"),
    (datetime.date(2027, 9, 2), "Quốc khánh"),
]


def create_defaults(apps, schema_editor):
    DeadlineRule = apps.get_model("complaints", "DeadlineRule")
    PublicHoliday = apps.get_model("complaints", "PublicHoliday")
    for kind, (days, third_party, note) in RULES.items():
        DeadlineRule.objects.get_or_create(
            kind=kind,
            defaults={
                "acknowledge_working_days": 2,
                "resolve_days": days,
                "resolve_unit": "calendar",
                "third_party_resolve_days": third_party,
                "max_extension_days": 15,
                "note": note,
            },
        )
    for day, name in HOLIDAYS:
        PublicHoliday.objects.get_or_create(date=day, defaults={"name": name})

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name="complaints: remind assignees of deadlines (hourly)",
        defaults={"task": REMINDER_TASK, "interval": hourly, "enabled": True},
    )


def delete_defaults(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task=REMINDER_TASK
    ).delete()
    apps.get_model("complaints", "DeadlineRule").objects.filter(kind__in=list(RULES)).delete()
    apps.get_model("complaints", "PublicHoliday").objects.filter(
        date__in=[day for day, _name in HOLIDAYS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("customers", "0003_staff_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(create_defaults, delete_defaults),
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
