"""STYLE.md's layers beyond imports (which import-linter checks in `make lint`): a model of a
lower app has no foreign key to an upper app's model, and a lower app's migration depends on no
upper app's migration. api > imports > dossiers > retention > complaints > customers."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.apps import apps
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

LAYERS = ("customers", "complaints", "retention", "dossiers", "imports", "api")  # lowest first


def _above(app_label: str, other: str) -> bool:
    """True when ``other`` is one of our apps above ``app_label``."""
    return other in LAYERS and LAYERS.index(other) > LAYERS.index(app_label)


def upward_foreign_keys() -> list[str]:
    found = []
    for app_label in LAYERS:
        for model in apps.get_app_config(app_label).get_models():  # history models included
            for field in model._meta.get_fields(include_hidden=True):
                if not field.concrete or not field.is_relation or field.related_model is None:
                    continue
                target: Any = field.related_model
                if _above(app_label, target._meta.app_label):
                    found.append(f"{model._meta.label}.{field.name} → {target._meta.label}")
    return found


def upward_dependencies(migration: migrations.Migration) -> list[str]:
    return [
        f"{migration.app_label}.{migration.name} → {app}.{name}"
        for app, name in migration.dependencies
        if _above(migration.app_label, app)
    ]


def test_no_model_of_a_lower_app_points_to_an_upper_app() -> None:
    assert upward_foreign_keys() == []


def test_no_migration_of_a_lower_app_depends_on_an_upper_app() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = [
        link
        for (app_label, _name), migration in loader.disk_migrations.items()
        if app_label in LAYERS
        for link in upward_dependencies(migration)
    ]
    assert found == []


def test_an_upward_dependency_is_found() -> None:
    migration = migrations.Migration("0009_example", "complaints")
    migration.dependencies = [("customers", "0001_initial"), ("retention", "0004_role_permissions")]
    assert upward_dependencies(migration) == [
        "complaints.0009_example → retention.0004_role_permissions"
    ]


def test_an_upward_foreign_key_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    # Were retention below complaints, its link to the deletion request would point upwards.
    monkeypatch.setattr(sys.modules[__name__], "LAYERS", LAYERS[::-1])
    assert "retention.ErasureRequest.complaint → complaints.Complaint" in upward_foreign_keys()
