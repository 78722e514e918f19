"""Legal & compliance reads the exemption assessments (customers/roles.py, synced again), and
the daily assessment is scheduled. Idempotent."""

from django.db import migrations

from customers import roles

TASK = "dossiers.tasks.assess_exemption"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    at_six, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="6", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    PeriodicTask.objects.get_or_create(
        name="Hồ sơ: đánh giá miễn trừ doanh nghiệp nhỏ (hằng ngày)",
        defaults={"task": TASK, "crontab": at_six, "enabled": True},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0001_initial"),
        ("customers", "0021_controller_enterprise_size"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_schedule, delete_schedule, elidable=False),
    ]
