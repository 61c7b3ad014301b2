from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.identity import Identity
from ...models.identity_create import IdentityCreate
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    pid: str,
    *,
    body: IdentityCreate,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/projects/{pid}/identities".format(
            pid=quote(str(pid), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Identity | Problem | None:
    if response.status_code == 201:
        response_201 = Identity.from_dict(response.json())

        return response_201

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Identity | Problem]:
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
    body: IdentityCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[Identity | Problem]:
    """Creates an identity; its `external_id` must be new in the project (else 409).

    Args:
        pid (str):
        idempotency_key (str | Unset):
        body (IdentityCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Identity | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    pid: str,
    *,
    client: AuthenticatedClient,
    body: IdentityCreate,
    idempotency_key: str | Unset = UNSET,
) -> Identity | Problem | None:
    """Creates an identity; its `external_id` must be new in the project (else 409).

    Args:
        pid (str):
        idempotency_key (str | Unset):
        body (IdentityCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Identity | Problem
    """

    return sync_detailed(
        pid=pid,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    pid: str,
    *,
    client: AuthenticatedClient,
    body: IdentityCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[Identity | Problem]:
    """Creates an identity; its `external_id` must be new in the project (else 409).

    Args:
        pid (str):
        idempotency_key (str | Unset):
        body (IdentityCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Identity | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    pid: str,
    *,
    client: AuthenticatedClient,
    body: IdentityCreate,
    idempotency_key: str | Unset = UNSET,
) -> Identity | Problem | None:
    """Creates an identity; its `external_id` must be new in the project (else 409).

    Args:
        pid (str):
        idempotency_key (str | Unset):
        body (IdentityCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Identity | Problem
    """

    return (
        await asyncio_detailed(
            pid=pid,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
