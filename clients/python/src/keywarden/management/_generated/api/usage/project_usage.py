import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.project_usage_granularity import ProjectUsageGranularity
from ...models.usage import Usage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    pid: str,
    *,
    granularity: ProjectUsageGranularity | Unset = ProjectUsageGranularity.DAY,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    key_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    json_granularity: str | Unset = UNSET
    if not isinstance(granularity, Unset):
        json_granularity = granularity.value

    params["granularity"] = json_granularity

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    params["key_id"] = key_id

    params["identity_id"] = identity_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/projects/{pid}/usage".format(
            pid=quote(str(pid), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Usage | None:
    if response.status_code == 200:
        response_200 = Usage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Usage]:
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
    granularity: ProjectUsageGranularity | Unset = ProjectUsageGranularity.DAY,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    key_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
) -> Response[Problem | Usage]:
    """Verifications per period, valid and invalid and by code, of the project or of one key.

    Args:
        pid (str):
        granularity (ProjectUsageGranularity | Unset): Periods of the series (UTC). Default `day`.
            Default: ProjectUsageGranularity.DAY.
        from_ (datetime.datetime | Unset): Start (inclusive; its period is included). Default: 24
            hours, 30 days or 12 months before `to`, by granularity.
        to (datetime.datetime | Unset): End (exclusive). Default: now. At most 744 hours, 400 days
            or 120 months after `from`.
        key_id (str | Unset): One key's usage; without it, the whole project's.
        identity_id (str | Unset): One identity's usage: every key of it (not with key_id).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Usage]
    """

    kwargs = _get_kwargs(
        pid=pid,
        granularity=granularity,
        from_=from_,
        to=to,
        key_id=key_id,
        identity_id=identity_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    pid: str,
    *,
    client: AuthenticatedClient,
    granularity: ProjectUsageGranularity | Unset = ProjectUsageGranularity.DAY,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    key_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
) -> Problem | Usage | None:
    """Verifications per period, valid and invalid and by code, of the project or of one key.

    Args:
        pid (str):
        granularity (ProjectUsageGranularity | Unset): Periods of the series (UTC). Default `day`.
            Default: ProjectUsageGranularity.DAY.
        from_ (datetime.datetime | Unset): Start (inclusive; its period is included). Default: 24
            hours, 30 days or 12 months before `to`, by granularity.
        to (datetime.datetime | Unset): End (exclusive). Default: now. At most 744 hours, 400 days
            or 120 months after `from`.
        key_id (str | Unset): One key's usage; without it, the whole project's.
        identity_id (str | Unset): One identity's usage: every key of it (not with key_id).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Usage
    """

    return sync_detailed(
        pid=pid,
        client=client,
        granularity=granularity,
        from_=from_,
        to=to,
        key_id=key_id,
        identity_id=identity_id,
    ).parsed


async def asyncio_detailed(
    pid: str,
    *,
    client: AuthenticatedClient,
    granularity: ProjectUsageGranularity | Unset = ProjectUsageGranularity.DAY,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    key_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
) -> Response[Problem | Usage]:
    """Verifications per period, valid and invalid and by code, of the project or of one key.

    Args:
        pid (str):
        granularity (ProjectUsageGranularity | Unset): Periods of the series (UTC). Default `day`.
            Default: ProjectUsageGranularity.DAY.
        from_ (datetime.datetime | Unset): Start (inclusive; its period is included). Default: 24
            hours, 30 days or 12 months before `to`, by granularity.
        to (datetime.datetime | Unset): End (exclusive). Default: now. At most 744 hours, 400 days
            or 120 months after `from`.
        key_id (str | Unset): One key's usage; without it, the whole project's.
        identity_id (str | Unset): One identity's usage: every key of it (not with key_id).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Usage]
    """

    kwargs = _get_kwargs(
        pid=pid,
        granularity=granularity,
        from_=from_,
        to=to,
        key_id=key_id,
        identity_id=identity_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    pid: str,
    *,
    client: AuthenticatedClient,
    granularity: ProjectUsageGranularity | Unset = ProjectUsageGranularity.DAY,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    key_id: str | Unset = UNSET,
    identity_id: str | Unset = UNSET,
) -> Problem | Usage | None:
    """Verifications per period, valid and invalid and by code, of the project or of one key.

    Args:
        pid (str):
        granularity (ProjectUsageGranularity | Unset): Periods of the series (UTC). Default `day`.
            Default: ProjectUsageGranularity.DAY.
        from_ (datetime.datetime | Unset): Start (inclusive; its period is included). Default: 24
            hours, 30 days or 12 months before `to`, by granularity.
        to (datetime.datetime | Unset): End (exclusive). Default: now. At most 744 hours, 400 days
            or 120 months after `from`.
        key_id (str | Unset): One key's usage; without it, the whole project's.
        identity_id (str | Unset): One identity's usage: every key of it (not with key_id).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Usage
    """

    return (
        await asyncio_detailed(
            pid=pid,
            client=client,
            granularity=granularity,
            from_=from_,
            to=to,
            key_id=key_id,
            identity_id=identity_id,
        )
    ).parsed
