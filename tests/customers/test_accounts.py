"""The administrator role keeps staff accounts, but raises nobody — themself included — above
what it holds: superuser status, individual permissions and richer roles are a superuser's to
give; nobody changes their own groups (README, "Staff roles")."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from customers import roles
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def _member(role: str, username: str) -> Any:
    user = StaffFactory.create(username=username, is_superuser=False)
    user.groups.add(roles.group_for(role))
    return user


def _change_url(user: Any) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def _post(client: Client, account: Any, **changes: Any) -> Any:
    """Post the account's change form as the admin shows it, with ``changes``."""
    data: dict[str, Any] = {
        "username": account.username,
        "first_name": "",
        "last_name": "",
        "email": account.email or "",
        "is_active": "on",
        "is_staff": "on",
        "groups": [str(g.pk) for g in account.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "08:00",
        "initial-date_joined_0": "01/01/2026",
        "initial-date_joined_1": "08:00",
    }
    data.update(changes)
    return client.post(_change_url(account), {k: v for k, v in data.items() if v is not None})


@pytest.fixture
def sysadmin(client: Client) -> Any:
    user = _member(roles.ADMINISTRATOR, "quantri")
    client.force_login(user)
    return user


def test_the_administrator_cannot_make_itself_superuser_or_dpo(
    client: Client, sysadmin: Any
) -> None:
    page = client.get(_change_url(sysadmin)).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="groups"' not in page  # its own groups are shown, not editable
    dpo_group = roles.group_for(roles.LEGAL_COMPLIANCE)

    _post(client, sysadmin, is_superuser="on", groups=[str(dpo_group.pk)])

    sysadmin.refresh_from_db()
    assert not sysadmin.is_superuser
    assert set(sysadmin.groups.all()) == {roles.group_for(roles.ADMINISTRATOR)}


def test_the_administrator_cannot_give_a_richer_role_or_permissions(
    client: Client, sysadmin: Any
) -> None:
    colleague = StaffFactory.create(username="nhanvien", is_superuser=False)
    form = client.get(_change_url(colleague)).context["adminform"].form
    offered = set(form.fields["groups"].queryset)
    # Only the roles it holds every permission of: its own; never Legal & compliance's.
    assert roles.group_for(roles.ADMINISTRATOR) in offered
    assert roles.group_for(roles.LEGAL_COMPLIANCE) not in offered
    assert "user_permissions" not in form.fields and "is_superuser" not in form.fields

    response = _post(
        client,
        colleague,
        groups=[str(roles.group_for(roles.LEGAL_COMPLIANCE).pk)],
        user_permissions=[str(Permission.objects.get(codename="view_full_personal_data").pk)],
        is_superuser="on",
    )
    assert response.status_code == 200  # the form again, with the refusal on the field
    assert response.context["adminform"].form.errors["groups"]
    colleague.refresh_from_db()
    assert not colleague.is_superuser
    assert not colleague.groups.exists() and not colleague.user_permissions.exists()

    _post(client, colleague, groups=[str(roles.group_for(roles.ADMINISTRATOR).pk)])
    assert list(colleague.groups.all()) == [roles.group_for(roles.ADMINISTRATOR)]


def test_an_account_above_the_administrator_is_not_its_to_change(
    client: Client, sysadmin: Any
) -> None:
    root = StaffFactory.create(username="root", is_superuser=True)
    dpo = _member(roles.LEGAL_COMPLIANCE, "dpo")
    for account in (root, dpo):
        password_url = reverse("admin:auth_user_password_change", args=[account.pk])
        response = client.post(
            password_url, {"password1": "Chiem-quyen-2026!", "password2": "Chiem-quyen-2026!"}
        )
        assert response.status_code == 403, account
        assert not User.objects.get(pk=account.pk).check_password("Chiem-quyen-2026!")
        _post(client, account, is_active=None)
        assert User.objects.get(pk=account.pk).is_active, account


def test_the_administrator_cannot_widen_a_role_group(client: Client, sysadmin: Any) -> None:
    group = roles.group_for(roles.ADMINISTRATOR)
    before = set(group.permissions.all())
    full_view = Permission.objects.get(codename="view_full_personal_data")
    export = Permission.objects.get(codename="export_personal_data")
    client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [str(p.pk) for p in [*before, full_view, export]]},
    )
    assert set(group.permissions.all()) == before


def test_a_superuser_still_grants_any_role(client: Client) -> None:
    root = StaffFactory.create(username="root", is_superuser=True)
    client.force_login(root)
    colleague = StaffFactory.create(username="nhanvien", is_superuser=False)
    dpo_group = roles.group_for(roles.LEGAL_COMPLIANCE)
    _post(client, colleague, groups=[str(dpo_group.pk)])
    assert list(colleague.groups.all()) == [dpo_group]


def test_the_administrator_keeps_the_schedules_but_deletes_none(
    client: Client, sysadmin: Any
) -> None:
    from django_celery_beat.models import PeriodicTask

    schedule = PeriodicTask.objects.order_by("pk").first()
    assert schedule is not None  # the migrations' jobs: purges and reminders
    assert (
        client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200
    )
    change = reverse("admin:django_celery_beat_periodictask_change", args=[schedule.pk])
    assert client.get(change).status_code == 200
    assert sysadmin.has_perm("django_celery_beat.change_periodictask")
    assert not sysadmin.has_perm("django_celery_beat.delete_periodictask")
