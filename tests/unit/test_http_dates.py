"""HTTP dates: the three RFC 9110 forms and the Azure SDK's, exactly; anything else is None, never an error."""

from __future__ import annotations

import calendar
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.http_dates import _four_digit_year, parse_http_date

# RFC 9110's example instant, in every accepted form.
EXAMPLE = 784111777.0


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun Nov 06 08:49:37 1994",
        "Nov, 06 1994 08:49:37 GMT",
        "Nov, 06 1994 08:49:37.000000 GMT",
    ],
)
def test_the_rfc_example_in_each_form(value: str) -> None:
    assert parse_http_date(value) == EXAMPLE


def test_a_weekday_that_does_not_match_the_date_is_accepted() -> None:
    assert parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT") == EXAMPLE
    assert parse_http_date("Friday, 06-Nov-94 08:49:37 GMT") == EXAMPLE
    assert parse_http_date("Wed Nov  6 08:49:37 1994") == EXAMPLE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Nov, 23 2026 19:07:46.358681 GMT", 1795460866.358681),
        ("Nov, 23 2026 19:07:46.3 GMT", 1795460866.3),
        ("Nov, 23 2026 19:07:46.05 GMT", 1795460866.05),
        ("Nov, 23 2026 19:07:46 GMT", 1795460866.0),
    ],
)
def test_the_azure_sdk_form_keeps_its_fraction(value: str, expected: float) -> None:
    assert parse_http_date(value) == expected


def test_the_azure_sdk_form_as_the_sdk_writes_it() -> None:
    now = datetime.now(UTC)
    text = now.strftime("%b, %d %Y %H:%M:%S.%f ") + "GMT"  # azure.appconfiguration._utils.get_current_utc_time
    assert parse_http_date(text) == now.timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("Wed, 31 Dec 1969 23:59:59 GMT", -1.0),
        ("Tue, 29 Feb 2000 12:00:00 GMT", calendar.timegm((2000, 2, 29, 12, 0, 0))),
        ("Fri, 31 Dec 9999 23:59:59 GMT", calendar.timegm((9999, 12, 31, 23, 59, 59))),
        ("Mon, 01 Jan 0001 00:00:00 GMT", calendar.timegm((1, 1, 1, 0, 0, 0))),
        # RFC 9110's seconds run to 60 (a leap second): the next minute's 00.
        ("Sat, 31 Dec 2016 23:59:60 GMT", calendar.timegm((2017, 1, 1, 0, 0, 0))),
        ("Sun Nov 16 08:49:37 1994", EXAMPLE + 10 * 86400),
    ],
)
def test_edges_of_the_calendar(value: str, expected: float) -> None:
    assert parse_http_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        # Impossible dates and times.
        "Fri, 30 Feb 2026 08:49:37 GMT",
        "Fri, 29 Feb 2100 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 0000 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:37 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 06 Nov 1994 08:49:99 GMT",
        "Nov, 30 2026 25:07:46.1 GMT",
        "Sun Nov  0 08:49:37 1994",
        # Wrong case, wrong names.
        "sun, 06 Nov 1994 08:49:37 GMT",
        "SUN, 06 NOV 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 06 Nov 1994 08:49:37 -0000",
        "Sunday, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Sund, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 November 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        # Wrong shape: spaces, digits, missing or extra parts.
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994  08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 01994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37.5 GMT",
        "Sun, 06 Nov 1994 08:49:37",
        "06 Nov 1994 08:49:37 GMT",
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 06 Nov 1994 08:49:37 GMT\n",
        "Sun, 06 Nov 1994 08:49:37 GMT\r\n",
        "Sun,\t06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMTGMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 6-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  06 08:49:37 1994",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun Nov  6 08:49:37 94",
        "Nov, 23 2026 19:07:46. GMT",
        "Nov, 23 2026 19:07:46.1234567 GMT",
        "Nov, 23 2026 19:07:46,5 GMT",
        "Nov, 3 2026 19:07:46.5 GMT",
        "Nov 23 2026 19:07:46.5 GMT",
        "Mon, Nov, 23 2026 19:07:46.5 GMT",
        # Other date formats.
        "2026-11-23T19:07:46Z",
        "1795460866",
        "",
        "GMT",
        # Not ASCII: other scripts' digits, look-alike letters, full-width punctuation.
        "Sun, \u0660\u0666 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov \uff11\uff19\uff19\uff14 08:49:37 GMT",
        "Sun, 06 N\u043ev 1994 08:49:37 GMT",
        "Sun\uff0c 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT\u200b",
        "Sun, 06 Nov 1994 08:49:37 GMT\x00",
        # Too long, even when it starts well.
        "Sun, 06 Nov 1994 08:49:37 GMT" + " " * 40,
        "x" * 10_000,
    ],
)
def test_anything_else_is_none(value: str) -> None:
    assert parse_http_date(value) is None


