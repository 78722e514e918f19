"""Text messages (SMS), through a sender chosen by settings, as Django chooses an email backend.

``SMS_BACKEND`` names the sender's class (dotted path); ``SMS_OPTIONS`` (a dict) is passed to
it as keyword arguments. Shipped senders:

- ``customers.kernel.sms.ConsoleSender`` (the default): prints each message on the standard
  output of the process that sends it (the Celery worker under ``make run``). Development only:
  the output carries the phone number.
- ``customers.kernel.sms.FileSender``: appends each message as one JSON line to
  ``SMS_OPTIONS["path"]`` (``{"to": …, "text": …, "at": …}``): a test or a demo reads it back.
- ``customers.kernel.sms.MemorySender``: keeps the messages in ``customers.kernel.sms.outbox``
  (the test settings' sender, as Django's memory email backend).

A real gateway is a class with ``__init__(**options)`` and ``send(*, to, text)``: ``to`` is
the number in E.164 form (+84…), ``text`` the message (plain text, Vietnamese with its accents:
send it as Unicode/UCS-2 where the gateway asks). ``send`` returns when the gateway accepted the
message and raises ``SmsError`` (or ``OSError`` for a network failure, which the tasks retry)
when it did not — it never fails silently. Put the gateway's key in SMS_OPTIONS from the
environment, never in code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Protocol

import phonenumbers
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from customers.validators import parse_phone


class SmsError(Exception):
    """The gateway refused the message."""


class Sender(Protocol):
    def send(self, *, to: str, text: str) -> None: ...


class ConsoleSender:
    def __init__(self, **_options: Any) -> None:
        pass

    def send(self, *, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()


class FileSender:
    def __init__(self, *, path: str | Path, **_options: Any) -> None:
        self.path = Path(path)

    def send(self, *, to: str, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"to": to, "text": text, "at": timezone.now().isoformat()}, ensure_ascii=False
        )
        with self.path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")


outbox: list[dict[str, str]] = []


class MemorySender:
    def __init__(self, **_options: Any) -> None:
        pass

    def send(self, *, to: str, text: str) -> None:
        outbox.append({"to": to, "text": text})


def sms_send(*, to: str, text: str) -> None:
    """Send one text message to a Vietnamese or international number, through SMS_BACKEND."""
    number = parse_phone(to)
    if number is None:
        raise SmsError("not a phone number")
    backend = getattr(settings, "SMS_BACKEND", "customers.kernel.sms.ConsoleSender")
    sender: Sender = import_string(backend)(**getattr(settings, "SMS_OPTIONS", {}))
    sender.send(
        to=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), text=text
    )
