from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.key import Key
from ...models.key_update import KeyUpdate
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    pid: str,
    key_id: str,
    *,
    body: KeyUpdate | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/projects/{pid}/keys/{key_id}".format(
            pid=quote(str(pid), safe=""),
            key_id=quote(str(key_id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Key | Problem | None:
    if response.status_code == 200:
        response_200 = Key.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Key | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    pid: str,
    key_id: str,
    *,
    client: AuthenticatedClient,
    body: KeyUpdate | Unset = UNSET,
) -> Response[Key | Problem]:
    """Changes `name`, `description`, `expires_at`, `ratelimits`, `credits`, `enabled` or

    Args:
        pid (str):
        key_id (str):
        body (KeyUpdate | Unset): `expires_at: null` removes the expiry. `ratelimits` replaces the
            key's own rate limits
                (`[]`: none); `credits` replaces its credits and sets the balance to `remaining`
            (`null`:
                unlimited). `enabled: false` disables the key (DISABLED, until enabled again);
            `ip_allowlist`
                replaces its allowlist (`[]` or null: anywhere). Every other field of a key is
            immutable.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Key | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        key_id=key_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    pid: str,
    key_id: str,
    *,
    client: AuthenticatedClient,
    body: KeyUpdate | Unset = UNSET,
) -> Key | Problem | None:
    """Changes `name`, `description`, `expires_at`, `ratelimits`, `credits`, `enabled` or

    Args:
        pid (str):
        key_id (str):
        body (KeyUpdate | Unset): `expires_at: null` removes the expiry. `ratelimits` replaces the
            key's own rate limits
                (`[]`: none); `credits` replaces its credits and sets the balance to `remaining`
            (`null`:
                unlimited). `enabled: false` disables the key (DISABLED, until enabled again);
            `ip_allowlist`
                replaces its allowlist (`[]` or null: anywhere). Every other field of a key is
            immutable.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Key | Problem
    """

    return sync_detailed(
        pid=pid,
        key_id=key_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    pid: str,
    key_id: str,
    *,
    client: AuthenticatedClient,
    body: KeyUpdate | Unset = UNSET,
) -> Response[Key | Problem]:
    """Changes `name`, `description`, `expires_at`, `ratelimits`, `credits`, `enabled` or

    Args:
        pid (str):
        key_id (str):
        body (KeyUpdate | Unset): `expires_at: null` removes the expiry. `ratelimits` replaces the
            key's own rate limits
                (`[]`: none); `credits` replaces its credits and sets the balance to `remaining`
            (`null`:
                unlimited). `enabled: false` disables the key (DISABLED, until enabled again);
            `ip_allowlist`
                replaces its allowlist (`[]` or null: anywhere). Every other field of a key is
            immutable.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Key | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        key_id=key_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    pid: str,
    key_id: str,
    *,
    client: AuthenticatedClient,
    body: KeyUpdate | Unset = UNSET,
) -> Key | Problem | None:
    """Changes `name`, `description`, `expires_at`, `ratelimits`, `credits`, `enabled` or

    Args:
        pid (str):
        key_id (str):
        body (KeyUpdate | Unset): `expires_at: null` removes the expiry. `ratelimits` replaces the
            key's own rate limits
                (`[]`: none); `credits` replaces its credits and sets the balance to `remaining`
            (`null`:
                unlimited). `enabled: false` disables the key (DISABLED, until enabled again);
            `ip_allowlist`
                replaces its allowlist (`[]` or null: anywhere). Every other field of a key is
            immutable.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Key | Problem
    """

    return (
        await asyncio_detailed(
            pid=pid,
            key_id=key_id,
            client=client,
            body=body,
        )
    ).parsed
