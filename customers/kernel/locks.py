"""A lock so that two runs of a scheduled job never overlap, on a cache shared by web, worker
and beat (Celery's guide: `cache.add(key, ..., timeout)`).

The lock expires by itself after `timeout` (longer than the job's hard time limit). Its holder
also keeps a short-lived heartbeat key alive between batches: a worker killed mid-run (SIGKILL,
power loss) stops beating, and the next run takes the lock over instead of waiting for the long
timeout. Taking over is itself decided by `cache.add`, so only one contender wins.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

logger = logging.getLogger(__name__)

KEY_PREFIX = "pdpdesk:lock:"


class AtomicAddFileBasedCache(FileBasedCache):
    """Django's file cache, whose add() checks and writes under an exclusive file lock, so that
    two processes on one machine cannot both add the same key (Django's own add() is a
    has_key() then a set(): two processes can both win it). Its directory is created on the first
    write, not when the settings are checked: a read-only production image never writes there."""

    def __init__(self, dir: str, params: dict[str, Any]) -> None:  # Django's parameter name
        BaseCache.__init__(self, params)
        self._dir = os.path.abspath(dir)

    def add(
        self,
        key: str,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        self._createdir()  # type: ignore[attr-defined]  # FileBasedCache's own helper
        with open(os.path.join(self._dir, ".add.lock"), "ab") as guard:
            locks.lock(guard, locks.LOCK_EX)
            try:
                return bool(super().add(key, value, timeout, version))
            finally:
                locks.unlock(guard)


def _cache() -> Any:
    return caches[getattr(settings, "RETENTION_LOCK_CACHE", "default")]


def heartbeat_seconds() -> int:
    return int(getattr(settings, "RETENTION_LOCK_HEARTBEAT_SECONDS", 600))


@dataclass
class JobLock:
    """A held lock. `beat()` between batches tells contenders that its holder is alive."""

    name: str
    token: str
    timeout: int
    took_over: bool = False

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.name}"

    def beat(self) -> None:
        _cache().set(_alive_key(self.name, self.token), True, heartbeat_seconds())

    def release(self) -> None:
        cache = _cache()
        if cache.get(self.key) == self.token:
            cache.delete(self.key)
        cache.delete(_alive_key(self.name, self.token))


def _alive_key(name: str, token: str) -> str:
    return f"{KEY_PREFIX}{name}:alive:{token}"


def lock_acquire(name: str, *, timeout: int) -> JobLock | None:
    """The lock named `name`, or None while a live run holds it."""
    cache = _cache()
    lock = JobLock(name=name, token=uuid.uuid4().hex, timeout=timeout)
    # Alive before it is held: a contender never sees the lock without its heartbeat.
    lock.beat()
    if cache.add(lock.key, lock.token, timeout):
        return lock
    holder = cache.get(lock.key)
    if holder is None:  # released or expired in between
        if cache.add(lock.key, lock.token, timeout):
            return lock
        holder = cache.get(lock.key)
    if holder is None or cache.get(_alive_key(name, holder)):
        cache.delete(_alive_key(name, lock.token))
        return None
    # The holder stopped beating: its process is gone. One contender takes over.
    if not cache.add(f"{KEY_PREFIX}{name}:takeover:{holder}", lock.token, timeout):
        cache.delete(_alive_key(name, lock.token))
        return None
    cache.set(lock.key, lock.token, timeout)
    lock.took_over = True
    logger.warning("lock %s: the previous holder stopped beating; taken over", name)
    return lock


@contextmanager
def job_lock(name: str, *, timeout: int) -> Iterator[JobLock | None]:
    """`with job_lock("purge_expired", timeout=...) as lock:` — lock is None when another run
    holds it (skip the run); released on the way out, whatever happens."""
    lock = lock_acquire(name, timeout=timeout)
    try:
        yield lock
    finally:
        if lock is not None:
            lock.release()
