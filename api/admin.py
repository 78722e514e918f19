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

from api import services, webhooks
from api.models import ApiKey, Scope, WebhookDelivery, WebhookEndpoint
from customers.admin.base import ACTION_LIMIT, ServiceModelAdmin
from customers.kernel.events import EventName

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


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventName.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "recipient", "events")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceModelAdmin):
    list_display = ("name", "url", "recipient", "events", "is_active")
    list_filter = ("is_active",)
    form = WebhookEndpointForm
    actions = ("deactivate_selected",)
    readonly = ("name", "url", "recipient", "events", "is_active", "secret", "created_at")

    def get_fields(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> Any:
        return ("name", "url", "recipient", "events") if obj is None else self.readonly

    def get_readonly_fields(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> Any:
        return () if obj is None else self.readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and bool(super().has_change_permission(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its deliveries are the log of what was sent

    def save_through_service(
        self, request: HttpRequest, obj: WebhookEndpoint, values: dict[str, Any], change: bool
    ) -> WebhookEndpoint:
        return webhooks.webhook_endpoint_create(
            name=values["name"],
            url=values["url"],
            recipient=values.get("recipient"),
            events=list(values["events"]),
            actor=request.user,
        )

    @admin.action(description=_("Turn off selected endpoints"), permissions=["view"])
    def deactivate_selected(self, request: HttpRequest, queryset: Any) -> None:
        self.act_on_each(
            request,
            queryset,
            lambda endpoint: webhooks.webhook_endpoint_deactivate(
                endpoint=endpoint, actor=request.user
            ),
            too_many=_("Select at most %(limit)d endpoints at a time.") % {"limit": ACTION_LIMIT},
            describe=str,
            done=lambda count: (
                ngettext("%(count)d endpoint turned off.", "%(count)d endpoints turned off.", count)
                % {"count": count}
            ),
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ServiceModelAdmin):
    """The delivery log: what was sent where, each attempt's outcome; a replay button."""

    list_display = (
        "created_at",
        "endpoint",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "event", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("message_id",)
    actions = ("replay_selected",)
    readonly_fields = (
        "endpoint",
        "event",
        "message_id",
        "payload",
        "status",
        "created_at",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "replay_of",
    )
    fields = readonly_fields
    raw_id_fields = ("customer",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and bool(super().has_change_permission(request, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Replay selected deliveries"), permissions=["change"])
    def replay_selected(self, request: HttpRequest, queryset: Any) -> None:
        replayed: list[int] = []

        def replay(delivery: WebhookDelivery) -> None:
            replayed.append(webhooks.webhook_replay(delivery=delivery, actor=request.user).pk)

        self.act_on_each(
            request,
            queryset.select_related("endpoint"),
            replay,
            too_many=_("Select at most %(limit)d deliveries at a time.") % {"limit": ACTION_LIMIT},
            describe=str,
            done=lambda count: (
                ngettext(
                    "%(count)d delivery will be sent again.",
                    "%(count)d deliveries will be sent again.",
                    count,
                )
                % {"count": count}
            ),
        )
        if replayed:
            webhooks.queue_delivery(replayed)
