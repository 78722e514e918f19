"""The deadline table at the law's periods (Decree 356/2025/NĐ-CP Art. 5), and the open
requests whose due date was later than the law allows brought forward, each with an event in
its history saying why.

Rows still as 0002 wrote them take the law's periods (the defaults are the maxima); rows Legal
& compliance changed keep their values, except what exceeds the law. The new kind "apply
protective measures" (Art. 5(5)) gets its row. Undone: the table and the due dates stay.
"""

import datetime
import zoneinfo

from django.db import migrations, models


# kind: (resolve days, with a processor or third party, one extension of at most, article)
LAW = {
    "withdraw_consent": (15, 20, 15, "Nghị định 356/2025/NĐ-CP, Điều 5 khoản 2"),
    "stop_marketing": (15, 20, 15, "Nghị định 356/2025/NĐ-CP, Điều 5 khoản 2"),
    "restrict_object": (15, 20, 15, "Nghị định 356/2025/NĐ-CP, Điều 5 khoản 2"),
    "access": (10, 15, 10, "Nghị định 356/2025/NĐ-CP, Điều 5 khoản 3"),
    "correction": (10, 15, 10, "Nghị định 356/2025/NĐ-CP, Điều 5 khoản 3"),
    "deletion": (20, 30, 20, "Nghị định 356/2025/NĐ-CP, Điều 5 khoản 4"),
    "protective_measures": (15, None, 15, "Nghị định 356/2025/NĐ-CP, Điều 5 khoản 5"),
}
# What 0002 wrote (resolve days, with a third party, extension), for the rows not changed since.
AS_SHIPPED = {
    "withdraw_consent": (15, 20, 15),
    "stop_marketing": (15, 20, 15),
    "restrict_object": (15, 20, 15),
    "access": (15, None, 15),
    "correction": (15, None, 15),
    "deletion": (15, None, 15),
}
PENDING = ("received", "awaiting_customer", "routed")
VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def _end_of_day(day):
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=VIETNAM)


def _rules_to_the_law(DeadlineRule):
    for kind, (days, third_party, extension, article) in LAW.items():
        rule = DeadlineRule.objects.filter(kind=kind).first()
        if rule is None:
            DeadlineRule.objects.create(
                kind=kind,
                acknowledge_working_days=2,
                resolve_days=days,
                resolve_unit="calendar",
                third_party_resolve_days=third_party,
                max_extension_days=extension,
                note=article,
            )
            continue
        shipped = (rule.resolve_days, rule.third_party_resolve_days, rule.max_extension_days)
        if shipped == AS_SHIPPED.get(kind) and rule.resolve_unit == "calendar":
            rule.resolve_days, rule.third_party_resolve_days = days, third_party
            rule.max_extension_days = extension
        else:
            rule.resolve_days = min(rule.resolve_days, days)
            if rule.third_party_resolve_days is not None:
                rule.third_party_resolve_days = min(
                    rule.third_party_resolve_days, third_party or days
                )
            rule.max_extension_days = min(rule.max_extension_days, extension)
            rule.resolve_unit = "calendar"  # working days would end later than the law's days
        rule.acknowledge_working_days = min(rule.acknowledge_working_days, 2)
        rule.note = article
        rule.save()


def _open_requests_to_the_law(Complaint, ComplaintEvent):
    now = datetime.datetime.now(datetime.timezone.utc)
    for kind, (days, third_party, extension, article) in LAW.items():
        for complaint in Complaint.objects.filter(kind=kind, status__in=PENDING).iterator():
            period = third_party if complaint.third_party_involved and third_party else days
            received = complaint.received_at.astimezone(VIETNAM).date()
            legal = _end_of_day(
                received + datetime.timedelta(days=period + min(complaint.extension_days, extension))
            )
            if complaint.due_at <= legal:
                continue
            before = complaint.due_at.astimezone(VIETNAM).strftime("%d/%m/%Y")
            Complaint.objects.filter(pk=complaint.pk).update(due_at=legal)
            ComplaintEvent.objects.create(
                complaint=complaint,
                at=now,
                action="deadline_corrected",
                detail=(
                    f"Hạn trả lời sửa từ {before} thành {legal:%d/%m/%Y}: {article} cho phép "
                    f"tối đa {period} ngày kể từ ngày nhận yêu cầu"
                    + (f", gia hạn tối đa {extension} ngày." if complaint.extension_days else ".")
                ),
            )


