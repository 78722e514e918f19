"""The outbox of tasks that carry a legal duty (customers/kernel/outbox.py), and the job that
publishes what a broker that was down missed: every minute, from the database schedule."""

import django.utils.timezone
from django.db import migrations, models

from customers import roles

DELIVER_TASK = "customers.tasks.deliver_outbox"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="customers: publish the tasks a broker that was down missed (every minute)",
        defaults={"task": DELIVER_TASK, "interval": every_minute, "enabled": True},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=DELIVER_TASK).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0006_roles_schedules'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='OutboxTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('task', models.CharField(max_length=200, verbose_name='task')),
                ('args', models.JSONField(default=list, verbose_name='arguments')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='published at')),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='attempts')),
                ('last_error', models.CharField(blank=True, max_length=200, verbose_name='last error')),
            ],
            options={
                'verbose_name': 'queued task',
                'verbose_name_plural': 'queued tasks',
                'indexes': [models.Index(condition=models.Q(('published_at__isnull', True)), fields=['created_at'], name='outbox_pending_idx')],
            },
        ),
        migrations.RunPython(create_schedule, delete_schedule),
        migrations.RunPython(roles.migration_forwards, migrations.RunPython.noop, elidable=False),
    ]
