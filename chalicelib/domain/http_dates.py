"""Strict HTTP-date parsing (RFC 9110 §5.6.7) plus the date form of the Azure App Configuration Python SDK.

Accepted, exactly (ASCII, case as written, single spaces):

- IMF-fixdate ``Sun, 06 Nov 1994 08:49:37 GMT`` (the weekday must be a weekday name but need not match);
- RFC 850 ``Sunday, 06-Nov-94 08:49:37 GMT``: a two-digit year that would be more than 50 years
  in the future is the same year of the previous century;
- asctime ``Sun Nov  6 08:49:37 1994`` (day as two digits or space and one digit);
- Azure SDK ``Nov, 23 2026 19:07:46.358681 GMT`` (``%b, %d %Y %H:%M:%S.%f GMT``; 1 to 6 fraction digits, or none).

Seconds may be 60 (a leap second, RFC 9110's ``23:59:60``), which counts as the next minute's 00.
Everything else, including impossible dates, is None. Stdlib only: this runs on the request path.
"""

from __future__ import annotations

import calendar
import re
import time

__all__ = ["parse_http_date"]

MAX_LENGTH = 64

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBER = {name: number for number, name in enumerate(_MONTHS, start=1)}
_MONTH = "(?P<month>" + "|".join(_MONTHS) + ")"
_DAY_NAME = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_DAY_NAME_LONG = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# [0-9], not \d: \d also matches other scripts' digits.
_TIME = "(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"

_IMF_FIXDATE = re.compile(f"{_DAY_NAME}, (?P<day>[0-9]{{2}}) {_MONTH} (?P<year>[0-9]{{4}}) {_TIME} GMT")
_RFC850 = re.compile(f"{_DAY_NAME_LONG}, (?P<day>[0-9]{{2}})-{_MONTH}-(?P<year>[0-9]{{2}}) {_TIME} GMT")
# asctime's day is 2DIGIT or SP DIGIT; int() takes the leading space.
_ASCTIME = re.compile(f"{_DAY_NAME} {_MONTH} (?P<day>[0-9]{{2}}| [0-9]) {_TIME} (?P<year>[0-9]{{4}})")
_AZURE = re.compile(f"{_MONTH}, (?P<day>[0-9]{{2}}) (?P<year>[0-9]{{4}}) {_TIME}(?:\\.(?P<fraction>[0-9]{{1,6}}))? GMT")


def parse_http_date(value: str) -> float | None:
    """Epoch seconds (UTC) of an HTTP date in one of the accepted forms, else None. Never raises."""
    if not isinstance(value, str) or len(value) > MAX_LENGTH or not value.isascii():
        return None
    for pattern in (_IMF_FIXDATE, _AZURE, _ASCTIME, _RFC850):
        match = pattern.fullmatch(value)
        if match is not None:
            break
    else:
        return None
    month = _MONTH_NUMBER[match["month"]]
    rest = (month, int(match["day"]), int(match["hour"]), int(match["minute"]), int(match["second"]))
    year = int(match["year"])
    if pattern is _RFC850:
        year = _four_digit_year(year, rest, time.gmtime())
    return _epoch(year, *rest, match.groupdict().get("fraction"))


def _epoch(year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: str | None) -> float | None:
    if year < 1 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    whole = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if fraction is None:
        return float(whole)
    # One correctly rounded division, as datetime.timestamp() does.
    return (whole * 1_000_000 + int(fraction.ljust(6, "0"))) / 1_000_000


def _four_digit_year(two_digits: int, rest: tuple[int, int, int, int, int], now: time.struct_time) -> int:
    """RFC 9110 §5.6.7: the year ending in ``two_digits`` whose date is at most 50 years ahead of ``now``.

    ``rest`` is (month, day, hour, minute, second); "50 years ahead" compares calendar positions,
    so the year chosen is the one in (now - 50 years, now + 50 years].
    """
    limit = (now.tm_year + 50, now.tm_mon, now.tm_mday, now.tm_hour, now.tm_min, now.tm_sec)
    year = now.tm_year - now.tm_year % 100 + two_digits
    if (year, *rest) > limit:
        year -= 100
    elif (year + 100, *rest) <= limit:
        year += 100
    return year
