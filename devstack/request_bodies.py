"""How the local server finds where a request's body ends, and how much of it it will read.

chalice's own server reads `int(Content-Length)` bytes, whatever the number: a 150 MB
upload is held whole in memory before the app refuses it as over 256 KiB, a length of
99,999,999,999,999 is a MemoryError and a dropped connection, a length that is no number
a ValueError (the same), a negative one an empty body (so 422 for the fields it lacks),
and a chunked body is not read at all (its chunks are then taken for the next request).
In AWS, API Gateway frames bodies and refuses those over its limit itself; here this
module does, with the app's limit, before the app runs:

- `framing` reads the head only: a body declared longer than the limit is 413
  `payload_too_large` before any of it is read; a Content-Length that is no decimal
  number, two different lengths, a length beside Transfer-Encoding (RFC 9112 section
  6.3: the way requests are smuggled) or a transfer coding other than chunked are 400
  `malformed_request`.
- `read_body` reads what the framing says, and of a chunked body never more than the
  limit: the chunk that would cross it is refused (413) before it is read.

Either refusal leaves the rest of the body unread, so the server closes the connection
after answering (see http_server.ProblemRequestHandler).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from typing import BinaryIO

from chalicelib.errors import MalformedRequestError, PayloadTooLargeError

# A chunk's size line (hex size, extensions) and each trailer line, at most; and how many trailers.
_MAX_LINE = 4096
_MAX_TRAILERS = 100
_DIGITS = re.compile(r"[0-9]+")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


@dataclass(frozen=True)
class Framing:
    """Where the body ends: after `length` bytes, or at the last chunk when `chunked`."""

    length: int = 0
    chunked: bool = False


def framing(headers: Message, limit: int) -> Framing:
    """The body's framing, from the head alone; raises for a body refused before it is read."""
    codings = [c.strip().lower() for line in headers.get_all("Transfer-Encoding") or () for c in line.split(",")]
    lengths = [v.strip() for line in headers.get_all("Content-Length") or () for v in line.split(",")]
    if codings:
        if lengths:
            raise MalformedRequestError("a request has Content-Length or Transfer-Encoding, not both")
        if codings != ["chunked"]:
            raise MalformedRequestError("the only transfer coding accepted is chunked")
        return Framing(chunked=True)
    if not lengths:
        return Framing()
    if not all(_DIGITS.fullmatch(value) for value in lengths):
        raise MalformedRequestError("Content-Length must be a number of bytes")
    # Compared as digits, not as ints: a length of 100,000 digits is no reason to do arithmetic.
    numbers = {value.lstrip("0") or "0" for value in lengths}
    if len(numbers) > 1:
        raise MalformedRequestError("the request has two different Content-Length values")
    (number,) = numbers
    if len(number) > len(str(limit)) or int(number) > limit:
        raise PayloadTooLargeError(f"request bodies are limited to {limit} bytes")
    return Framing(length=int(number))


def read_body(stream: BinaryIO, framing: Framing, limit: int) -> bytes | None:
    """The body (None when there is none, as chalice passes it), read as `framing` says."""
    if framing.chunked:
        return _read_chunked(stream, limit) or None
    if framing.length == 0:
        return None
    body = stream.read(framing.length)
    if len(body) < framing.length:
        raise MalformedRequestError("the body ended before its Content-Length")
    return body


def _read_chunked(stream: BinaryIO, limit: int) -> bytes:
    """A chunked body (RFC 9112 section 7.1), of at most `limit` bytes; trailers are read and dropped."""
    body = bytearray()
    while True:
        size_text = _line(stream, "a chunk's size line").split(b";", 1)[0].strip(b" \t")
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise MalformedRequestError("a chunk's size is not a hexadecimal number")
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > limit:
            raise PayloadTooLargeError(f"request bodies are limited to {limit} bytes")
        chunk = stream.read(size)
        if len(chunk) < size or stream.read(2) != b"\r\n":
            raise MalformedRequestError("a chunk is shorter than its size, or does not end with CRLF")
        body += chunk
    for _ in range(_MAX_TRAILERS):
        if _line(stream, "a trailer line") == b"":
            return bytes(body)
    raise MalformedRequestError("the chunked body has too many trailer lines")


def _line(stream: BinaryIO, what: str) -> bytes:
    """One CRLF-terminated line, without its CRLF."""
    line = stream.readline(_MAX_LINE + 1)
    if not line.endswith(b"\r\n"):
        raise MalformedRequestError(f"{what} is longer than {_MAX_LINE} bytes, or does not end with CRLF")
    return line[:-2]
