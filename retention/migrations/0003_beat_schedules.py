"""The purge jobs' schedules, stored in the database (django-celery-beat) and editable in admin."""

from django.db import migrations

PURGE_TASK = "retention.tasks.purge_expired"
EXECUTE_TASK = "retention.tasks.execute_erasure_requests"


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    every_15_minutes, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="retention: purge expired personal data (daily)",
        defaults={"task": PURGE_TASK, "crontab": nightly, "enabled": True},
    )
    PeriodicTask.objects.get_or_create(
        name="retention: execute approved erasure requests (every 15 minutes)",
        defaults={"task": EXECUTE_TASK, "interval": every_15_minutes, "enabled": True},
    )


def delete_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[PURGE_TASK, EXECUTE_TASK]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0002_default_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedules, delete_schedules)]
