"""Customer care and Legal & compliance follow the requests to act sent to recipients (record a
call, a letter, a confirmation): the roles are synced again with customers/roles.py; and the
hourly reminder of requests nearing their due date is scheduled. Idempotent."""

from django.db import migrations

from customers import roles

REMIND_TASK = "customers.tasks.remind_recipient_requests"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_hour, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name="Bên nhận: nhắc các yêu cầu sắp đến hạn (mỗi giờ)",
        defaults={"task": REMIND_TASK, "interval": every_hour, "enabled": True},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=REMIND_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0018_recipient_requests"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_schedule, delete_schedule, elidable=False),
    ]
