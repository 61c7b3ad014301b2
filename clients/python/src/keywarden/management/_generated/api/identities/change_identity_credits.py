from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.credits_balance import CreditsBalance
from ...models.credits_change import CreditsChange
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    pid: str,
    identity_id: str,
    *,
    body: CreditsChange,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/projects/{pid}/identities/{identity_id}/credits".format(
            pid=quote(str(pid), safe=""),
            identity_id=quote(str(identity_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreditsBalance | Problem | None:
    if response.status_code == 200:
        response_200 = CreditsBalance.from_dict(response.json())

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CreditsBalance | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    pid: str,
    identity_id: str,
    *,
    client: AuthenticatedClient,
    body: CreditsChange,
    idempotency_key: str | Unset = UNSET,
) -> Response[CreditsBalance | Problem]:
    """Sets, increments or decrements the identity's credits (a decrement past 0 leaves 0);

    Args:
        pid (str):
        identity_id (str):
        idempotency_key (str | Unset):
        body (CreditsChange): `set` the balance, or `increment` / `decrement` it (never below 0: a
            larger decrement leaves 0).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreditsBalance | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        identity_id=identity_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    pid: str,
    identity_id: str,
    *,
    client: AuthenticatedClient,
    body: CreditsChange,
    idempotency_key: str | Unset = UNSET,
) -> CreditsBalance | Problem | None:
    """Sets, increments or decrements the identity's credits (a decrement past 0 leaves 0);

    Args:
        pid (str):
        identity_id (str):
        idempotency_key (str | Unset):
        body (CreditsChange): `set` the balance, or `increment` / `decrement` it (never below 0: a
            larger decrement leaves 0).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreditsBalance | Problem
    """

    return sync_detailed(
        pid=pid,
        identity_id=identity_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    pid: str,
    identity_id: str,
    *,
    client: AuthenticatedClient,
    body: CreditsChange,
    idempotency_key: str | Unset = UNSET,
) -> Response[CreditsBalance | Problem]:
    """Sets, increments or decrements the identity's credits (a decrement past 0 leaves 0);

    Args:
        pid (str):
        identity_id (str):
        idempotency_key (str | Unset):
        body (CreditsChange): `set` the balance, or `increment` / `decrement` it (never below 0: a
            larger decrement leaves 0).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreditsBalance | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        identity_id=identity_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    pid: str,
    identity_id: str,
    *,
    client: AuthenticatedClient,
    body: CreditsChange,
    idempotency_key: str | Unset = UNSET,
) -> CreditsBalance | Problem | None:
    """Sets, increments or decrements the identity's credits (a decrement past 0 leaves 0);

    Args:
        pid (str):
        identity_id (str):
        idempotency_key (str | Unset):
        body (CreditsChange): `set` the balance, or `increment` / `decrement` it (never below 0: a
            larger decrement leaves 0).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreditsBalance | Problem
    """

    return (
        await asyncio_detailed(
            pid=pid,
            identity_id=identity_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
