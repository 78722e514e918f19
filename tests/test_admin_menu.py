"""The admin's menu follows the work (issue 17): the customers, the queue, erasure and the
dossiers first, the machinery last; in an app, the daily lists before the settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_menu_is_in_the_order_of_use(admin_client: Client) -> None:
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    apps: list[dict[str, Any]] = response.context["app_list"]
    labels = [app["app_label"] for app in apps]
    assert labels[:6] == ["customers", "complaints", "retention", "dossiers", "imports", "api"]
    assert labels.index("auth") > labels.index("api")
    by_label = {app["app_label"]: app for app in apps}
    assert [m["object_name"] for m in by_label["customers"]["models"]][:3] == [
        "Customer",
        "Consent",
        "Disclosure",
    ]
    assert [m["object_name"] for m in by_label["complaints"]["models"]][:2] == [
        "Complaint",
        "Incident",
    ]
    # The side menu of a list page is the same list.
    page = admin_client.get("/admin/complaints/").context["app_list"]
    assert page[0]["models"][0]["object_name"] == "Complaint"
