from django.urls import path
from django.views.generic import RedirectView

from customers import views

app_name = "customers"

urlpatterns = [
    # The site's root (the admin's "View site"): the privacy policy, in the page's language.
    path("", RedirectView.as_view(pattern_name="customers:privacy"), name="home"),
    path("privacy/", views.privacy, name="privacy"),
    # Each version a customer was shown stays at its own address (the consent receipt links it).
    path("privacy/<str:version>/", views.privacy_version, name="privacy_version"),
    # A recipient confirms it did what it was asked (customers.recipient_requests).
    path(
        "recipient-requests/<str:token>/",
        views.recipient_request_confirm,
        name="recipient_request_confirm",
    ),
]
