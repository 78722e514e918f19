"""Types shared by the operations' schemas."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, Field


def _storable(value: str) -> str:
    """Text a database can keep: no NUL character, no lone surrogate."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("not valid Unicode text") from error
    return value


def Text(max_length: int, min_length: int = 0) -> type[str]:  # reads as a type
    return Annotated[  # type: ignore[return-value]  # an annotated str
        str, Field(max_length=max_length, min_length=min_length), AfterValidator(_storable)
    ]


class FieldError(Schema):
    field: str
    message: str
    code: str


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


PROBLEMS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404, 409, 422, 429), Problem)


def given_fields(payload: Schema, *, exclude: set[str]) -> dict[str, Any]:
    """The fields the caller sent with a value: one left out (or null) is not changed."""
    values = payload.dict(exclude_unset=True, exclude=exclude)
    return {name: value for name, value in values.items() if value is not None}
