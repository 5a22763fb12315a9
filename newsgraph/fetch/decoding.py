"""Response bodies: Content-Encoding undone under a size cap, so a compressed bomb cannot fill memory.

httpx's own decoders inflate each network chunk whole: 64 KiB of gzip can become 64 MiB at once,
and `Content-Encoding: gzip, gzip` multiplies that again. Here every layer inflates at most
`BLOCK` bytes per step, lazily, and reading stops as soon as the decoded body passes the cap.
The fetcher asks only for `gzip, deflate` (`ACCEPT_ENCODING`); other codings are refused.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

ACCEPT_ENCODING = "gzip, deflate"
BLOCK = 64 * 1024


class BodyTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"more than {size} bytes")
        self.size = size


class BadEncoding(Exception):
    pass


def content_codings(header: str | None) -> list[str]:
    """The codings of a Content-Encoding header, in the order they were applied."""
    codings = [c.strip().lower() for c in (header or "").split(",")]
    return [c for c in codings if c and c != "identity"]


def read_body(chunks: Iterable[bytes], codings: list[str], max_bytes: int, truncate: bool = False) -> bytes:
    """The decoded body; raise `BodyTooLarge` past `max_bytes` (or cut it there when `truncate`).

    Raise `BadEncoding` for a coding other than gzip/deflate or a body that does not inflate.
    """
    stream: Iterator[bytes] = iter(chunks)
    for coding in reversed(codings):  # the last applied is undone first
        if coding in ("gzip", "x-gzip"):
            stream = _inflate(stream, zlib.MAX_WBITS | 16, raw_fallback=False)
        elif coding == "deflate":
            stream = _inflate(stream, zlib.MAX_WBITS, raw_fallback=True)
        else:
            raise BadEncoding(f"unsupported Content-Encoding {coding!r}")
    body = bytearray()
    try:
        for piece in stream:
            body += piece
            if len(body) > max_bytes:
                if truncate:
                    return bytes(body[:max_bytes])
                raise BodyTooLarge(max_bytes)
    except zlib.error as exc:
        raise BadEncoding(f"the {'/'.join(codings)} body does not decode: {exc}") from None
    return bytes(body)


def _inflate(chunks: Iterator[bytes], wbits: int, raw_fallback: bool) -> Iterator[bytes]:
    """Inflate (gzip members | a zlib stream | raw deflate), at most BLOCK bytes per step."""
    decoder = zlib.decompressobj(wbits)
    started = False
    for chunk in chunks:
        data = chunk
        while data:
            try:
                out = decoder.decompress(data, BLOCK)
            except zlib.error:
                if started or not raw_fallback:
                    raise
                # "deflate" sent as raw deflate, without the zlib wrapper (it happens)
                decoder, raw_fallback = zlib.decompressobj(-zlib.MAX_WBITS), False
                out = decoder.decompress(data, BLOCK)
            started = True
            data = decoder.unconsumed_tail
            if out:
                yield out
            while not data and len(out) == BLOCK and not decoder.eof:  # drain what zlib still holds
                out = decoder.decompress(b"", BLOCK)
                data = decoder.unconsumed_tail
                if out:
                    yield out
            if decoder.eof:
                rest = decoder.unused_data + data
                if not (wbits & 16 and rest[:2] == b"\x1f\x8b"):
                    return  # the end of the stream; bytes after it are ignored, as browsers do
                decoder, data = zlib.decompressobj(wbits), rest  # the next gzip member
    tail = decoder.flush()
    if tail:
        yield tail
