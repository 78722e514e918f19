"""The hourly purge of expired export files (imports.tasks.purge_export_files), stored in the
database (django-celery-beat) and editable in the admin."""

from django.db import migrations

PURGE_TASK = "imports.tasks.purge_export_files"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    PeriodicTask.objects.get_or_create(
        name="Xuất dữ liệu: xóa tệp xuất đã hết hạn (hằng giờ)",
        defaults={
            "task": PURGE_TASK,
            "crontab": hourly,
            "enabled": True,
            "description": "Xóa tệp xuất dữ liệu khách hàng đã quá thời hạn lưu: tệp là một bản sao dữ liệu cá nhân.",
        },
    )


def delete_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=PURGE_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0004_export_job"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, delete_schedule)]
