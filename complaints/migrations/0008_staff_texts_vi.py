"""What 0002 and 0004 wrote for staff in English, in Vietnamese, the language staff read it in:
the schedules' names and descriptions (found by their task, which stays the same) and the
deadline rules' notes (only those still as 0002 wrote them)."""

from django.db import migrations

SCHEDULES = {
    "complaints.tasks.send_deadline_reminders": (
        "Khiếu nại: nhắc người phụ trách về thời hạn (mỗi giờ)",
        "Gửi email cho người được giao các khiếu nại và yêu cầu sắp đến hạn trong một ngày hoặc đã quá hạn.",
        "complaints: remind assignees of deadlines (hourly)",
    ),
    "complaints.tasks.send_incident_reminders": (
        "Sự cố: cảnh báo Pháp chế về hạn báo cáo 72 giờ (mỗi 15 phút)",
        "Nhắc nhóm Pháp chế và tuân thủ khi một sự cố lộ lọt dữ liệu chưa được báo cho cơ quan chức năng (sau 24, 48 và 66 giờ).",
        "complaints: warn Legal & compliance of breach deadlines (every 15 minutes)",
    ),
}


LAW = "Law 91/2025/QH15; Decree 356/2025/ND-CP"
COMPANY = "Company's choice (configurable)"
NOTES = {
    LAW: "Luật 91/2025/QH15; Nghị định 356/2025/NĐ-CP",
    COMPANY: "Doanh nghiệp tự quy định (có thể sửa)",
    COMPANY + "; as ERASURE_REQUEST_DUE_DAYS": (
        "Doanh nghiệp tự quy định (có thể sửa); bằng ERASURE_REQUEST_DUE_DAYS"
    ),
    COMPANY + "; check whether it is a breach (72 h)": (
        "Doanh nghiệp tự quy định (có thể sửa); kiểm tra có phải sự cố lộ lọt không (72 giờ)"
    ),
}


def rename(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, (name, description, _english) in SCHEDULES.items():
        PeriodicTask.objects.filter(task=task).update(name=name, description=description)
    DeadlineRule = apps.get_model("complaints", "DeadlineRule")
    for english, vietnamese in NOTES.items():
        DeadlineRule.objects.filter(note=english).update(note=vietnamese)


def rename_back(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, (_name, _description, english) in SCHEDULES.items():
        PeriodicTask.objects.filter(task=task).update(name=english, description="")
    DeadlineRule = apps.get_model("complaints", "DeadlineRule")
    for english, vietnamese in NOTES.items():
        DeadlineRule.objects.filter(note=vietnamese).update(note=english)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_identity_codes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
