from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.secret_value import SecretValue
from ...types import Response


def _get_kwargs(
    pid: str,
    name: str,
) -> dict[str, Any]:
    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/projects/{pid}/secrets/{name}/reveal".format(
            pid=quote(str(pid), safe=""),
            name=quote(str(name), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | SecretValue | None:
    if response.status_code == 200:
        response_200 = SecretValue.from_dict(response.json())

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | SecretValue]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    pid: str,
    name: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | SecretValue]:
    """Shows a secret's current value (owner, admin, editor; fresh login; audited; never replayed).

     Needs a login at most KEYWARDEN_STEP_UP_MAX_AGE seconds old (default 300); otherwise 401
    `step_up_required` with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
    max_age=300` (RFC 9470).

    Args:
        pid (str):
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SecretValue]
    """

    kwargs = _get_kwargs(
        pid=pid,
        name=name,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    pid: str,
    name: str,
    *,
    client: AuthenticatedClient,
) -> Problem | SecretValue | None:
    """Shows a secret's current value (owner, admin, editor; fresh login; audited; never replayed).

     Needs a login at most KEYWARDEN_STEP_UP_MAX_AGE seconds old (default 300); otherwise 401
    `step_up_required` with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
    max_age=300` (RFC 9470).

    Args:
        pid (str):
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SecretValue
    """

    return sync_detailed(
        pid=pid,
        name=name,
        client=client,
    ).parsed


async def asyncio_detailed(
    pid: str,
    name: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | SecretValue]:
    """Shows a secret's current value (owner, admin, editor; fresh login; audited; never replayed).

     Needs a login at most KEYWARDEN_STEP_UP_MAX_AGE seconds old (default 300); otherwise 401
    `step_up_required` with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
    max_age=300` (RFC 9470).

    Args:
        pid (str):
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SecretValue]
    """

    kwargs = _get_kwargs(
        pid=pid,
        name=name,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    pid: str,
    name: str,
    *,
    client: AuthenticatedClient,
) -> Problem | SecretValue | None:
    """Shows a secret's current value (owner, admin, editor; fresh login; audited; never replayed).

     Needs a login at most KEYWARDEN_STEP_UP_MAX_AGE seconds old (default 300); otherwise 401
    `step_up_required` with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
    max_age=300` (RFC 9470).

    Args:
        pid (str):
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SecretValue
    """

    return (
        await asyncio_detailed(
            pid=pid,
            name=name,
            client=client,
        )
    ).parsed
