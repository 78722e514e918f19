"""The admin's menu in the order staff use it, not the alphabet's: the customers, the queue of
complaints and requests, erasure, the DPO's dossiers first; the accounts and the machinery
last. Within an app, the lists used every day come before the settings."""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.http import HttpRequest, HttpResponse

APP_ORDER = (
    "customers",
    "complaints",
    "retention",
    "dossiers",
    "imports",
    "api",
    "auth",
    "axes",
    "django_celery_beat",
)
MODEL_ORDER = {
    "customers": (
        "Customer",
        "Consent",
        "Disclosure",
        "RecipientRequest",
        "Restriction",
        "Order",
        "DeliveryAddress",
        "Recipient",
        "RecipientAgreement",
        "Purpose",
        "PolicyVersion",
        "Controller",
        "AccessLog",
        "OutboxTask",
    ),
    "complaints": (
        "Complaint",
        "Incident",
        "IncidentCustomer",
        "DeadlineRule",
        "PublicHoliday",
        "HolidayYear",
    ),
    "retention": ("ErasureRequest", "LegalHold", "ErasureReceipt", "PurgeRun", "RetentionRule"),
}


def _rank(order: tuple[str, ...], name: str) -> int:
    return order.index(name) if name in order else len(order)


class PdpAutocompleteJsonView(AutocompleteJsonView):
    """The choices of an autocomplete field as the chosen model's admin words them
    (``autocomplete_text``): a customer by id, name and phone, masked for staff without the
    full view — never str() alone, which is the full name."""

    def serialize_result(self, obj: Any, to_field_name: str) -> dict[str, Any]:
        text = getattr(self.model_admin, "autocomplete_text", None)
        if text is None:
            return super().serialize_result(obj, to_field_name)
        return {"id": str(getattr(obj, to_field_name)), "text": text(self.request, obj)}


class PdpAdminSite(AdminSite):
    # The home says what needs doing today (config/home.py), above the menu.
    index_template = "admin/home.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        from config.home import home_context

        return super().index(request, {**home_context(request.user), **(extra_context or {})})

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return PdpAutocompleteJsonView.as_view(admin_site=self)(request)  # type: ignore[return-value]  # a view's response

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        apps = super().get_app_list(request, app_label)
        apps.sort(key=lambda app: _rank(APP_ORDER, app["app_label"]))
        for app in apps:
            order = MODEL_ORDER.get(app["app_label"], ())
            app["models"].sort(
                key=lambda model: (_rank(order, model["object_name"]), model["name"])
            )
        return apps
