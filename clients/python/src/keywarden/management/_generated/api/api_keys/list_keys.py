from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_keys_status import ListKeysStatus
from ...models.list_keys_type import ListKeysType
from ...models.page_key import PageKey
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    pid: str,
    *,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    owner_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
    status: ListKeysStatus | Unset = UNSET,
    type_: ListKeysType | Unset = UNSET,
    unused_days: int | Unset = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["owner_id"] = owner_id

    params["identity_id"] = identity_id

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    json_type_: str | Unset = UNSET
    if not isinstance(type_, Unset):
        json_type_ = type_.value

    params["type"] = json_type_

    params["unused_days"] = unused_days

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/projects/{pid}/keys".format(
            pid=quote(str(pid), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PageKey | Problem | None:
    if response.status_code == 200:
        response_200 = PageKey.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PageKey | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    pid: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    owner_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
    status: ListKeysStatus | Unset = UNSET,
    type_: ListKeysType | Unset = UNSET,
    unused_days: int | Unset = UNSET,
) -> Response[PageKey | Problem]:
    """Owners and admins see every key; editors and developers see their own (another's: 403).

    Args:
        pid (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        owner_id (str | Unset):
        identity_id (str | Unset):
        status (ListKeysStatus | Unset):
        type_ (ListKeysType | Unset):
        unused_days (int | Unset): Only keys with no valid verification in the last N days, never-
            used keys included (`last_used_at` is set by the usage rollup).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageKey | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        limit=limit,
        cursor=cursor,
        owner_id=owner_id,
        identity_id=identity_id,
        status=status,
        type_=type_,
        unused_days=unused_days,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    pid: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    owner_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
    status: ListKeysStatus | Unset = UNSET,
    type_: ListKeysType | Unset = UNSET,
    unused_days: int | Unset = UNSET,
) -> PageKey | Problem | None:
    """Owners and admins see every key; editors and developers see their own (another's: 403).

    Args:
        pid (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        owner_id (str | Unset):
        identity_id (str | Unset):
        status (ListKeysStatus | Unset):
        type_ (ListKeysType | Unset):
        unused_days (int | Unset): Only keys with no valid verification in the last N days, never-
            used keys included (`last_used_at` is set by the usage rollup).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageKey | Problem
    """

    return sync_detailed(
        pid=pid,
        client=client,
        limit=limit,
        cursor=cursor,
        owner_id=owner_id,
        identity_id=identity_id,
        status=status,
        type_=type_,
        unused_days=unused_days,
    ).parsed


async def asyncio_detailed(
    pid: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    owner_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
    status: ListKeysStatus | Unset = UNSET,
    type_: ListKeysType | Unset = UNSET,
    unused_days: int | Unset = UNSET,
) -> Response[PageKey | Problem]:
    """Owners and admins see every key; editors and developers see their own (another's: 403).

    Args:
        pid (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        owner_id (str | Unset):
        identity_id (str | Unset):
        status (ListKeysStatus | Unset):
        type_ (ListKeysType | Unset):
        unused_days (int | Unset): Only keys with no valid verification in the last N days, never-
            used keys included (`last_used_at` is set by the usage rollup).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageKey | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        limit=limit,
        cursor=cursor,
        owner_id=owner_id,
        identity_id=identity_id,
        status=status,
        type_=type_,
        unused_days=unused_days,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    pid: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    owner_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
    status: ListKeysStatus | Unset = UNSET,
    type_: ListKeysType | Unset = UNSET,
    unused_days: int | Unset = UNSET,
) -> PageKey | Problem | None:
    """Owners and admins see every key; editors and developers see their own (another's: 403).

    Args:
        pid (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        owner_id (str | Unset):
        identity_id (str | Unset):
        status (ListKeysStatus | Unset):
        type_ (ListKeysType | Unset):
        unused_days (int | Unset): Only keys with no valid verification in the last N days, never-
            used keys included (`last_used_at` is set by the usage rollup).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageKey | Problem
    """

    return (
        await asyncio_detailed(
            pid=pid,
            client=client,
            limit=limit,
            cursor=cursor,
            owner_id=owner_id,
            identity_id=identity_id,
            status=status,
            type_=type_,
            unused_days=unused_days,
        )
    ).parsed
