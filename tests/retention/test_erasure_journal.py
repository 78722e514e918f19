"""Backups that keep erasures: every erasure is journaled outside the database, and after a real
pg_dump/pg_restore `erasure_replay` erases again everyone the restored backup brought back
(Law 91/2025 Art. 14(3)-(4)), once."""

from __future__ import annotations

import datetime
import json
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import services
from customers.models import Customer
from retention.erasure import erase_customers
from retention.management.commands.erasure_replay import parse_since
from retention.models import JOB_ERASURE_REPLAY, ErasureReceipt
from tests.factories import StaffFactory
from tests.retention.all_tables import find_values


@pytest.fixture
def journal_dir(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = tmp_path / "journal"
    settings.ERASURE_JOURNAL_URL = f"file://{directory}"
    return directory


def _customer(n: int, name: str, phone: str, email: str, clerk: Any) -> tuple[Customer, list[str]]:
    """A customer with history, a delivery address and an order, through the services."""
    customer = services.customer_create(
        actor=clerk,
        full_name=name,
        phone=phone,
        email=f"cu.{email}",
        address=f"{n} Lê Lợi, Phường Bến Thành, TP. Hồ Chí Minh",
    )
    services.customer_update(customer=customer, actor=clerk, email=email)
    services.delivery_address_create(
        customer=customer,
        actor=clerk,
        recipient_name=name,
        phone=phone,
        address=f"Hẻm {n} Lê Lợi",
        ward="Phường Bến Thành",
        province="TP. Hồ Chí Minh",
        is_default=True,
    )
    services.order_create(
        customer=customer,
        actor=clerk,
        reference=f"DH-J{n}",
        total_vnd=450_000,
        recipient_name=name,
        delivery_phone=phone,
    )
    customer.refresh_from_db()
    return customer, [name, customer.phone, customer.phone.removeprefix("+84"), email]


def _lines(directory: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(directory.glob("erasures-*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def _replay(since: str) -> str:
    out = StringIO()
    call_command("erasure_replay", since=since, stdout=out)
    return out.getvalue()


def _line(message: str, ids: list[int]) -> str:
    return message % {"count": len(ids), "ids": ", ".join(f"#{pk}" for pk in sorted(ids)) or "—"}


# The journal written by every erasure -------------------------------------------------------


@pytest.mark.django_db
def test_an_erasure_is_journaled_pending_then_committed_without_personal_data(
    journal_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    clerk = StaffFactory(username="cskh-journal")
    customer, values = _customer(1, "Trần Thị Mai Anh", "0903 555 127", "mai.anh@example.vn", clerk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        erase_customers(customer_ids=[customer.pk], actor=clerk, job="admin")
    receipt = ErasureReceipt.objects.get(customer=customer)
    (pending,) = _lines(journal_dir)
    assert pending["event"] == "pending"
    assert (pending["customer"], pending["receipt"]) == (customer.pk, receipt.pk)
    assert datetime.datetime.fromisoformat(pending["erased_at"]) == receipt.erased_at

    for callback in callbacks:  # the transaction commits
        callback()
    assert [line["event"] for line in _lines(journal_dir)] == ["pending", "committed"]
    text = "".join(path.read_text() for path in journal_dir.iterdir())
    for value in values:
        assert value not in text and value.lower() not in text.lower()


@pytest.mark.django_db
def test_an_erasure_that_cannot_be_journaled_does_not_happen(settings: Any, tmp_path: Path) -> None:
    """An erasure the journal does not know would come back with the next restore."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.ERASURE_JOURNAL_URL = f"file://{blocker}"
    settings.MEDIA_ROOT = tmp_path / "media"
    customer, _values = _customer(2, "Võ Văn Bình", "0918 222 664", "binh.vo@example.vn", None)
    with pytest.raises(OSError):
        erase_customers(customer_ids=[customer.pk])
    customer.refresh_from_db()
    assert customer.status != Customer.Status.ERASED
    assert not ErasureReceipt.objects.filter(customer=customer).exists()


def test_since_is_read_in_vietnam_time() -> None:
    vietnam = datetime.timezone(datetime.timedelta(hours=7))
    assert parse_since("2026-12-01") == datetime.datetime(2026, 12, 1, tzinfo=vietnam)
    assert parse_since("2026-12-01T03:00") == datetime.datetime(2026, 12, 1, 3, tzinfo=vietnam)
    assert parse_since("2026-11-30T20:00:00+00:00") == datetime.datetime(
        2026, 12, 1, 3, tzinfo=vietnam
    )
    with pytest.raises(ValueError):
        parse_since("01/12/2026 trưa")


@pytest.mark.django_db
def test_replay_refuses_a_since_it_cannot_read(journal_dir: Path) -> None:
    with pytest.raises(CommandError, match="2026-12-01T03:00"):
        _replay("hôm qua")


# A real backup, restored --------------------------------------------------------------------


def _psql_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = [
        "-h",
        settings_dict.get("HOST") or "127.0.0.1",
        "-p",
        str(settings_dict.get("PORT") or 5432),
        "-U",
        settings_dict.get("USER") or "postgres",
    ]
    env = {"PGPASSWORD": settings_dict.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    return args, env


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_restoring_a_backup_then_replaying_the_journal_erases_them_again(
    require_postgres: None, journal_dir: Path, tmp_path: Path
) -> None:
    clerk = StaffFactory(username="cskh-backup")
    people = [
        _customer(11, "Nguyễn Thị Hồng Nhung", "0909 123 457", "hong.nhung@example.vn", clerk),
        _customer(12, "Đặng Quốc Việt", "0938 765 432", "quoc.viet@example.vn", clerk),
        _customer(13, "Hoàng Minh Châu", "0977 246 801", "minh.chau@example.vn", clerk),
        _customer(14, "Bùi Thanh Tâm", "0966 135 790", "thanh.tam@example.vn", clerk),
    ]
    (nhung, nhung_values), (viet, viet_values), (chau, chau_values), (tam, tam_values) = people
    database = connections["default"].settings_dict
    args, env = _psql_args(database)
    dump = tmp_path / "backup.dump"
    backup_time = timezone.localtime(timezone.now()).replace(microsecond=0)
    subprocess.run(
        ["pg_dump", *args, "--format=custom", f"--file={dump}", database["NAME"]],
        env=env,
        check=True,
    )
    # After the backup: three erasures — a request, a purge-like job, and one whose process
    # died between the commit and the journal's confirmation (its "committed" line is lost).
    erase_customers(customer_ids=[nhung.pk], actor=clerk, job="admin")
    erase_customers(customer_ids=[viet.pk, chau.pk], job="purge_expired")
    lines = _lines(journal_dir)
    assert sorted((line["customer"], line["event"]) for line in lines) == sorted(
        (pk, event) for pk in (nhung.pk, viet.pk, chau.pk) for event in ("pending", "committed")
    )
    for path in journal_dir.glob("erasures-*.jsonl"):
        kept = [
            line
            for line in path.read_text().splitlines()
            if not (json.loads(line)["customer"] == chau.pk and '"committed"' in line)
        ]
        path.write_text("".join(line + "\n" for line in kept))
    erased_values = nhung_values + viet_values + chau_values
    assert not find_values(erased_values)

    # The restore: everyone erased since the backup is back.
    connections.close_all()
    subprocess.run(
        ["pg_restore", *args, "--clean", "--if-exists", f"--dbname={database['NAME']}", str(dump)],
        env=env,
        check=True,
    )
    assert find_values(erased_values), "the restored backup brings the erased customers back"
    assert not ErasureReceipt.objects.exists()

    output = _replay(backup_time.strftime("%Y-%m-%dT%H:%M:%S"))
    assert _line(_("Erased again: %(count)d — %(ids)s"), [nhung.pk, viet.pk, chau.pk]) in output
    assert (
        _line(
            _(
                "Of them, journaled as pending only (the process may have stopped before "
                "confirming): %(count)d — %(ids)s"
            ),
            [chau.pk],
        )
        in output
    )
    assert find_values(erased_values) == []
    assert find_values([tam_values[0]]), "the customer never erased is intact"
    assert find_values(tam_values[1:2])
    assert Customer.objects.get(pk=tam.pk).full_name == "Bùi Thanh Tâm"
    receipts = set(ErasureReceipt.objects.values_list("customer_id", "job"))
    assert receipts == {(pk, JOB_ERASURE_REPLAY) for pk in (nhung.pk, viet.pk, chau.pk)}

    # Twice: nothing more.
    journal_before = _lines(journal_dir)
    output = _replay(backup_time.strftime("%Y-%m-%dT%H:%M:%S"))
    assert _line(_("Erased again: %(count)d — %(ids)s"), []) in output
    assert (
        _line(_("Already erased, skipped: %(count)d — %(ids)s"), [nhung.pk, viet.pk, chau.pk])
        in output
    )
    assert _lines(journal_dir) == journal_before
    assert set(ErasureReceipt.objects.values_list("customer_id", "job")) == receipts
    assert Customer.objects.get(pk=tam.pk).status == Customer.Status.ACTIVE


@pytest.mark.django_db
def test_replay_since_after_the_erasures_finds_nothing(journal_dir: Path) -> None:
    customer, _values = _customer(21, "Lý Gia Hân", "0981 470 258", "gia.han@example.vn", None)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        erase_customers(customer_ids=[customer.pk])
    later = timezone.localtime(timezone.now() - datetime.timedelta(days=1))
    output = _replay(later.date().isoformat())
    assert _line(_("Erased again: %(count)d — %(ids)s"), []) in output
    assert _line(_("Already erased, skipped: %(count)d — %(ids)s"), []) in output
