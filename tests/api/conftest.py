from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from api import services
from api.models import Scope


class ApiClient:
    """The test client with a key in the Authorization header, JSON in and out."""

    def __init__(self, client: Client, key: str | None) -> None:
        self.client, self.key = client, key

    def _headers(self, language: str) -> dict[str, str]:
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if self.key:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.key}"
        return headers

    def get(self, path: str, language: str = "vi", **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self._headers(language))

    def put(self, path: str, body: Any, language: str = "vi") -> Any:
        return self.client.put(
            f"/api/v1{path}", body, content_type="application/json", **self._headers(language)
        )

    def post(self, path: str, body: Any, language: str = "vi") -> Any:
        return self.client.post(
            f"/api/v1{path}", body, content_type="application/json", **self._headers(language)
        )


@pytest.fixture
def make_key(db, superuser) -> Callable[..., tuple[Any, str]]:
    def make(name: str = "Website checkout", scopes: list[str] | None = None, **kw: Any):
        return services.api_key_create(
            name=name, scopes=scopes or list(Scope.values), actor=superuser, **kw
        )

    return make


@pytest.fixture
def api(client: Client, make_key) -> ApiClient:
    _key, secret = make_key()
    return ApiClient(client, secret)
