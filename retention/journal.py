"""The erasure journal: every erasure, written outside the database it protects.

A backup is where an erased customer survives: restoring last week's dump brings back everyone
erased since (seed 002 §7 keeps the data on backup servers; Law 91/2025 Art. 14(3)-(4): erased
data is protected against being restored). The journal outlives the restore, and
``manage.py erasure_replay --since <backup time>`` erases them again from it.

What an entry holds
    One JSON object per line: the customer's id, the receipt's id and time, the rule's id, the
    request's id and the job — what re-applying needs and what a report names. Nothing
    personal: no name, phone, email or the shop's own id (the shop's id is hashed by erasure).

Two entries per erasure, and why
    The erasure service writes a ``pending`` entry inside its transaction, once the rows are
    erased and the receipts written, and a ``committed`` entry once the transaction has
    committed (``transaction.on_commit``). A process that dies between the commit and the
    append leaves the ``pending`` entry alone; the replay re-applies it too. Reading the
    restored database's ErasureReceipt rows instead would not help: a backup taken before an
    erasure holds no receipt of it — that is the very loss the journal repairs. An entry that
    stays pending because its transaction rolled back names a customer the service had
    already decided to erase (the rule due or the request approved, no legal hold); the next
    run would have erased them. The replay erases it, through the same service (which checks
    the holds of the restored database again), and reports it apart ("unconfirmed").
    If the pending entry cannot be written, the erasure fails and rolls back: an erasure the
    journal does not know would come back with the next restore. A failed ``committed``
    entry is logged only: the pending one already covers it.

Where it is kept
    ``ERASURE_JOURNAL_URL``; ``file:///dir`` is a folder, possibly shared by every machine,
    with one file per day (UTC) and writing process, ``erasures-YYYY-MM-DD.<host>.<pid>.jsonl``,
    opened with O_APPEND and fsync'ed after each batch's lines (one ``write`` per batch).
    Another kind of store (an object store with append, or one object per batch) is one more
    class with ``append`` and ``entries``, chosen by the URL's scheme in ``journal_from_url``.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

PENDING = "pending"
COMMITTED = "committed"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class JournalEntry:
    event: str  # PENDING or COMMITTED
    customer_id: int
    receipt_id: int
    erased_at: datetime.datetime
    rule_id: int | None = None
    request_id: int | None = None
    job: str = ""

    def as_json(self) -> str:
        return json.dumps(
            {
                "v": FORMAT_VERSION,
                "event": self.event,
                "customer": self.customer_id,
                "receipt": self.receipt_id,
                "erased_at": self.erased_at.isoformat(),
                "rule": self.rule_id,
                "request": self.request_id,
                "job": self.job,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, line: str) -> JournalEntry:
        data = json.loads(line)
        return cls(
            event=data["event"],
            customer_id=int(data["customer"]),
            receipt_id=int(data["receipt"]),
            erased_at=datetime.datetime.fromisoformat(data["erased_at"]),
            rule_id=data.get("rule"),
            request_id=data.get("request"),
            job=data.get("job", ""),
        )


class ErasureJournal(Protocol):
    """Where erasures are written, append-only, and read back for a replay."""

    def append(self, entries: Sequence[JournalEntry]) -> None:
        """Write the entries durably (on disk, not in a buffer) before returning."""

    def entries(self, *, since: datetime.datetime) -> Iterator[JournalEntry]:
        """Every entry of an erasure at or after ``since`` (and possibly a few before)."""


class DirectoryJournal:
    """A folder of one JSON-lines file per day (UTC)."""

    PREFIX = "erasures-"
    SUFFIX = ".jsonl"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, day: datetime.date) -> Path:
        # One writer per file (this machine, this process): appends stay whole even on a
        # folder shared by several machines (NFS does not keep O_APPEND atomic across clients).
        writer = f"{socket.gethostname()}.{os.getpid()}"
        return self.directory / f"{self.PREFIX}{day.isoformat()}.{writer}{self.SUFFIX}"

    def append(self, entries: Sequence[JournalEntry]) -> None:
        if not entries:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(timezone.now().astimezone(datetime.UTC).date())
        created = not path.exists()
        data = "".join(entry.as_json() + "\n" for entry in entries).encode()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:  # the new file's name is durable only once its folder is synced
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def entries(self, *, since: datetime.datetime) -> Iterator[JournalEntry]:
        if not self.directory.is_dir():
            return
        # An entry is appended after its erasure's time, so it is in that day's file or later.
        first_day = since.astimezone(datetime.UTC).date().isoformat()
        for path in sorted(self.directory.glob(f"{self.PREFIX}*{self.SUFFIX}")):
            day = path.name.removeprefix(self.PREFIX)[:10]
            if day < first_day:
                continue
            with path.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, start=1):
                    if not line.strip():
                        continue
                    try:
                        entry = JournalEntry.from_json(line)
                    except (ValueError, KeyError, TypeError):
                        # A line cut short by a crash mid-write: the rest is still read.
                        logger.warning("erasure journal: %s line %d unreadable", path, number)
                        continue
                    if entry.erased_at >= since:
                        yield entry


def journal_from_url(url: str) -> ErasureJournal:
    parts = urlsplit(url)
    if parts.scheme == "file" and parts.netloc in ("", "localhost") and parts.path:
        return DirectoryJournal(Path(unquote(parts.path)))
    raise ImproperlyConfigured(
        f"ERASURE_JOURNAL_URL must name a folder as file:///absolute/path, not {url!r}"
    )


def erasure_journal() -> ErasureJournal:
    return journal_from_url(settings.ERASURE_JOURNAL_URL)


def journal_erasures(entries: Sequence[JournalEntry]) -> None:
    """Inside the erasure's transaction: the pending entries now, the committed ones once it
    commits. An error writing the pending entries propagates (the erasure rolls back)."""
    if not entries:
        return
    journal = erasure_journal()
    journal.append(entries)
    committed = [
        JournalEntry(**{**entry.__dict__, "event": COMMITTED})  # the same erasure, confirmed
        for entry in entries
    ]

    def confirm() -> None:
        try:
            journal.append(committed)
        except OSError as error:
            logger.error(
                "erasure journal: %d committed entries not written (%s); their pending "
                "entries stand for them",
                len(committed),
                type(error).__name__,
            )

    transaction.on_commit(confirm)


def entries_by_customer(entries: Iterator[JournalEntry]) -> dict[int, dict[str, Any]]:
    """customer id → {"confirmed": bool, "receipts": [ids]}, in the journal's order."""
    found: dict[int, dict[str, Any]] = {}
    for entry in entries:
        item = found.setdefault(entry.customer_id, {"confirmed": False, "receipts": []})
        if entry.receipt_id not in item["receipts"]:
            item["receipts"].append(entry.receipt_id)
        if entry.event == COMMITTED:
            item["confirmed"] = True
    return found
