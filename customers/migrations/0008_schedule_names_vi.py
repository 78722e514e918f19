"""The schedules' names and descriptions in Vietnamese, the language staff read them in (the
admin's list of periodic tasks); found by their task, which stays the same."""

from django.db import migrations

SCHEDULES = {
    "customers.tasks.deliver_outbox": (
        "Khách hàng: gửi các tác vụ còn chờ khi hàng đợi từng ngừng (mỗi phút)",
        "Gửi lên hàng đợi (Celery) những tác vụ mang nghĩa vụ pháp lý — xác nhận đã nhận, trả lời, bản sao dữ liệu, thông báo — mà lúc ghi hàng đợi đang ngừng. Không được tắt.",
        "customers: publish the tasks a broker that was down missed (every minute)",
    ),
}


def rename(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, (name, description, _english) in SCHEDULES.items():
        PeriodicTask.objects.filter(task=task).update(name=name, description=description)


def rename_back(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, (_name, _description, english) in SCHEDULES.items():
        PeriodicTask.objects.filter(task=task).update(name=english, description="")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
