"""The link between a deletion request and its erasure request moved from
Complaint.erasure_request (complaints naming retention) to ErasureRequest.complaint: a database
migrated either way keeps every link. Runs on the suite's database: SQLite by default,
PostgreSQL in CI."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from complaints import services as complaint_services
from complaints.models import Kind
from retention import services as retention_services
from retention.models import ErasureRequest
from tests.factories import CustomerFactory, complaint_submit, identity_verified

BEFORE = [("complaints", "0004_incident_schedule"), ("retention", "0005_closed_complaints")]


def _migrate(targets: list[tuple[str, str]] | None = None) -> Any:
    """Migrate to ``targets`` (the latest migrations by default); the apps of that state."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_deletion_requests_link_survives_the_move_down_and_up(superuser: Any) -> None:
    linked_ids = []
    for number in range(3):
        customer = CustomerFactory.create(email=f"khach{number}@example.vn")
        complaint = complaint_submit(kind=Kind.DELETION, email=customer.email)
        complaint_services.complaint_link_customer(
            complaint=complaint, customer=customer, actor=superuser
        )
        identity_verified(complaint, superuser)
        request = retention_services.complaint_request_erasure(complaint=complaint, actor=superuser)
        linked_ids.append((complaint.pk, request.pk))
    unlinked = retention_services.erasure_request_create(
        customer=CustomerFactory.create(), source=ErasureRequest.Source.STAFF
    )

    try:
        old = _migrate(BEFORE)
        # Before the move: the complaint names its erasure request.
        stored = dict(
            old.get_model("complaints", "Complaint")
            .objects.filter(erasure_request__isnull=False)
            .values_list("pk", "erasure_request")
        )
        assert stored == dict(linked_ids)
    finally:
        new = _migrate()

    moved = dict(
        new.get_model("retention", "ErasureRequest")
        .objects.filter(complaint__isnull=False)
        .values_list("complaint", "pk")
    )
    assert moved == dict(linked_ids)
    assert ErasureRequest.objects.get(pk=unlinked.pk).complaint is None
