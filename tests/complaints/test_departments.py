"""The departments complaints are routed to are a list Legal & compliance keeps: rows with an
admin page, offered by the routing step while active; the migration that made them rows kept
every complaint's routing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import translation

from complaints import services
from complaints.models import Complaint, Department
from tests.factories import complaint_submit, role_member

BEFORE = [("complaints", "0019_home_attention")]


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
    clear_url_caches()


def _migrate(targets: list[tuple[str, str]] | None = None) -> Any:
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db
def test_the_departments_of_the_code_are_rows() -> None:
    assert dict(Department.objects.values_list("code", "name")) == {
        "customer_care": "Chăm sóc khách hàng",
        "sales_marketing": "Kinh doanh và tiếp thị",
        "legal_compliance": "Pháp chế và tuân thủ",
        "it_security": "Công nghệ thông tin và an ninh",
        "logistics": "Đơn hàng và giao hàng",
    }


@pytest.mark.django_db
def test_legal_adds_a_department_and_routing_offers_only_active_ones(client: Client) -> None:
    legal = role_member("legal_compliance")
    client.force_login(legal)
    response = client.post(
        reverse("admin:complaints_department_add"),
        {"name": "Kho vận miền Nam", "code": "kho-van-mien-nam", "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    added = Department.objects.get(code="kho-van-mien-nam")
    assert added.history.first().history_user == legal
    Department.objects.filter(code=Department.LOGISTICS).update(is_active=False)

    complaint = complaint_submit()
    page = client.get(reverse("admin:complaints_complaint_step", args=[complaint.pk, "route"]))
    html = page.content.decode()
    assert "Kho vận miền Nam" in html
    assert "Đơn hàng và giao hàng" not in html  # switched off

    response = client.post(
        reverse("admin:complaints_complaint_step", args=[complaint.pk, "route"]),
        {"department": "kho-van-mien-nam", "kind": complaint.kind},
        follow=True,
    )
    assert any("Routed to Kho vận miền Nam" in str(m) for m in response.context["messages"])
    complaint.refresh_from_db()
    assert complaint.department == added
    listed = client.get(
        reverse("admin:complaints_complaint_changelist") + "?open=all"
    ).content.decode()
    assert "Kho vận miền Nam" in listed

    # A switched-off department is refused by the service too.
    with pytest.raises(Exception, match="Choose a department"):
        services.complaint_route(
            complaint=complaint_submit(), actor=legal, department=Department.LOGISTICS
        )


@pytest.mark.django_db
def test_only_legal_keeps_the_list(client: Client) -> None:
    care = role_member("customer_care")
    client.force_login(care)
    assert client.get(reverse("admin:complaints_department_add")).status_code == 403
    assert not care.has_perm("complaints.delete_department")
    legal = role_member("legal_compliance")
    assert legal.has_perm("complaints.change_department")
    assert not legal.has_perm("complaints.delete_department")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_complaints_routing(superuser: Any) -> None:
    routed = {}
    for code in (Department.IT_SECURITY, Department.LEGAL_COMPLIANCE):
        complaint = complaint_submit()
        services.complaint_route(complaint=complaint, actor=superuser, department=code)
        routed[complaint.pk] = code
    unrouted = complaint_submit()

    try:
        old = _migrate(BEFORE)
        stored = dict(
            old.get_model("complaints", "Complaint").objects.values_list("pk", "department")
        )
        assert stored == {**routed, unrouted.pk: ""}
    finally:
        _migrate()

    after = dict(Complaint.objects.values_list("pk", "department__code"))
    assert after == {**routed, unrouted.pk: None}
    history = Complaint.history.filter(id__in=routed).exclude(department=None)
    assert {row.department_id for row in history} == set(routed.values())
