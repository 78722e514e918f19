"""Key material and the lookup the API does on every call.

A key reads ``pdp_<prefix>_<secret>``: the prefix finds the row, the SHA-256 of the whole key is
compared in constant time. The secret is 32 random bytes, so a fast hash is enough (a password
hash is for guessable secrets). A warm process answers from memory: the known keys are kept per
process and reloaded when a key changes (a generation number in the shared cache) or after
``REFRESH`` seconds, so a call costs no database query for its key."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

PREFIX = "pdp"
GENERATION_KEY = "api-keys:generation"
REFRESH = 300.0
TOUCH_EVERY = 60.0


@dataclass(frozen=True)
class KnownKey:
    id: int
    name: str
    user_id: int
    secret_hash: str
    scopes: frozenset[str]
    rate_limit_per_minute: int


def new_key() -> tuple[str, str, str]:
    """(the full key to show once, its prefix, the hash to store)."""
    prefix = secrets.token_hex(4)
    key = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1]


class _Known:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, KnownKey] = {}
        self._users: dict[int, Any] = {}
        self._touched: dict[int, float] = {}
        self._generation: object = None
        self._loaded_at = 0.0

    def user(self, known: KnownKey) -> Any:
        """The key's user, with its permissions already read (has_perm asks no query)."""
        return self._users[known.user_id]

    def touch(self, known: KnownKey) -> None:
        """Record the key's last use, at most once a minute per process."""
        from api.models import ApiKey

        now = time.monotonic()
        if now - self._touched.get(known.id, -TOUCH_EVERY) < TOUCH_EVERY:
            return
        self._touched[known.id] = now
        ApiKey.objects.filter(pk=known.id).update(last_used_at=timezone.now())

    def get(self, prefix: str) -> KnownKey | None:
        generation = cache.get(GENERATION_KEY, 0)
        if generation != self._generation or time.monotonic() - self._loaded_at > REFRESH:
            self._load(generation)
        return self._keys.get(prefix)

    def _load(self, generation: object) -> None:
        from api.models import ApiKey

        rows = ApiKey.objects.filter(revoked_at__isnull=True, user__is_active=True).values_list(
            "id", "name", "user_id", "prefix", "secret_hash", "scopes", "rate_limit_per_minute"
        )
        keys = {
            prefix: KnownKey(pk, name, user_id, secret_hash, frozenset(scopes), rate)
            for pk, name, user_id, prefix, secret_hash, scopes, rate in rows
        }
        users = {
            user.pk: user
            for user in get_user_model().objects.filter(pk__in=[k.user_id for k in keys.values()])
        }
        for user in users.values():
            user.get_all_permissions()  # fills the user's permission cache
        with self._lock:
            self._keys, self._users = keys, users
            self._generation, self._loaded_at = generation, time.monotonic()


KNOWN = _Known()


def changed() -> None:
    """Tell every process that keys changed (created, revoked): they reload before the next call."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)


def authenticate(key: str) -> KnownKey | None:
    prefix = prefix_of(key.strip())
    if prefix is None:
        return None
    known = KNOWN.get(prefix)
    if known is None or not hmac.compare_digest(known.secret_hash, hash_key(key.strip())):
        return None
    return known


def over_rate_limit(known: KnownKey) -> int:
    """Seconds to wait when the key has used up this minute's calls; 0 otherwise."""
    window = int(time.time() // 60)
    counter = f"api-rate:{known.id}:{window}"
    if cache.add(counter, 1, timeout=70):
        count = 1
    else:
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.add(counter, 1, timeout=70)
            count = 1
    if count > known.rate_limit_per_minute:
        return 60 - int(time.time()) % 60
    return 0
