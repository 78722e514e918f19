"""A small limit on how often one address may post the public forms (the complaint form, the
status lookup): enough to stop a script filling the complaint table or guessing tracking codes,
never in a person's way. The complaint form counts what it accepts (a customer who mistypes is
not locked out) and, apart, every try, with a limit high enough for people and low enough to
stop a script.

Counted in fixed windows, in the shared cache (settings.CACHES: Redis on several
machines). The address is keyed through an HMAC, so the cache holds no IP address.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

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


def _key(request: HttpRequest, scope: str, rate: Rate, now: float) -> tuple[str, int]:
    """The cache key of the client's count in the current window, and the seconds left in it."""
    window = int(now // rate.seconds)
    retry_after = max(1, int((window + 1) * rate.seconds - now))
    address = client_ip(request) or "unknown"
    who = salted_hmac("complaints.ratelimit", address).hexdigest()[:32]
    return f"ratelimit:{scope}:{who}:{window}", retry_after


def hit(request: HttpRequest, *, scope: str, rate_setting: str) -> Verdict:
    """Count one attempt of the client at `scope`; allowed while within the rate named by the
    setting (e.g. COMPLAINT_SUBMIT_RATE = "5/3600")."""
    rate = parse_rate(getattr(settings, rate_setting))
    key, retry_after = _key(request, scope, rate, time.time())
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        count = _count_in_redis(cache, key, rate.seconds)
    else:
        count = _count_in_cache(cache, key, rate.seconds)
    return Verdict(allowed=count <= rate.limit, retry_after=retry_after)


def peek(request: HttpRequest, *, scope: str, rate_setting: str) -> Verdict:
    """Whether one more may be counted at `scope` now, counting nothing (hit() counts it once it
    is done)."""
    rate = parse_rate(getattr(settings, rate_setting))
    key, retry_after = _key(request, scope, rate, time.time())
    count = int(caches["default"].get(key) or 0)
    return Verdict(allowed=count < rate.limit, retry_after=retry_after)


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
