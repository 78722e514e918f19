"""API keys in the admin: the administrator creates one (shown once), sees its last use, and
revokes it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api import services
from api.models import ApiKey, Scope
from customers.admin.base import ACTION_LIMIT, ServiceModelAdmin

_NEW_KEY_ATTR = "_api_key_secret"


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what this system needs: a marketing tool needs only “consents:read”."),
    )

    class Meta:
        model = ApiKey
        fields = ("name", "scopes", "rate_limit_per_minute")


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceModelAdmin):
    list_display = (
        "name",
        "prefix",
        "scopes",
        "rate_limit_per_minute",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    form = ApiKeyForm
    actions = ("revoke_selected",)
    readonly = (
        "name",
        "prefix",
        "scopes",
        "rate_limit_per_minute",
        "user",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        return ("name", "scopes", "rate_limit_per_minute") if obj is None else self.readonly

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        return () if obj is None else self.readonly

    def has_change_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        # A key is never edited (its scopes are its user's permissions): revoke and create anew.
        return obj is None and bool(super().has_change_permission(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    def save_through_service(
        self, request: HttpRequest, obj: ApiKey, values: dict[str, Any], change: bool
    ) -> ApiKey:
        api_key, secret = services.api_key_create(
            name=values["name"],
            scopes=list(values["scopes"]),
            rate_limit_per_minute=values["rate_limit_per_minute"],
            actor=request.user,
        )
        setattr(request, _NEW_KEY_ATTR, secret)
        return api_key

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        """The key is shown on this page only; the usual redirect would lose it."""
        context = {
            **self.admin_site.each_context(request),
            "title": _("API key created"),
            "opts": self.opts,
            "api_key": obj,
            "secret": getattr(request, _NEW_KEY_ATTR),
        }
        # The admin's pages are never cached (never_cache): nor is this one.
        return TemplateResponse(request, "admin/api/apikey/created.html", context)

    @admin.action(description=_("Revoke selected keys"), permissions=["view"])
    def revoke_selected(self, request: HttpRequest, queryset: Any) -> None:
        self.act_on_each(
            request,
            queryset,
            lambda api_key: services.api_key_revoke(api_key=api_key, actor=request.user),
            too_many=_("Select at most %(limit)d keys at a time.") % {"limit": ACTION_LIMIT},
            describe=str,
            done=lambda count: (
                ngettext(
                    "%(count)d key revoked: calls with it are refused at once.",
                    "%(count)d keys revoked: calls with them are refused at once.",
                    count,
                )
                % {"count": count}
            ),
        )
