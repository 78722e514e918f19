from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from api.v1 import api as api_v1
from config.health import healthz

admin.site.site_header = _("pdpdesk — personal data back office")
admin.site.site_title = _("pdpdesk")
admin.site.index_title = _("Customers' personal data, consents and requests")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", api_v1.urls),
]

# Public pages: Vietnamese at the root, English under /en/.
urlpatterns += i18n_patterns(
    path("", include("customers.urls")),
    path("", include("complaints.urls")),
    prefix_default_language=False,
)

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
