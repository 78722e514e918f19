"""The emails complaints/ sends, each from a task once its work is committed: the
acknowledgement, a reply to the customer, the copy of their data, and the deadline reminders to
the staff handling a complaint. Each says False when there is nothing to send."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints import selectors
from complaints.models import REQUEST_KINDS, Complaint, ComplaintEvent, ComplaintMessage
from complaints.services import complaint_acknowledge, complaint_event_record
from customers.kernel.text import local_date, local_datetime
from customers.models import Customer

logger = logging.getLogger(__name__)


def controller_context() -> dict[str, Any]:
    """What every message to a customer names: the controller, its short name, the site."""
    from customers.selectors import controller_get

    controller = controller_get()
    return {
        "controller": controller,
        "company_short": (controller.short_name or controller.legal_name) if controller else "",
        "status_url": getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/"),
    }


def _status_path(language: str) -> str:
    """The status page in the customer's language (SPEC: /complaints/status/, /en/… in
    English); the fixed path if the page's URL name is not routed in this process."""
    from django.urls import NoReverseMatch, reverse

    with translation.override(language):
        try:
            return reverse("complaints:status")
        except NoReverseMatch:
            prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
            return f"{prefix}/complaints/status/"


def _admin_path(complaint: Complaint) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("admin:complaints_complaint_change", args=[complaint.pk])
    except NoReverseMatch:  # the complaints admin is not registered in this process
        return ""


def acknowledgement_send(*, complaint_id: int) -> bool:
    """Email the customer that their complaint arrived, with its tracking code and due date."""
    from django.utils import translation

    complaint = Complaint.objects.filter(pk=complaint_id).first()
    if complaint is None or not complaint.submitter_email or "@" not in complaint.submitter_email:
        return False
    if (
        complaint.acknowledged_at is not None
        and complaint.events.filter(action=ComplaintEvent.Action.ACKNOWLEDGED).exists()
    ):
        return False  # sent before (a task delivered twice)
    context = controller_context()
    with translation.override(complaint.language):
        context.update(
            {
                "complaint": complaint,
                "is_request": complaint.kind in REQUEST_KINDS,
                "due": local_date(complaint.due_at),
                "status_url": context["status_url"] + _status_path(complaint.language),
            }
        )
        subject = _("We have received your message (%(kind)s) — %(code)s") % {
            "kind": complaint.get_kind_display().lower(),
            "code": complaint.tracking_code,
        }
        body = render_to_string("complaints/email/acknowledgement.txt", context)
    EmailMessage(subject=str(subject), body=body, to=[complaint.submitter_email]).send()
    complaint_acknowledge(complaint=complaint, how=_("Email"))
    return True


def customer_message_send(*, message_id: int) -> bool:
    """Email a reply to the customer (once: the time it was sent is recorded)."""
    from django.utils import translation

    message = (
        ComplaintMessage.objects.select_related("complaint")
        .filter(pk=message_id, visibility=ComplaintMessage.Visibility.CUSTOMER)
        .first()
    )
    if message is None or message.emailed_at is not None:
        return False
    complaint = message.complaint
    if not complaint.submitter_email or "@" not in complaint.submitter_email:
        return False
    context = controller_context()
    with translation.override(complaint.language):
        context.update(
            {
                "complaint": complaint,
                "message": message,
                "status_url": context["status_url"] + _status_path(complaint.language),
            }
        )
        subject = _("Reply to your message (%(kind)s) — %(code)s") % {
            "kind": complaint.get_kind_display().lower(),
            "code": complaint.tracking_code,
        }
        body = render_to_string("complaints/email/reply.txt", context)
    EmailMessage(subject=str(subject), body=body, to=[complaint.submitter_email]).send()
    with transaction.atomic():
        now = timezone.now()
        ComplaintMessage.objects.filter(pk=message.pk).update(emailed_at=now)
        complaint_event_record(complaint, action=ComplaintEvent.Action.REPLY_SENT, at=now)
    return True