@pytest.mark.parametrize("value", [None, b"Sun, 06 Nov 1994 08:49:37 GMT", 784111777, ["x"]])
def test_a_value_that_is_not_a_string_is_none(value: object) -> None:
    assert parse_http_date(value) is None  # type: ignore[arg-type]


def _now(year: int, month: int = 6, day: int = 15, hour: int = 12) -> time.struct_time:
    return time.gmtime(calendar.timegm((year, month, day, hour, 0, 0)))


@pytest.mark.parametrize(
    ("two_digits", "rest", "now", "year"),
    [
        # RFC 9110: more than 50 years in the future means the past century.
        (94, (11, 6, 8, 49, 37), _now(2026), 1994),
        (76, (6, 15, 12, 0, 0), _now(2026), 2076),  # exactly 50 years ahead: not more
        (76, (6, 15, 12, 0, 1), _now(2026), 1976),  # one second more
        (77, (1, 1, 0, 0, 0), _now(2026), 1977),
        (26, (1, 1, 0, 0, 0), _now(2026), 2026),
        (0, (1, 1, 0, 0, 0), _now(2026), 2000),
        (99, (12, 31, 23, 59, 59), _now(2026), 1999),
        (50, (1, 1, 0, 0, 0), _now(2026), 2050),
        # Late in a century, a small two-digit year is in the next one (2 years ahead, not 98 back).
        (1, (1, 1, 0, 0, 0), _now(2099), 2101),
        (49, (6, 15, 12, 0, 0), _now(2099), 2149),
        (49, (6, 15, 12, 0, 1), _now(2099), 2049),
        (98, (1, 1, 0, 0, 0), _now(2099), 2098),
    ],
)
def test_two_digit_years(
    two_digits: int, rest: tuple[int, int, int, int, int], now: time.struct_time, year: int
) -> None:
    assert _four_digit_year(two_digits, rest, now) == year


def test_rfc850_years_are_read_relative_to_today() -> None:
    this_year = time.gmtime().tm_year
    yy = this_year % 100
    expected = calendar.timegm((this_year, 1, 1, 0, 0, 0))
    assert parse_http_date(f"Monday, 01-Jan-{yy:02d} 00:00:00 GMT") == expected
    # Sixty years ahead is in the past century: forty years ago.
    ahead = (this_year + 60) % 100
    assert parse_http_date(f"Monday, 01-Jan-{ahead:02d} 00:00:00 GMT") == calendar.timegm(
        (this_year - 40, 1, 1, 0, 0, 0)
    )


_offsets = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59))
)
_aware = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(9999, 12, 30),
    timezones=_offsets,
)


@given(_aware)
def test_format_datetime_round_trips(moment: datetime) -> None:
    utc = moment.astimezone(UTC)
    assert parse_http_date(format_datetime(utc, usegmt=True)) == utc.replace(microsecond=0).timestamp()


@given(_aware)
def test_the_azure_sdk_form_round_trips(moment: datetime) -> None:
    utc = moment.astimezone(UTC)
    assert parse_http_date(utc.strftime("%b, %d %Y %H:%M:%S.%f GMT")) == utc.timestamp()


@given(_aware)
def test_asctime_and_rfc850_forms_agree_with_imf_fixdate(moment: datetime) -> None:
    utc = moment.astimezone(UTC).replace(microsecond=0)
    asctime = utc.strftime("%a %b ") + f"{utc.day:>2}" + utc.strftime(" %H:%M:%S %Y")
    assert parse_http_date(asctime) == utc.timestamp()
    rfc850 = utc.strftime("%A, %d-%b-%y %H:%M:%S GMT")
    parsed = parse_http_date(rfc850)
    assert parsed is not None
    # The same instant up to whole centuries (which century a two-digit year means depends on today).
    back = datetime.fromtimestamp(parsed, UTC)
    assert back.replace(year=2000) == utc.replace(year=2000)
    assert back.year % 100 == utc.year % 100
    assert abs(back.year - time.gmtime().tm_year) <= 50


@given(st.text(max_size=80))
def test_garbage_is_none_or_a_number(value: str) -> None:
    result = parse_http_date(value)
    assert result is None or isinstance(result, float)


_VALID = "Sun, 06 Nov 1994 08:49:37 GMT"


@given(st.integers(0, len(_VALID) - 1), st.characters())
def test_one_changed_character_never_raises(position: int, replacement: str) -> None:
    value = _VALID[:position] + replacement + _VALID[position + 1 :]
    result = parse_http_date(value)
    assert result is None or isinstance(result, float)


@given(
    st.lists(
        st.sampled_from(
            ["Sun", "Sunday", ",", " ", "  ", "-", ":", "06", "6", "Nov", "1994", "94", "08", ".", "358681", "GMT"]
        ),
        max_size=12,
    )
)
def test_shuffled_date_parts_never_raise(parts: list[str]) -> None:
    result = parse_http_date("".join(parts))
    assert result is None or isinstance(result, float)
