"""The daily purge of imported files only tried in a dry run (imports.tasks.purge_import_files),
stored in the database (django-celery-beat) and editable in the admin."""

from django.db import migrations

PURGE_TASK = "imports.tasks.purge_import_files"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="45",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Ho_Chi_Minh",
    )
    PeriodicTask.objects.get_or_create(
        name="Nhập dữ liệu: xóa tệp chỉ chạy thử quá 24 giờ (hằng ngày)",
        defaults={
            "task": PURGE_TASK,
            "crontab": nightly,
            "enabled": True,
            "description": "Xóa tệp bảng tính chỉ được chạy thử mà chưa nhập, và kết quả từng dòng sau 30 ngày: tệp chứa dữ liệu cá nhân của khách hàng.",
        },
    )


def delete_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=PURGE_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_role_permissions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, delete_schedule)]
