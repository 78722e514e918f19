"""The one way API keys are created and revoked."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api import keys
from api.models import SCOPE_PERMISSIONS, ApiKey, Scope
from customers.kernel.writes import Actor, require_permission, save, staff_or_none

PERM_MANAGE = "api.add_apikey"


def _permissions(scopes: list[str]) -> list[Permission]:
    wanted = [perm for scope in scopes for perm in SCOPE_PERMISSIONS[scope]]
    found = []
    for dotted in wanted:
        app_label, codename = dotted.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def api_key_create(
    *, name: str, scopes: list[str], actor: Actor, rate_limit_per_minute: int = 600
) -> tuple[ApiKey, str]:
    """The new key and its secret, which is shown once and never stored."""
    with transaction.atomic():
        created = _create(name, scopes, actor, rate_limit_per_minute)
    keys.changed()  # after the commit: a process that reloads at once must see the row
    return created


def _create(
    name: str, scopes: list[str], actor: Actor, rate_limit_per_minute: int
) -> tuple[ApiKey, str]:
    require_permission(actor, PERM_MANAGE, _("Only the administrator creates API keys."))
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown or not scopes:
        raise ValidationError(
            {"scopes": ValidationError(_("Choose at least one scope."), code="required")}
        )
    secret, prefix, secret_hash = keys.new_key()
    user = get_user_model().objects.create_user(
        username=f"api-{prefix}", first_name=name[:150], is_staff=False
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.user_permissions.set(_permissions(scopes))
    api_key = ApiKey(
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        scopes=sorted(set(scopes)),
        rate_limit_per_minute=rate_limit_per_minute,
        user=user,
        created_by=staff_or_none(actor),
    )
    save(api_key, actor=actor)
    return api_key, secret


def api_key_revoke(*, api_key: ApiKey, actor: Actor) -> ApiKey:
    with transaction.atomic():
        api_key = _revoke(api_key, actor)
    keys.changed()
    return api_key


def _revoke(api_key: ApiKey, actor: Actor) -> ApiKey:
    require_permission(actor, "api.change_apikey", _("Only the administrator revokes API keys."))
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = staff_or_none(actor)
    save(api_key, actor=actor)
    type(api_key.user).objects.filter(pk=api_key.user_id).update(is_active=False)
    return api_key
