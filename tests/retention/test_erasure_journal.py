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

from customers import roles, services
from customers.kernel.text import fold_vietnamese
from customers.models import Customer
from retention import services as retention_services
from retention.erasure import erase_customers
from retention.journal import COMMITTED, DirectoryJournal, JournalEntry
from retention.management.commands.erasure_replay import parse_since
from retention.models import JOB_ERASURE_REPLAY, ErasureReceipt, LegalHold
from tests.factories import StaffFactory
from tests.helpers_processes import MANAGE, clean_env, database_url, run_in_project
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


# A copy for staging -------------------------------------------------------------------------


@pytest.fixture
def copy_database(require_postgres: None, tmp_path: Path) -> Any:
    """A second database holding a real copy (pg_dump | pg_restore) of the test database."""
    database = connections["default"].settings_dict
    args, env = _psql_args(database)
    name = f"{database['NAME']}_copy"
    psql = ["psql", *args, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c"]
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{name}"'], env=env, check=True)
    subprocess.run([*psql, f'CREATE DATABASE "{name}"'], env=env, check=True)

    def copy() -> None:
        dump = tmp_path / "production.dump"
        subprocess.run(
            ["pg_dump", *args, "--format=custom", f"--file={dump}", database["NAME"]],
            env=env,
            check=True,
        )
        subprocess.run(["pg_restore", *args, f"--dbname={name}", str(dump)], env=env, check=True)

    url = (
        f"postgres://{database.get('USER') or 'postgres'}@{database.get('HOST') or '127.0.0.1'}"
        f":{database.get('PORT') or 5432}/{name}"
    )
    yield {"name": name, "url": url, "copy": copy, "psql": psql, "env": env, "args": args}
    subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{name}"'], env=env, check=True)


def _copy_text(copy_database: dict[str, Any]) -> str:
    """Every row of every table of the copy, as pg_dump writes them out."""
    return subprocess.run(
        ["pg_dump", *copy_database["args"], "--data-only", copy_database["name"]],
        env=copy_database["env"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_copy_marked_for_staging_keeps_no_one_and_stays_consistent(
    copy_database: dict[str, Any], journal_dir: Path
) -> None:
    clerk = StaffFactory(username="cskh-copy")
    people = [
        _customer(31, "Nguyễn Thị Hồng Nhung", "0909 123 457", "hong.nhung@example.vn", clerk),
        _customer(32, "Đặng Quốc Việt", "0938 765 432", "quoc.viet@example.vn", clerk),
    ]
    copy_database["copy"]()

    # As an operator runs it: another process, whose own database is this test's.
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(connections["default"].settings_dict),
        PDPDESK_VAR_DIR=str(journal_dir.parent / "var"),
    )

    def anonymize(url: str) -> subprocess.CompletedProcess[str]:
        return run_in_project(MANAGE, "anonymize_copy", "--database-url", url, env=env)

    refused = anonymize(copy_database["url"])
    assert refused.returncode != 0 and "pdpdesk-copy" in refused.stderr
    assert "Traceback" not in refused.stderr, "a message, not a crash"
    assert "Hồng Nhung" in _copy_text(copy_database), "refused: the copy is untouched"
    itself = anonymize(database_url(connections["default"].settings_dict))
    assert itself.returncode != 0, "the database the process runs on is never a copy"
    assert "Traceback" not in itself.stderr

    subprocess.run(
        [
            *copy_database["psql"],
            f"""COMMENT ON DATABASE "{copy_database["name"]}" IS 'pdpdesk-copy'""",
        ],
        env=copy_database["env"],
        check=True,
    )
    done = anonymize(copy_database["url"])
    assert done.returncode == 0, done.stderr
    text = _copy_text(copy_database)
    for _customer_obj, values in people:
        for value in values:
            assert value not in text and value.lower() not in text.lower(), value
    # The production database itself is untouched.
    assert find_values(people[0][1][:1])

    # One fake phone everywhere: the customer, their address, their order and their history.
    pk = people[0][0].pk
    sql = (
        "SELECT (SELECT phone FROM customers_customer WHERE id = :pk),"
        " (SELECT string_agg(DISTINCT phone, ',') FROM customers_historicalcustomer"
        "  WHERE id = :pk AND phone <> ''),"
        " (SELECT string_agg(DISTINCT phone, ',') FROM customers_deliveryaddress"
        "  WHERE customer_id = :pk),"
        " (SELECT string_agg(DISTINCT delivery_phone, ',') FROM customers_order"
        "  WHERE customer_id = :pk),"
        " (SELECT full_name FROM customers_customer WHERE id = :pk),"
        " (SELECT name_folded FROM customers_customer WHERE id = :pk);"
    )
    row = subprocess.run(
        [
            "psql",
            *copy_database["args"],
            "-d",
            copy_database["name"],
            "-At",
            "-F",
            "|",
            "-v",
            f"pk={pk}",
        ],
        input=sql,
        env=copy_database["env"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    phone, history_phone, address_phone, order_phone, name, folded = row.split("|")
    assert phone.startswith("+84") and len(phone) == 12
    assert phone == history_phone == address_phone == order_phone
    assert len(name.split()) >= 3 and name != "Nguyễn Thị Hồng Nhung"
    assert folded == fold_vietnamese(name)


@pytest.mark.django_db
def test_replay_stops_on_a_hold_the_restored_database_still_has(journal_dir: Path) -> None:
    """Erased after the backup means the hold was lifted since: staff must see it, not a
    silent survivor."""
    legal = StaffFactory(username="phap-che-journal")
    legal.groups.add(roles.group_for(roles.LEGAL_COMPLIANCE))
    customer, _values = _customer(41, "Tạ Thu Trang", "0935 864 200", "thu.trang@example.vn", None)
    retention_services.legal_hold_place(
        customer=customer,
        actor=legal,
        reason=LegalHold.Reason.INVESTIGATION,
        reference="45/QĐ-CSĐT",
    )
    # What the journal says happened after the backup (the hold lifted, the customer erased).
    DirectoryJournal(journal_dir).append(
        [JournalEntry(COMMITTED, customer.pk, 9001, timezone.now(), None, None, "admin")]
    )
    since = timezone.localtime(timezone.now() - datetime.timedelta(hours=1))
    with pytest.raises(CommandError, match=f"#{customer.pk}"):
        _replay(since.strftime("%Y-%m-%dT%H:%M"))
    customer.refresh_from_db()
    assert customer.status != Customer.Status.ERASED
    assert customer.full_name == "Tạ Thu Trang"
