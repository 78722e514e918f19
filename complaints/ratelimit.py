"""A small limit on how often one address may post the public forms (the complaint form, the
status lookup): enough to stop a script filling the complaint table or guessing tracking codes,
never in a person's way. The complaint form counts what it accepts (a customer who mistypes is
not locked out) and, apart, every try, with a limit high enough for people and low enough to
stop a script.

Counted in fixed windows, in the shared cache (settings.CACHES: Redis on several
machines). The address is keyed through an HMAC, so the cache holds no IP address.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from customers.http import client_ip


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (for the Retry-After header)


def parse_rate(text: str) -> Rate:
    """ "5/3600" → 5 attempts per 3600 seconds."""
    count, _, seconds = (text or "").partition("/")
    try:
        rate = Rate(int(count), int(seconds))
    except ValueError as error:
        raise ValueError(f"a rate is written 'attempts/seconds', not {text!r}") from error
    if rate.limit < 1 or rate.seconds < 1:
        raise ValueError(f"a rate needs at least 1 attempt and 1 second, not {text!r}")
    return rate


def _who(request: HttpRequest) -> str:
    """The client's address, keyed (the cache holds no IP address)."""
    address = client_ip(request) or "unknown"
    return salted_hmac("complaints.ratelimit", address).hexdigest()[:32]


def _key(who: str, scope: str, rate: Rate, now: float) -> tuple[str, int]:
    """The cache key of the client's count in the current window, and the seconds left in it."""
    window = int(now // rate.seconds)
    retry_after = max(1, int((window + 1) * rate.seconds - now))
    return f"ratelimit:{scope}:{who}:{window}", retry_after


def hit(request: HttpRequest, *, scope: str, rate_setting: str) -> Verdict:
    """Count one attempt of the client at `scope`; allowed while within the rate named by the
    setting (e.g. COMPLAINT_SUBMIT_RATE = "5/3600")."""
    rate = parse_rate(getattr(settings, rate_setting))
    key, retry_after = _key(_who(request), scope, rate, time.time())
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        count = _count_in_redis(cache, key, rate.seconds)
    else:
        count = _count_in_cache(cache, key, rate.seconds)
    return Verdict(allowed=count <= rate.limit, retry_after=retry_after)


@dataclass
class Reservation:
    """A POST of the complaint form counted at both limits at once: every try, and — ahead of
    knowing — as accepted. A POST that ends up not accepted (refused, invalid, a script) gives
    its place back with release(), so that a customer who mistypes is never locked out."""

    tries: Verdict
    accepted: Verdict
    accepted_key: str

    def release(self) -> None:
        # ValueError: its window ended meanwhile, and there is nothing to give back.
        with contextlib.suppress(ValueError):
            caches["default"].decr(self.accepted_key)


def reserve(
    request: HttpRequest, *, tries: tuple[str, str], accepted: tuple[str, str]
) -> Reservation:
    """Count one try at ``tries`` and one acceptance at ``accepted`` — each a (scope, rate
    setting) pair — in one round trip to Redis."""
    who, now = _who(request), time.time()
    try_rate = parse_rate(getattr(settings, tries[1]))
    accept_rate = parse_rate(getattr(settings, accepted[1]))
    try_key, try_retry = _key(who, tries[0], try_rate, now)
    accept_key, accept_retry = _key(who, accepted[0], accept_rate, now)
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        try_count, accept_count = _count_two_in_redis(
            cache, (try_key, try_rate.seconds), (accept_key, accept_rate.seconds)
        )
    else:
        try_count = _count_in_cache(cache, try_key, try_rate.seconds)
        accept_count = _count_in_cache(cache, accept_key, accept_rate.seconds)
    return Reservation(
        tries=Verdict(allowed=try_count <= try_rate.limit, retry_after=try_retry),
        accepted=Verdict(allowed=accept_count <= accept_rate.limit, retry_after=accept_retry),
        accepted_key=accept_key,
    )


# Each counter created with its window's expiry when new, then counted; both in one call.
_COUNT_TWO = """
redis.call('SET', KEYS[1], 0, 'NX', 'EX', ARGV[1])
redis.call('SET', KEYS[2], 0, 'NX', 'EX', ARGV[2])
return {redis.call('INCR', KEYS[1]), redis.call('INCR', KEYS[2])}
"""


def _count_two_in_redis(
    cache: RedisCache, first: tuple[str, int], second: tuple[str, int]
) -> tuple[int, int]:
    keys = [cache.make_and_validate_key(first[0]), cache.make_and_validate_key(second[0])]
    client = cache._cache.get_client(keys[0], write=True)
    global _count_two_script
    if _count_two_script is None:  # its SHA computed once; EVALSHA, or EVAL when Redis lacks it
        _count_two_script = client.register_script(_COUNT_TWO)
    one, two = _count_two_script(keys=keys, args=[first[1], second[1]], client=client)
    return int(one), int(two)


_count_two_script: Any = None


def _count_in_redis(cache: RedisCache, key: str, seconds: int) -> int:
    """The window's counter created with its expiry when new, then counted: one round trip,
    atomic (MULTI/EXEC), where Django's add() and incr() take three (incr asks EXISTS first)."""
    redis_key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(redis_key, write=True)
    pipe = client.pipeline(transaction=True)
    pipe.set(redis_key, 0, nx=True, ex=seconds)
    pipe.incr(redis_key)
    return int(pipe.execute()[-1])


def _count_in_cache(cache: BaseCache, key: str, seconds: int) -> int:
    """add() then incr(): two requests at once both count. The key names its window, so the
    count never outlives it; touch() keeps its expiry on backends whose incr() resets it
    (Django's file cache)."""
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=seconds)
        count = 1
    cache.touch(key, timeout=seconds)
    return count
