"""The local server's framing of request bodies (devstack.request_bodies): what a head declares
and how much of a body is ever read."""

from __future__ import annotations

import email
import io

import pytest

from chalicelib.errors import MalformedRequestError, PayloadTooLargeError
from devstack.request_bodies import Framing, framing, read_body

LIMIT = 1024


def head(*lines: str) -> email.message.Message:
    return email.message_from_string("".join(f"{line}\r\n" for line in lines) + "\r\n")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ((), Framing()),
        (("Content-Length: 0",), Framing()),
        (("Content-Length: 12",), Framing(length=12)),
        (("Content-Length: 012",), Framing(length=12)),
        (("Content-Length: 12", "Content-Length: 12"), Framing(length=12)),
        (("Content-Length: 12, 12",), Framing(length=12)),
        (("Content-Length: 1024",), Framing(length=LIMIT)),
        (("Transfer-Encoding: chunked",), Framing(chunked=True)),
        (("Transfer-Encoding: Chunked ",), Framing(chunked=True)),
    ],
)
def test_heads_that_frame_a_body(lines: tuple[str, ...], expected: Framing) -> None:
    assert framing(head(*lines), LIMIT) == expected


@pytest.mark.parametrize(
    "lines",
    [
        ("Content-Length: 1025",),
        ("Content-Length: 99999999999999",),
        ("Content-Length: 9" + "9" * 100_000,),
    ],
)
def test_a_declared_length_over_the_limit_is_refused_from_the_head(lines: tuple[str, ...]) -> None:
    with pytest.raises(PayloadTooLargeError):
        framing(head(*lines), LIMIT)


@pytest.mark.parametrize(
    "lines",
    [
        ("Content-Length: -1",),
        ("Content-Length: abc",),
        ("Content-Length: 1.5",),
        ("Content-Length: ",),
        ("Content-Length: ١٢",),  # digits, but not ASCII ones
        ("Content-Length: 2", "Content-Length: 3"),
        ("Content-Length: 2, 3",),
        ("Content-Length: 2", "Content-Length: 99999999999999"),
        ("Transfer-Encoding: chunked", "Content-Length: 2"),
        ("Transfer-Encoding: gzip",),
        ("Transfer-Encoding: gzip, chunked",),
        ("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
    ],
)
def test_ambiguous_or_unreadable_framing_is_malformed(lines: tuple[str, ...]) -> None:
    with pytest.raises(MalformedRequestError):
        framing(head(*lines), LIMIT)


def test_a_body_is_read_to_its_length_and_no_further() -> None:
    stream = io.BytesIO(b"0123456789NEXT")
    assert read_body(stream, Framing(length=10), LIMIT) == b"0123456789"
    assert stream.read() == b"NEXT"
    assert read_body(io.BytesIO(b"x"), Framing(), LIMIT) is None


def test_a_body_shorter_than_its_length_is_malformed() -> None:
    with pytest.raises(MalformedRequestError):
        read_body(io.BytesIO(b"short"), Framing(length=10), LIMIT)


def test_chunks_with_extensions_and_trailers() -> None:
    stream = io.BytesIO(b"4;name=value\r\nWiki\r\n5\r\npedia\r\n0\r\nExpires: never\r\n\r\nNEXT")
    assert read_body(stream, Framing(chunked=True), LIMIT) == b"Wikipedia"
    assert stream.read() == b"NEXT"
    assert read_body(io.BytesIO(b"0\r\n\r\n"), Framing(chunked=True), LIMIT) is None


@pytest.mark.parametrize("chunk", [LIMIT + 1, 2 * LIMIT, 16**16 - 1])
def test_a_chunk_that_would_cross_the_limit_is_refused_before_it_is_read(chunk: int) -> None:
    data = b"%x\r\n" % (LIMIT - 10) + b"a" * (LIMIT - 10) + b"\r\n" + b"%x\r\n" % chunk + b"b" * 64
    stream = io.BytesIO(data)
    with pytest.raises(PayloadTooLargeError):
        read_body(stream, Framing(chunked=True), LIMIT)
    assert b"b" not in data[: stream.tell()]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"4\r\nWiki",
        b"4\r\nWikiXX0\r\n\r\n",
        b"4\nWiki\r\n0\r\n\r\n",
        b"-4\r\nWiki\r\n0\r\n\r\n",
        b"0x4\r\nWiki\r\n0\r\n\r\n",
        b"1" * 5000 + b"\r\n",
        b"0\r\n" + b"X-Trailer: 1\r\n" * 101 + b"\r\n",
    ],
    ids=["empty", "cut-short", "no-crlf-after-data", "bare-lf", "negative", "0x", "long-size-line", "many-trailers"],
)
def test_badly_chunked_bodies_are_malformed(data: bytes) -> None:
    with pytest.raises(MalformedRequestError):
        read_body(io.BytesIO(data), Framing(chunked=True), LIMIT)
