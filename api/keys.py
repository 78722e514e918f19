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
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer
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
        self._touched: dict[str, float] = {}
        self._generation: object = None
        self._loaded_at = 0.0

    def user(self, known: KnownKey) -> Any:
        """The key's user, with its permissions already read (has_perm asks no query)."""
        return self._users[known.user_id]

    def touch(self, known: KnownKey) -> None:
        """Record the key's last use, at most once a minute per process."""
        from api.models import ApiKey

        now = time.monotonic()
        if now - self._touched.get(known.secret_hash, -TOUCH_EVERY) < TOUCH_EVERY:
            return
        self._touched[known.secret_hash] = now  # not the id: SQLite reuses a deleted key's
        ApiKey.objects.filter(pk=known.id).update(last_used_at=timezone.now())

    def get(self, prefix: str) -> KnownKey | None:
        self.refresh(cache.get(GENERATION_KEY, 0))
        return self._keys.get(prefix)

    def cached(self, prefix: str) -> KnownKey | None:
        """The key as this process knows it, without asking whether keys changed."""
        return self._keys.get(prefix)

    def refresh(self, generation: object) -> bool:
        """Reload when keys changed elsewhere (``generation``) or the copy is old; True if so."""
        if generation != self._generation or time.monotonic() - self._loaded_at > REFRESH:
            self._load(generation)
            return True
        return False

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


def _matches(known: KnownKey | None, key: str) -> KnownKey | None:
    if known is None or not hmac.compare_digest(known.secret_hash, hash_key(key)):
        return None
    return known


def authenticate(key: str) -> KnownKey | None:
    prefix = prefix_of(key.strip())
    if prefix is None:
        return None
    return _matches(KNOWN.get(prefix), key.strip())


def authenticate_and_count(key: str) -> tuple[KnownKey | None, int]:
    """The key, and the seconds to wait when it has used up this minute's calls (0 otherwise).

    On Redis, a warm process asks once: whether keys changed and this call's count go in one
    pipeline (the count is for the key this process knows; should keys have changed, and this
    one with them, it is counted again after the reload). Elsewhere: authenticate, then count."""
    key = key.strip()
    prefix = prefix_of(key)
    if prefix is None:
        return None, 0
    known = _matches(KNOWN.cached(prefix), key)
    shared = caches["default"]
    if known is None or not isinstance(shared, RedisCache):
        known = authenticate(key)
        return known, (over_rate_limit(known) if known is not None else 0)
    generation, count = _generation_and_count(shared, known)
    if KNOWN.refresh(generation):
        reloaded = _matches(KNOWN.cached(prefix), key)
        if reloaded is None:
            return None, 0  # revoked meanwhile
        if reloaded != known:
            return reloaded, over_rate_limit(reloaded)
    return known, _wait(known, count)


def _counter(known: KnownKey) -> str:
    # With the key's hash too: SQLite gives a deleted key's id to the next one.
    return f"api-rate:{known.id}:{known.secret_hash[:12]}:{int(time.time() // 60)}"


def _wait(known: KnownKey, count: int) -> int:
    if count > known.rate_limit_per_minute:
        return 60 - int(time.time()) % 60
    return 0


_clients: dict[int, tuple[Any, Any]] = {}


def _client(redis: RedisCache) -> Any:
    """The Redis client of the cache's write pool, made once per process (Django makes one per
    call, filling its table of ~170 response callbacks each time)."""
    pool = redis._cache._get_connection_pool(write=True)  # type: ignore[attr-defined]  # private in django-stubs, public-shaped in Django
    known = _clients.get(id(pool))
    if known is None or known[0] is not pool:
        known = _clients[id(pool)] = (pool, redis._cache.get_client(write=True))
    return known[1]


def _generation_and_count(redis: RedisCache, known: KnownKey) -> tuple[object, int]:
    """GET of the keys' generation, and the minute's counter created with its expiry when new,
    then counted (MULTI/EXEC): one round trip where Django's get(), add() and incr() take four."""
    generation_key = redis.make_and_validate_key(GENERATION_KEY)
    counter_key = redis.make_and_validate_key(_counter(known))
    pipe = _client(redis).pipeline(transaction=True)
    pipe.get(generation_key)
    pipe.set(counter_key, 0, nx=True, ex=70)
    pipe.incr(counter_key)
    raw, _created, count = pipe.execute()
    generation = 0 if raw is None else RedisSerializer().loads(raw)  # as cache.get() reads it
    return generation, int(count)


def over_rate_limit(known: KnownKey) -> int:
    """Seconds to wait when the key has used up this minute's calls; 0 otherwise."""
    counter = _counter(known)
    shared = caches["default"]
    if isinstance(shared, RedisCache):
        redis_key = shared.make_and_validate_key(counter)
        pipe = _client(shared).pipeline(transaction=True)
        pipe.set(redis_key, 0, nx=True, ex=70)
        pipe.incr(redis_key)
        return _wait(known, int(pipe.execute()[-1]))
    if cache.add(counter, 1, timeout=70):
        count = 1
    else:
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.add(counter, 1, timeout=70)
            count = 1
    return _wait(known, count)
