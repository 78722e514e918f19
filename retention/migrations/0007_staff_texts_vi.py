"""What 0002, 0003 and 0005 wrote for staff in English, in Vietnamese, the language staff read
it in: the schedules' names and descriptions (found by their task, which stays the same) and the
retention rules' descriptions (only those still as the migrations wrote them)."""

from django.db import migrations

SCHEDULES = {
    "retention.tasks.purge_expired": (
        "Lưu trữ: xóa dữ liệu cá nhân hết thời hạn lưu (hằng đêm)",
        "Áp dụng các quy định lưu trữ: xóa hoặc ẩn danh dữ liệu đã hết thời hạn lưu, trừ khách hàng đang bị phong tỏa pháp lý.",
        "retention: purge expired personal data (daily)",
    ),
    "retention.tasks.execute_erasure_requests": (
        "Lưu trữ: thực hiện các yêu cầu xóa đã duyệt (mỗi 15 phút)",
        "Xóa dữ liệu của các khách hàng có yêu cầu xóa đã được Pháp chế duyệt và chưa bị phong tỏa pháp lý.",
        "retention: execute approved erasure requests (every 15 minutes)",
    ),
}


RULE_DESCRIPTIONS = {
    "inactive-customers": (
        "Seed 003: thông tin bị xóa khi khách hàng không liên hệ trong thời gian dài. "
        "Counted from the last order, consent change or complaint.",
        "Chính sách mẫu 003: thông tin bị xóa khi khách hàng không liên hệ trong thời gian dài. "
        "Tính từ lần đặt hàng, thay đổi sự đồng ý hoặc khiếu nại gần nhất.",
    ),
    "order-accounting": (
        "Law on Accounting 2015 Art. 41: accounting documents are kept at least 10 years "
        "after the fiscal year ends; then the order keeps no personal field.",
        "Luật Kế toán 2015, Điều 41: chứng từ kế toán được lưu ít nhất 10 năm sau khi kết thúc "
        "năm tài chính; sau đó đơn hàng không còn trường dữ liệu cá nhân nào.",
    ),
    "withdrawn-consent-evidence": (
        "The evidence of a withdrawn consent (form reference, IP address, browser) is kept "
        "to prove what the customer agreed to and when they withdrew, then anonymized.",
        "Bằng chứng của sự đồng ý đã rút lại (mã biểu mẫu, địa chỉ IP, trình duyệt) được lưu "
        "để chứng minh khách hàng đã đồng ý điều gì và rút lại khi nào, sau đó được ẩn danh.",
    ),
    "closed-complaints": (
        "Kept 36 months after closing as proof of the answer (Civil Code 2015 Art. 429: 3 years "
        "to sue on a contract); then the name, contacts, texts and evidence files are erased.",
        "Lưu 36 tháng sau khi đóng để làm bằng chứng đã trả lời (Bộ luật Dân sự 2015, Điều 429: "
        "thời hiệu khởi kiện về hợp đồng là 3 năm); sau đó tên, thông tin liên lạc, nội dung và "
        "tệp bằng chứng bị xóa.",
    ),
}


def rename(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, (name, description, _english) in SCHEDULES.items():
        PeriodicTask.objects.filter(task=task).update(name=name, description=description)
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for code, (english, vietnamese) in RULE_DESCRIPTIONS.items():
        RetentionRule.objects.filter(code=code, description=english).update(description=vietnamese)


def rename_back(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, (_name, _description, english) in SCHEDULES.items():
        PeriodicTask.objects.filter(task=task).update(name=english, description="")
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for code, (english, vietnamese) in RULE_DESCRIPTIONS.items():
        RetentionRule.objects.filter(code=code, description=vietnamese).update(description=english)


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0006_erasurerequest_complaint"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
