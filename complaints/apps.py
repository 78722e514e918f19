from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and requests")
    # Loaded by seed_demo after customers' demo data: complaints at every step, two incidents.
    demo_data = "complaints.demo_data.demo_data_load"

    def ready(self) -> None:
        from complaints.customer_summary import open_complaints_section
        from complaints.recipient_links import request_link
        from customers import recipient_requests
        from customers.customer_summary import register_summary

        # A request to act takes the customer's request's code and longer period.
        recipient_requests.register_request_link(request_link)
        # A customer's page shows their open complaints (customers never names complaints).
        register_summary(open_complaints_section)
