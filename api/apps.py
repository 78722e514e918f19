from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The shop's systems talk to pdpdesk here (/api/v1/): above every other app, it calls their
    services and never writes a table itself except its keys."""

    name = "api"
    verbose_name = _("API for the shop's systems")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api.webhooks import event_prepare, has_endpoints_for, recipient_has_endpoint
        from customers import recipient_requests
        from customers.kernel import events

        # The events of the apps below go to the webhooks (api.webhooks) that want them: their
        # deliveries are created in the write's transaction, then sent.
        events.subscribe(
            "api.tasks.webhook_deliver_created", wants=has_endpoints_for, prepare=event_prepare
        )
        recipient_requests.register_webhook_check(recipient_has_endpoint)
