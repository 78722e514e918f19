"""What the third-party screens staff use show in English that no catalogue can translate, put
into the staff's language once, when the admin loads (customers/admin/__init__.py).

The words themselves are translated in locale_third_party/ (`manage.py third_party_messages`);
these are the places where the packages build text outside gettext:

- Django's admin writes a yes/no column's icon with the alt text "True"/"False" (what a screen
  reader reads), and its search box's icon with "Search";
- a permission's name is the English text stored in the database ("Can add customer");
- the admin's password form joins its help text to an English warning once, at import;
- django-axes titles its records with English f-strings ("Access Log for … @ …");
- django-celery-beat labels the task field with a plain "Task Name", describes a cron schedule
  in the machine's locale ("At 02:30 AM") and titles it "30 2 * * * (m/h/dM/MY/d) …".

Each replacement keeps the original's meaning and signature; the admin-wide test
(tests/test_admin_vietnamese.py) finds what an upgrade of these packages brings back.
"""

from __future__ import annotations

import calendar
import re
from typing import Any

from django.contrib.admin.templatetags import admin_list
from django.contrib.auth.models import Permission
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, pgettext

from customers.kernel.text import local_datetime

_ICONS = {True: "yes", False: "no", None: "unknown"}


def _boolean_icon(field_val: bool | None) -> SafeString:
    alt = {
        True: pgettext("boolean", "Yes"),
        False: pgettext("boolean", "No"),
        None: pgettext("boolean", "Unknown"),
    }[field_val]
    return format_html(
        '<img src="{}" alt="{}">', static(f"admin/img/icon-{_ICONS[field_val]}.svg"), alt
    )


_DEFAULT_PERMISSIONS = {
    "add": gettext_lazy("Can add %(model)s"),
    "change": gettext_lazy("Can change %(model)s"),
    "delete": gettext_lazy("Can delete %(model)s"),
    "view": gettext_lazy("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """A permission's name in the staff's language: Django's four from the model's name, ours
    from the catalogue (their names are marked with gettext_noop in the models)."""
    model = permission.content_type.model_class()
    action, _, model_name = permission.codename.partition("_")
    if (
        model is not None
        and action in _DEFAULT_PERMISSIONS
        and model_name == model._meta.model_name
    ):
        return str(_DEFAULT_PERMISSIONS[action]) % {"model": model._meta.verbose_name}
    return gettext(permission.name)


def _permission_str(permission: Permission) -> str:
    return f"{permission.content_type} | {permission_label(permission)}"


def _axes_titles() -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    def attempt(record: Any) -> str:
        return gettext("Failed logins of %(user)s from %(ip)s, last at %(time)s") % {
            "user": record.username,
            "ip": record.ip_address,
            "time": local_datetime(record.attempt_time),
        }

    def failure(record: Any) -> str:
        return gettext("Failed login of %(user)s from %(ip)s at %(time)s") % {
            "user": record.username,
            "ip": record.ip_address,
            "time": local_datetime(record.attempt_time),
        }

    def log(record: Any) -> str:
        return gettext("Login of %(user)s at %(time)s") % {
            "user": record.username,
            "time": local_datetime(record.attempt_time),
        }

    # axes writes them as English f-strings.
    AccessAttempt.__str__ = attempt
    AccessFailureLog.__str__ = failure
    AccessLog.__str__ = log


# cron-descriptor names days and months with Python's calendar module (the C locale: English).
_VIETNAMESE_CALENDAR = {
    **dict(
        zip(
            calendar.day_name,
            ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"),
            strict=True,
        )
    ),
    **{name: f"tháng {number}" for number, name in enumerate(calendar.month_name) if name},
}
_CALENDAR_WORD = re.compile(r"\b(" + "|".join(_VIETNAMESE_CALENDAR) + r")\b")


def _describe_cron(expression: str, options: Any = None) -> str:
    """cron-descriptor's description in the page's language, on a 24-hour clock."""
    from cron_descriptor import Options, get_description
    from django.utils.translation import get_language

    vietnamese = (get_language() or "vi").startswith("vi")
    options = options or Options()
    options.locale_code = "vi_VN" if vietnamese else "en_US"
    options.use_24hour_time_format = True
    text = str(get_description(expression, options))
    if vietnamese:
        text = _CALENDAR_WORD.sub(lambda word: _VIETNAMESE_CALENDAR[word.group(1)], text)
    return text


def _crontab_str(schedule: Any) -> str:
    expression = " ".join(
        str(part)
        for part in (
            schedule.minute,
            schedule.hour,
            schedule.day_of_month,
            schedule.month_of_year,
            schedule.day_of_week,
        )
    )
    return f"{schedule.human_readable} ({expression})"


def _celery_beat() -> None:
    from django_celery_beat import models as beat

    beat.get_description = _describe_cron  # the name human_readable calls
    beat.CrontabSchedule.__str__ = _crontab_str  # its "(m/h/dM/MY/d)"
    beat.PeriodicTask._meta.get_field("task").verbose_name = gettext_lazy("Task name")
    beat.CrontabSchedule.human_readable.fget.short_description = gettext_lazy(
        "In words"
    )  # the admin's column title


def _password_form() -> None:
    from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin

    AdminPasswordChangeForm.usable_password_help_text = format_lazy(  # type: ignore[assignment]  # a lazy text, as the mixin's own
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        gettext_lazy("If disabled, the current password for this user will be lost."),
    )


def _through_models() -> None:
    """Django names the tables behind a many-to-many "Group-permission relationship" in English
    once, at import (the delete confirmation lists them): names from the catalogue instead."""
    from django.contrib.auth.models import Group, User

    names = {
        Group.permissions.through: (
            gettext_lazy("permission of a group"),
            gettext_lazy("permissions of groups"),
        ),
        User.groups.through: (gettext_lazy("group of a user"), gettext_lazy("groups of users")),
        User.user_permissions.through: (
            gettext_lazy("permission of a user"),
            gettext_lazy("permissions of users"),
        ),
    }
    for model, (singular, plural) in names.items():
        model._meta.verbose_name = singular
        model._meta.verbose_name_plural = plural


def install() -> None:

    admin_list._boolean_icon = _boolean_icon  # type: ignore[attr-defined]  # read at each call by admin_list, helpers and utils
    Permission.__str__ = _permission_str  # type: ignore[assignment,method-assign]  # names stored in English
    _axes_titles()
    _celery_beat()
    _password_form()
    _through_models()


install()
