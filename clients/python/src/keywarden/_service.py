"""Talking to Keywarden with the project's service key: one sync and one async httpx client,
made on first use (again in a forked child), and the answers read as the SDK needs them.

Anything but a 200 JSON object is `KeywardenError`, whose message names the status or the
transport error's kind, never a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from keywarden.verification import KeywardenError


class Unprocessable(KeywardenError):
    """The service refused the request itself (400, 413, 422): what was presented cannot be a key."""


class Service:
    def __init__(
        self,
        base_url: str,
        service_key: str,
        timeout: float,
        transport: httpx.BaseTransport | None,
        async_transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.base_url = base_url
        self._headers = {"authorization": f"Bearer {service_key}", "user-agent": "keywarden-python"}
        self._timeout = timeout
        self._transport = transport
        self._async_transport = async_transport
        self._client: httpx.Client | None = None
        self._async_client: httpx.AsyncClient | None = None

    def post(self, path: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        try:
            response = self._sync().post(path, json=payload)
        except httpx.HTTPError as error:
            raise _unreachable(error) from None
        return _body(response)

    async def apost(self, path: str, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(
                base_url=self.base_url, headers=self._headers, timeout=self._timeout, transport=self._async_transport
            )
        try:
            response = await self._async_client.post(path, json=payload)
        except httpx.HTTPError as error:
            raise _unreachable(error) from None
        return _body(response)

    def get(self, path: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        """The answer to a GET (checked to be a 200 JSON object), for its headers too."""
        try:
            response = self._sync().get(path, params=params)
        except httpx.HTTPError as error:
            raise _unreachable(error) from None
        _body(response)
        return response

    def forget_connections(self) -> None:
        """In a forked child: the parent's connections are not this process's to use (or close)."""
        self._client = None
        self._async_client = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        self.close()
        if self._async_client is not None:
            await self._async_client.aclose()
            self._async_client = None

    def _sync(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.base_url, headers=self._headers, timeout=self._timeout, transport=self._transport
            )
        return self._client


def _unreachable(error: httpx.HTTPError) -> KeywardenError:
    return KeywardenError(f"Keywarden could not be reached ({type(error).__name__})")


def _body(response: httpx.Response) -> Mapping[str, Any]:
    if response.status_code == 401:
        raise KeywardenError("Keywarden refused the service key (401): check KEYWARDEN_SERVICE_KEY")
    if response.status_code in (400, 413, 422):
        raise Unprocessable(f"Keywarden refused the request ({response.status_code})")
    if response.status_code != 200:
        raise KeywardenError(f"Keywarden answered {response.status_code} to {response.request.url.path}")
    try:
        body = response.json()
    except ValueError:
        raise KeywardenError("Keywarden's answer was not JSON") from None
    if not isinstance(body, dict):
        raise KeywardenError("Keywarden's answer was not a JSON object")
    return body
