"""/api/v1/: the API the shop's systems call. Its schema is at /api/v1/openapi.json and its
interactive documentation at /api/v1/docs (served from pdpdesk's own static files)."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from api import errors
from api.auth import KeyAuth
from api.routes import consents, customers, orders, recipient_requests, requests


class PdpdeskAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Errors are documented as what they are: application/problem+json (RFC 9457)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status) >= "400" and "application/json" in content:
                        content[errors.PROBLEM] = content.pop("application/json")
        return schema


api = PdpdeskAPI(
    title="pdpdesk API",
    version="1",
    description=(
        "Customers, orders, consents and data-subject requests, for the shop's own systems. "
        "Every write goes through the same rules as the back office. Errors are problem "
        "documents (application/problem+json) naming each field, in the language of "
        "Accept-Language (vi by default, en)."
    ),
    urls_namespace="api-v1",
    auth=KeyAuth(),
)
errors.install(api)
api.add_router("/customers", customers.router, tags=["customers"])
api.add_router("/orders", orders.router, tags=["orders"])
api.add_router("/consents", consents.router, tags=["consents"])
api.add_router("/requests", requests.router, tags=["requests"])
api.add_router("/recipient-requests", recipient_requests.router, tags=["requests to recipients"])
