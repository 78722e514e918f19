"""Breach incidents: the reminder job in the database schedule (every 15 minutes: the 66-hour
warning comes at most 15 minutes late), and the staff roles' incident permissions
(customers/roles.py: Legal & compliance and administrators only)."""

from django.db import migrations

from customers import roles

REMINDER_TASK = "complaints.tasks.send_incident_reminders"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15_minutes, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="complaints: warn Legal & compliance of breach deadlines (every 15 minutes)",
        defaults={"task": REMINDER_TASK, "interval": every_15_minutes, "enabled": True},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task=REMINDER_TASK
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0003_incidents"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(create_schedule, delete_schedule),
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
