"""Who may give whom which powers over personal data.

Staff accounts are kept in the admin by the administrator role, but an account manager must not
be able to raise anyone — themself included — above what they hold: otherwise the person who
keeps the accounts could read every customer's data (seed 004 §8: staff see only what their role
needs; Law 91/2025 Art. 26: the controller's measures to prevent unauthorised access).

- Only a superuser grants superuser status or individual permissions.
- A role group is granted only by someone who holds every one of its permissions.
- Nobody changes their own groups, superuser status or permissions.
- An account (or a group) that holds more than the staff member is changed only by a superuser
  (changing its password would be taking it over).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _names(permissions: Iterable[Any]) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def group_permissions(group: Group) -> set[str]:
    return _names(group.permissions.select_related("content_type"))


def holds_all_of(staff: Any, permissions: set[str]) -> bool:
    return bool(staff.is_superuser) or permissions <= staff.get_all_permissions()


def may_grant_group(staff: Any, group: Group) -> bool:
    return holds_all_of(staff, group_permissions(group))


def may_manage_account(staff: Any, account: Any) -> bool:
    """May ``staff`` change ``account`` (its password included)?"""
    if staff.is_superuser:
        return True
    if account.is_superuser:
        return False
    return account.pk == staff.pk or holds_all_of(staff, account.get_all_permissions())


def grant_check(
    *,
    staff: Any,
    account: Any,
    groups: Iterable[Group],
    is_superuser: bool,
    permissions: Iterable[Any],
) -> None:
    """Refuse (ValidationError on the field) what ``staff`` may not give ``account``."""
    errors: dict[str, ValidationError] = {}
    own = account is not None and account.pk == staff.pk
    before_groups = set(account.groups.all()) if account is not None and account.pk else set()
    chosen = set(groups)
    if own and chosen != before_groups:
        errors["groups"] = ValidationError(_("Nobody changes their own groups."), code="own")
    elif not staff.is_superuser:
        beyond = [g.name for g in chosen - before_groups if not may_grant_group(staff, g)]
        if beyond:
            errors["groups"] = ValidationError(
                _("Only a superuser gives a role with more than yours: %(groups)s."),
                code="beyond",
                params={"groups": ", ".join(sorted(beyond))},
            )
    before_superuser = bool(account is not None and account.pk and account.is_superuser)
    if is_superuser != before_superuser and not staff.is_superuser:
        errors["is_superuser"] = ValidationError(
            _("Only a superuser grants superuser status."), code="superuser"
        )
    before_permissions = (
        set(account.user_permissions.all()) if account is not None and account.pk else set()
    )
    if set(permissions) != before_permissions and not staff.is_superuser:
        errors["user_permissions"] = ValidationError(
            _("Only a superuser gives individual permissions."), code="permissions"
        )
    if errors:
        raise ValidationError(errors)