def data_export_send(*, complaint_id: int) -> bool:
    """Email the export (called by the task): the letter as a PDF file and the JSON file. A
    server without WeasyPrint's libraries sends the letter as a page to print instead."""
    from django.utils import translation

    from complaints import data_export
    from customers.kernel import pdf

    complaint = Complaint.objects.filter(pk=complaint_id, customer__isnull=False).first()
    if complaint is None or complaint.customer is None:
        return False
    customer = complaint.customer
    address = customer.email  # the address on record, never one typed on the form
    if not address or customer.status == Customer.Status.ERASED:
        return False
    context = controller_context()
    with translation.override(complaint.language):
        export = data_export.customer_data(customer)
        try:
            letter: tuple[str, bytes | str, str] = (
                "personal-data.pdf",
                data_export.render_pdf(export),
                "application/pdf",
            )
        except pdf.PdfUnavailable as missing:
            logger.error("export of complaint %s sent without its PDF: %s", complaint.pk, missing)
            letter = ("personal-data.html", data_export.render_html(export), "text/html")
        subject = _("A copy of your personal data — %(code)s") % {"code": complaint.tracking_code}
        body = render_to_string(
            "complaints/email/data_export.txt", {**context, "complaint": complaint}
        )
    email = EmailMessage(subject=str(subject), body=body, to=[address])
    email.attach(*letter)
    email.attach("personal-data.json", data_export.render_json(export), "application/json")
    email.send()
    return True


def _reminder_row(complaint: Complaint, now: datetime.datetime, base_url: str) -> dict[str, Any]:
    soon = now + datetime.timedelta(days=1)
    acknowledge = complaint.acknowledged_at is None and complaint.acknowledge_due_at <= soon
    deadline = complaint.acknowledge_due_at if acknowledge else complaint.due_at
    return {
        "complaint": complaint,
        "acknowledge": acknowledge,
        "unassigned": complaint.assignee_id is None,
        "overdue": deadline < now,
        "due": local_datetime(deadline),
        "url": base_url + _admin_path(complaint),
    }


def deadline_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Email each assignee one list of their complaints whose answer or acknowledgement is due
    within a day or overdue, and the queue (customer care) those nobody is assigned to or whose
    assignee cannot be reached; returns how many complaints were reminded."""
    from django.utils import translation

    now = now or timezone.now()
    queue: list[Any] | None = None
    by_recipient: dict[Any, list[Complaint]] = {}
    for complaint in selectors.complaints_needing_reminder(now):
        assignee = complaint.assignee
        if assignee is not None and assignee.is_active and assignee.email:
            recipients = [assignee]
        else:
            queue = selectors.queue_staff() if queue is None else queue
            recipients = queue
            if not recipients:
                logger.warning("deadline reminder: nobody to remind of complaint %s", complaint.pk)
        for recipient in recipients:
            by_recipient.setdefault(recipient, []).append(complaint)
    reminded: set[int] = set()
    base_url = getattr(settings, "PUBLIC_BASE_URL", "").rstrip("/")
    for recipient, items in by_recipient.items():
        with translation.override(settings.LANGUAGE_CODE):
            rows = [_reminder_row(complaint, now, base_url) for complaint in items]
            overdue = sum(1 for row in rows if row["overdue"])
            subject = _("%(count)d complaint(s) due within a day, %(overdue)d overdue") % {
                "count": len(rows) - overdue,
                "overdue": overdue,
            }
            body = render_to_string(
                "complaints/email/deadline_reminder.txt", {"rows": rows, "assignee": recipient}
            )
        with transaction.atomic():
            EmailMessage(subject=str(subject), body=body, to=[recipient.email]).send()
            ids = [complaint.pk for complaint in items]
            Complaint.objects.filter(pk__in=ids).update(reminded_at=now)
            ComplaintEvent.objects.bulk_create(
                [
                    ComplaintEvent(
                        complaint=complaint,
                        action=ComplaintEvent.Action.REMINDED,
                        at=now,
                        detail=recipient.get_username(),
                    )
                    for complaint in items
                ]
            )
        reminded.update(complaint.pk for complaint in items)
    return len(reminded)
