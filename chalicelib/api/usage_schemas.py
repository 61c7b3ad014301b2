"""Request and response shapes of the usage API."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct, field

from chalicelib.api.schemas import Timestamp


def _timestamp(description: str) -> Meta:
    """A timestamp query parameter: RFC 3339 with a time zone, checked again by the handler."""
    return Meta(
        max_length=64,
        pattern=r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
        extra_json_schema={"format": "date-time"},
        description=description,
    )


class UsageQuery(Struct):
    granularity: Annotated[
        Literal["hour", "day", "month"],
        Meta(description="Periods of the series (UTC). Default `day`."),
    ] = "day"
    # Strings, parsed by the handler: msgspec's lax query conversion would take `0` as a date.
    from_: (
        Annotated[
            str,
            _timestamp(
                "Start (inclusive; its period is included). Default: 24 hours, 30 days or "
                "12 months before `to`, by granularity."
            ),
        ]
        | None
    ) = field(name="from", default=None)
    to: (
        Annotated[
            str,
            _timestamp("End (exclusive). Default: now. At most 744 hours, 400 days or 120 months after `from`."),
        ]
        | None
    ) = None
    key_id: (
        Annotated[
            str, Meta(min_length=1, max_length=64, description="One key's usage; without it, the whole project's.")
        ]
        | None
    ) = None
    identity_id: (
        Annotated[
            str,
            Meta(min_length=1, max_length=64, description="One identity's usage: every key of it (not with key_id)."),
        ]
        | None
    ) = None


class UsagePoint(Struct):
    period_start: Timestamp
    valid: int
    invalid: int
    by_code: Annotated[dict[str, int], Meta(description="Verifications by outcome code, VALID included")]


class UsageTotals(Struct):
    valid: int
    invalid: int


class Usage(Struct):
    granularity: Literal["hour", "day", "month"]
    from_: Annotated[Timestamp, Meta(description="Start of the first period")] = field(name="from")
    to: Annotated[Timestamp, Meta(description="End of the range (exclusive)")]
    key_id: str | None
    identity_id: str | None
    series: Annotated[
        list[UsagePoint],
        Meta(description="Every period of the range, oldest first, zeros included"),
    ]
    totals: UsageTotals
