"""The morning reminder of the dossiers due (dossiers.tasks.remind_dossiers). Idempotent."""

from django.db import migrations

TASK = "dossiers.tasks.remind_dossiers"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    morning, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="7",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    PeriodicTask.objects.get_or_create(
        name="Hồ sơ: nhắc hạn nộp và cập nhật hồ sơ (hằng ngày)",
        defaults={"task": TASK, "crontab": morning, "enabled": True},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0009_roles_dpo"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule, elidable=False)]
