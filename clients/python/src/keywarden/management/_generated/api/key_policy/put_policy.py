from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.key_policy_body import KeyPolicyBody
from ...models.key_policy_view import KeyPolicyView
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    pid: str,
    *,
    body: KeyPolicyBody | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/projects/{pid}/key-policy".format(
            pid=quote(str(pid), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> KeyPolicyView | Problem | None:
    if response.status_code == 200:
        response_200 = KeyPolicyView.from_dict(response.json())

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
) -> Response[KeyPolicyView | Problem]:
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
    body: KeyPolicyBody | Unset = UNSET,
) -> Response[KeyPolicyView | Problem]:
    """Replaces the project's key policy (owners and admins), audited as `project.key_policy_changed`.

    Args:
        pid (str):
        body (KeyPolicyBody | Unset): The whole policy (PUT replaces it; an absent field is its
            default: the rule off).

                Enforced wherever a key is made or changed (create, reroll, approve, claim, PATCH of
                `expires_at` or `ip_allowlist`): 422 `policy_violation`, `errors` naming each rule
            broken.
                A new policy does not touch existing keys: the report lists those that break it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[KeyPolicyView | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    pid: str,
    *,
    client: AuthenticatedClient,
    body: KeyPolicyBody | Unset = UNSET,
) -> KeyPolicyView | Problem | None:
    """Replaces the project's key policy (owners and admins), audited as `project.key_policy_changed`.

    Args:
        pid (str):
        body (KeyPolicyBody | Unset): The whole policy (PUT replaces it; an absent field is its
            default: the rule off).

                Enforced wherever a key is made or changed (create, reroll, approve, claim, PATCH of
                `expires_at` or `ip_allowlist`): 422 `policy_violation`, `errors` naming each rule
            broken.
                A new policy does not touch existing keys: the report lists those that break it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        KeyPolicyView | Problem
    """

    return sync_detailed(
        pid=pid,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    pid: str,
    *,
    client: AuthenticatedClient,
    body: KeyPolicyBody | Unset = UNSET,
) -> Response[KeyPolicyView | Problem]:
    """Replaces the project's key policy (owners and admins), audited as `project.key_policy_changed`.

    Args:
        pid (str):
        body (KeyPolicyBody | Unset): The whole policy (PUT replaces it; an absent field is its
            default: the rule off).

                Enforced wherever a key is made or changed (create, reroll, approve, claim, PATCH of
                `expires_at` or `ip_allowlist`): 422 `policy_violation`, `errors` naming each rule
            broken.
                A new policy does not touch existing keys: the report lists those that break it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[KeyPolicyView | Problem]
    """

    kwargs = _get_kwargs(
        pid=pid,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    pid: str,
    *,
    client: AuthenticatedClient,
    body: KeyPolicyBody | Unset = UNSET,
) -> KeyPolicyView | Problem | None:
    """Replaces the project's key policy (owners and admins), audited as `project.key_policy_changed`.

    Args:
        pid (str):
        body (KeyPolicyBody | Unset): The whole policy (PUT replaces it; an absent field is its
            default: the rule off).

                Enforced wherever a key is made or changed (create, reroll, approve, claim, PATCH of
                `expires_at` or `ip_allowlist`): 422 `policy_violation`, `errors` naming each rule
            broken.
                A new policy does not touch existing keys: the report lists those that break it.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        KeyPolicyView | Problem
    """

    return (
        await asyncio_detailed(
            pid=pid,
            client=client,
            body=body,
        )
    ).parsed
