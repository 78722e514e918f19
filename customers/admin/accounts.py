"""Staff accounts and role groups in the admin, with customers.accounts' limits: an account
manager gives no one — themself included — more than they hold."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from customers import accounts
from customers.kernel.forms import add_service_errors

User = get_user_model()

# Only a superuser sees or sets these on an account.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")


def _grantable_permissions(field: Any) -> Any:
    """The permissions a role can mean something with: none of the history tables' (nobody
    edits history; the record's own view permission opens its history)."""
    field.queryset = field.queryset.exclude(content_type__model__startswith="historical")
    return field


def _without(fieldsets: Any, names: tuple[str, ...]) -> list[Any]:
    return [
        (title, {**options, "fields": [f for f in options["fields"] if f not in names]})
        for title, options in fieldsets
    ]


class StaffUserAdmin(UserAdmin):
    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        user: Any = request.user
        return fieldsets if user.is_superuser else _without(fieldsets, SUPERUSER_ONLY_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            readonly += ["groups", *SUPERUSER_ONLY_FIELDS]  # nobody raises themself
        return readonly

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user: Any = request.user
        if db_field.name == "groups" and not user.is_superuser:
            grantable = [g.pk for g in Group.objects.all() if accounts.may_grant_group(user, g)]
            kwargs["queryset"] = Group.objects.filter(pk__in=grantable)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _grantable_permissions(field) if db_field.name == "user_permissions" else field

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form: Any = super().get_form(request, obj, change=change, **kwargs)
        staff = request.user

        class CheckedForm(form):
            def clean(self) -> dict[str, Any]:
                cleaned: dict[str, Any] = super().clean()
                account = self.instance if self.instance.pk else None
                try:
                    accounts.grant_check(
                        staff=staff,
                        account=account,
                        groups=cleaned.get("groups", account.groups.all() if account else []),
                        is_superuser=bool(
                            cleaned.get("is_superuser", account.is_superuser if account else False)
                        ),
                        permissions=cleaned.get(
                            "user_permissions", account.user_permissions.all() if account else []
                        ),
                    )
                except ValidationError as error:
                    add_service_errors(self, error)
                return cleaned

        CheckedForm.__name__ = form.__name__
        return CheckedForm

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = bool(super().has_change_permission(request, obj))
        return allowed and (obj is None or accounts.may_manage_account(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = bool(super().has_delete_permission(request, obj))
        return allowed and (obj is None or accounts.may_manage_account(request.user, obj))


class RoleGroupAdmin(GroupAdmin):
    """The roles' permissions come from customers/roles.py: only a superuser changes them."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        user: Any = request.user
        return readonly if user.is_superuser else [*readonly, "permissions"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = bool(super().has_change_permission(request, obj))
        return allowed and (obj is None or accounts.may_grant_group(request.user, obj))

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest | None = None, **kwargs: Any
    ) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _grantable_permissions(field) if db_field.name == "permissions" else field

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = bool(super().has_delete_permission(request, obj))
        return allowed and (obj is None or accounts.may_grant_group(request.user, obj))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Group]:
        return super().get_queryset(request).prefetch_related("permissions__content_type")


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.register(User, StaffUserAdmin)
admin.site.register(Group, RoleGroupAdmin)