def to_the_law(apps, schema_editor):
    _rules_to_the_law(apps.get_model("complaints", "DeadlineRule"))
    _open_requests_to_the_law(
        apps.get_model("complaints", "Complaint"), apps.get_model("complaints", "ComplaintEvent")
    )


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0008_staff_texts_vi'),
    ]

    operations = [
        migrations.AlterField(
            model_name='complaint',
            name='kind',
            field=models.CharField(choices=[('disclosure_without_consent', 'Disclosure to a third party without my consent'), ('use_beyond_purpose', 'Use beyond the stated purpose'), ('suspected_leak', 'Suspected leak of my data'), ('other_complaint', 'Other complaint'), ('access', 'Access my data'), ('correction', 'Correct my data'), ('deletion', 'Delete my data'), ('withdraw_consent', 'Withdraw my consent'), ('stop_marketing', 'Stop marketing to me'), ('restrict_object', 'Restrict or object to processing'), ('protective_measures', 'Apply measures to protect my data')], db_index=True, max_length=40, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='complaintevent',
            name='action',
            field=models.CharField(choices=[('received', 'Received'), ('acknowledged', 'Acknowledgement sent'), ('transition', 'Status changed'), ('customer_linked', 'Customer linked'), ('extended', 'Deadline extended'), ('reply_sent', 'Reply emailed'), ('data_exported', 'Data export sent'), ('consent_withdrawn', 'Consent withdrawn'), ('erasure_requested', 'Erasure request filed'), ('reminded', 'Assignee reminded'), ('identity_verified', 'Identity verified'), ('identity_code_sent', 'Identity code sent'), ('deadline_corrected', "Deadline corrected to the law's")], max_length=30, verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='deadlinerule',
            name='kind',
            field=models.CharField(choices=[('disclosure_without_consent', 'Disclosure to a third party without my consent'), ('use_beyond_purpose', 'Use beyond the stated purpose'), ('suspected_leak', 'Suspected leak of my data'), ('other_complaint', 'Other complaint'), ('access', 'Access my data'), ('correction', 'Correct my data'), ('deletion', 'Delete my data'), ('withdraw_consent', 'Withdraw my consent'), ('stop_marketing', 'Stop marketing to me'), ('restrict_object', 'Restrict or object to processing'), ('protective_measures', 'Apply measures to protect my data')], max_length=40, unique=True, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='historicalcomplaint',
            name='kind',
            field=models.CharField(choices=[('disclosure_without_consent', 'Disclosure to a third party without my consent'), ('use_beyond_purpose', 'Use beyond the stated purpose'), ('suspected_leak', 'Suspected leak of my data'), ('other_complaint', 'Other complaint'), ('access', 'Access my data'), ('correction', 'Correct my data'), ('deletion', 'Delete my data'), ('withdraw_consent', 'Withdraw my consent'), ('stop_marketing', 'Stop marketing to me'), ('restrict_object', 'Restrict or object to processing'), ('protective_measures', 'Apply measures to protect my data')], db_index=True, max_length=40, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='historicaldeadlinerule',
            name='kind',
            field=models.CharField(choices=[('disclosure_without_consent', 'Disclosure to a third party without my consent'), ('use_beyond_purpose', 'Use beyond the stated purpose'), ('suspected_leak', 'Suspected leak of my data'), ('other_complaint', 'Other complaint'), ('access', 'Access my data'), ('correction', 'Correct my data'), ('deletion', 'Delete my data'), ('withdraw_consent', 'Withdraw my consent'), ('stop_marketing', 'Stop marketing to me'), ('restrict_object', 'Restrict or object to processing'), ('protective_measures', 'Apply measures to protect my data')], db_index=True, max_length=40, verbose_name='kind'),
        ),
        migrations.RunPython(to_the_law, migrations.RunPython.noop),
    ]
