"""WARC and ARC files (`.warc`, `.arc`, each optionally `.gz`): one raw document per HTML page captured.

Each HTTP response record with status 200 and an HTML body (`text/html`, `application/xhtml+xml`,
or no content type and a body that looks like HTML) becomes a `RawDocument` of format `html`:
its body with the transfer and content encodings undone (chunked, gzip, deflate, br), its
WARC-Target-URI as `hints.url` and its WARC-Date as `hints.captured`, the capture time, which
extraction uses only when the page gives no date of its own. Every other record is a `Skipped`
with a stable reason. A truncated or corrupt record becomes a `bad_warc_record` rejection and
reading goes on from the next record that parses: the file is searched for the next gzip member
(or `WARC/1.x` header line, or ARC header line) after the damage, so a bad stretch costs the
records in it and no more, and every search starts past the last one, so reading always ends.

`Location.line` carries the record's byte offset in the file (for a `.gz` file, the offset of the
gzip member the record starts; `warcio extract FILE OFFSET` shows it), so a record prints as
`crawl.warc.gz:12345` and a re-run knows it by location and content hash. Records in a gzip file
whose members do not line up with records (one member holding many records, or one record spread
over several) are read as one stream from that member on; their offsets are then the member's
offset plus the record's offset in the uncompressed stream after it.

The reader is warcio (webrecorder; a main dependency already, since the fetcher writes WARC with
it). FastWARC reads faster, but reading is not where ingest spends its time, and warcio reads ARC
(FastWARC does not) and lets us see each record's length against what was read, which is how
truncation is found; `benchmarks/warc.py` measures both on the shared test files.
"""

from __future__ import annotations

import io
import logging
import re
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader, DecompressingBufferedReader

from newsgraph.records import Location, RawDocument, Rejection, SourceHints

ARCHIVE_SUFFIXES = (".warc", ".arc")  # each optionally followed by .gz
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
SKIP_REASONS = ("not_response", "revisit", "not_http", "not_200", "not_html")
BLOCK_SIZE = 64 * 1024
_SCAN_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_LINE = re.compile(rb"\n(WARC/(?:1\.[01]|0\.1[78])\r?\n)")
_ARC_LINE = re.compile(rb"\n([A-Za-z][\w+.-]*:\S* \S+ \d{14} \S+ \d+\r?\n)")
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I)
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
# labels browsers read as windows-1252 (WHATWG Encoding Standard)
_WINDOWS_1252 = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "cp819"})

# warcio percent-encodes spaces in target URIs, as it should, and logs a warning each time; we need no warning
logging.getLogger("warcio.recordloader").addFilter(lambda entry: not entry.getMessage().startswith("Replacing spaces"))


@dataclass(frozen=True)
class Skipped:
    """An archive record that is not an HTML page, passed over on purpose; `reason` is one of SKIP_REASONS."""

    location: Location
    reason: str


def is_archive(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return name.endswith(ARCHIVE_SUFFIXES)


class _Corrupt(Exception):
    """Bytes that cannot be read: a gzip member broken part way, a stream ending mid-member."""


class _StrictDecompress:
    """warcio's readers, except that compressed data failing part way raises instead of ending quietly.

    (warcio prints the zlib error and returns nothing, which reads as a short record and, inside
    a WARC's gzip member, keeps reading and printing to the end of the file.)
    """

    decompressor: Any
    num_block_read: int

    def _decompress(self, data: bytes) -> bytes:
        if self.decompressor is not None and data and self.num_block_read:
            try:
                return bytes(self.decompressor.decompress(data))
            except Exception as exc:
                raise _Corrupt(f"compressed data is corrupt: {exc}") from exc
        return bytes(BufferedReader._decompress(self, data))  # first block: warcio's sniffing (not compressed?)


class _ArchiveReader(_StrictDecompress, DecompressingBufferedReader):
    pass


class _BodyReader(_StrictDecompress, BufferedReader):
    pass


class _ChunkedBodyReader(_StrictDecompress, ChunkedDataReader):
    pass


class _Records(ArchiveIterator):
    """warcio's record iterator over one file, as WARC or as ARC, with our strict reader beneath it."""

    INC_RECORD = ""  # warcio writes this warning to stderr; a record it applies to becomes a rejection instead

    def __init__(self, stream: Any, kind: str) -> None:
        super().__init__(stream, arc2warc=True)
        self.reader = _ArchiveReader(self.fh, block_size=BLOCK_SIZE)
        self.known_format = kind  # parse every record as this format (no guessing ARC from stray lines)

    def skip_blank_lines(self) -> None:
        """Pass over blank lines before the first record (a gzip member may begin with the last one's)."""
        line = self.reader.readline()
        while line and not line.strip():
            line = self.reader.readline()
        self.next_line = line or None


class _Inflated:
    """Gzip members from the handle's position on, inflated as one stream (for members that do not line
    up with records); `member` is the file offset of the member being inflated."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.member = self._position = handle.tell()
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._out = 0
        self._ready = b""

    def _raw(self) -> bytes:
        data = self._handle.read(BLOCK_SIZE)
        self._position += len(data)
        return data

    def _inflate(self) -> bytes:
        """The next piece of inflated data, or b"" at a clean end (after a whole member, or zero padding)."""
        while True:
            if self._inflater.eof:  # the next member, after any zero padding
                data = self._inflater.unused_data
                while not data.strip(b"\x00"):
                    data = self._raw()
                    if not data:
                        return b""
                data = data.lstrip(b"\x00")
                self.member = self._position - len(data)
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                data = self._raw()
                if not data:
                    raise _Corrupt("the gzip data ends part way through a member")
            try:
                inflated = self._inflater.decompress(data)
            except zlib.error as exc:
                raise _Corrupt(f"compressed data is corrupt: {exc}") from exc
            if inflated:
                return inflated

    def read(self, size: int = -1) -> bytes:
        wanted = BLOCK_SIZE if size < 0 else size
        while len(self._ready) < wanted:  # whole blocks: warcio sniffs compression from the first one
            more = self._inflate()
            if not more:
                break
            self._ready += more
        data, self._ready = self._ready[:wanted], self._ready[wanted:]
        self._out += len(data)
        return data

    def tell(self) -> int:
        return self._out


@dataclass(frozen=True)
class _Start:
    """Where (and how) to read on from."""

    offset: int
    whole_stream: bool = False  # read the gzip members from `offset` on as one stream
    guess: bool = False  # found by searching: if no record parses here, search on (silently)


Outcome = RawDocument | Rejection | Skipped


def read_warc(path: Path, max_bytes: int) -> Iterator[Outcome]:
    """Each record of a WARC or ARC file as a raw HTML document, a Skipped, or a rejection, in file order.

    Bodies over `max_bytes` (before or after decoding) are rejected as `too_large`.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield Rejection("ingest", "unreadable", f"cannot read file: {exc.strerror or exc}", Location(str(path)))
        return
    with handle:
        gzipped = handle.read(2) == _GZIP_MAGIC[:2]
        kind = "arc" if path.name.lower().removesuffix(".gz").endswith(".arc") else "warc"
        pattern = None if gzipped else (_ARC_LINE if kind == "arc" else _WARC_LINE)
        reader = _FileReader(handle, str(path), kind, gzipped, pattern, max_bytes)
        start: _Start | None = _Start(0)
        while start is not None:
            start = yield from reader.read_from(start)


class _FileReader:
    """The records of one open archive file, read from a given start until the end or the next damage.

    A gzip file is read member by member (each record in a member of its own, offsets are member
    offsets). At the first sign of trouble with a record there (or a member that goes on past its
    record) the file is read on from that record's member as one stream; trouble there is damage.
    """

    def __init__(
        self, handle: BinaryIO, path: str, kind: str, gzipped: bool, pattern: re.Pattern[bytes] | None, max_bytes: int
    ) -> None:
        self.handle, self.path, self.kind = handle, path, kind
        self.gzipped, self.pattern, self.max_bytes = gzipped, pattern, max_bytes

    def _bad(self, offset: int, reason: str) -> Rejection:
        return Rejection("ingest", "bad_warc_record", reason, Location(self.path, offset))

    def _search(self, after: int) -> _Start | None:
        """The next place at or after `after` where a record may begin, or None at the end of the file."""
        if self.pattern is None:
            found = _find_gzip_member(self.handle, after)
        else:
            found = _find(self.handle, after, self.pattern)
        return None if found is None else _Start(found, guess=True)

    def read_from(self, start: _Start) -> Generator[Outcome, None, _Start | None]:
        """Yield outcomes from `start` on; return where to go on from (after damage), or None when done."""
        self.handle.seek(start.offset)
        inflated = _Inflated(self.handle) if start.whole_stream else None
        base = start.offset if inflated else 0
        records = _Records(inflated or self.handle, self.kind)
        by_member = self.gzipped and inflated is None

        def damaged(offset: int, reason: str) -> Generator[Outcome, None, _Start | None]:
            if by_member:  # first read on from this member as one stream: the record may go on in the next
                return _Start(offset, whole_stream=True)
            yield self._bad(offset, reason)
            after = offset if inflated is None else inflated.member  # a file offset at or before the damage
            return self._search(max(after, start.offset) + 1)

        read = 0
        trouble: str | None
        while True:
            offset = base + records.offset
            try:
                if read == 0:
                    records.skip_blank_lines()
                record = next(records)
            except StopIteration:  # warcio also ends quietly on a record cut short in its HTTP head, and on a
                # gzip member that gives no data: is the rest of the file really empty?
                if inflated.tell() <= records.offset if inflated else _is_empty_tail(self.handle, offset):
                    return None
                trouble = "record is truncated, or the data after the last record cannot be read"
            except Exception as exc:
                trouble = _describe(exc)
            else:
                trouble = None
            if trouble is not None:
                if start.guess and read == 0:  # no record where the search guessed one: search on
                    return self._search(start.offset + 1)
                return (yield from damaged(offset, trouble))
            read += 1
            problem = _header_problem(record)
            if problem is not None and problem[1]:  # no length: the record's end is unknown
                return (yield from damaged(offset, problem[0]))
            errors_before = records.err_count
            try:
                outcome = _classify(record, Location(self.path, offset), self.max_bytes)
                short = _drain(record)
                records.read_to_end()
            except Exception as exc:
                return (yield from damaged(offset, _describe(exc)))
            if short:
                problem = (f"record is truncated: the data ends {short:,} bytes before its end", False)
            elif records.err_count > errors_before:
                problem = ("record is not followed by a blank line (its Content-Length is wrong?)", False)
            elif by_member and records.next_line is not None:
                problem = ("the gzip member goes on past the record", False)
            if problem is not None and by_member:
                return _Start(offset, whole_stream=True)
            yield outcome if problem is None else self._bad(offset, problem[0])


def _describe(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return f"record cannot be read: {text[:300] or type(exc).__name__}"


def _header_problem(record: Any) -> tuple[str, bool] | None:
    """What is wrong with a record's own header, and whether it leaves the record's end unknown."""
    headers = record.rec_headers
    if not headers.protocol or not record.rec_type:
        return "record has no WARC header", True
    length = headers.get_header("Content-Length")
    if length is None:
        return "record has no Content-Length", True
    if not length.strip().isdigit():
        return f"record has an invalid Content-Length: {length[:40]!r}", False
    return None


def _classify(record: Any, location: Location, max_bytes: int) -> Outcome:
    """The raw document in an HTML response record, or why the record is skipped (reads the body if needed)."""
    if record.rec_type == "revisit":
        return Skipped(location, "revisit")
    if record.rec_type != "response":
        return Skipped(location, "not_response")
    http = record.http_headers
    if http is None or not http.protocol.upper().startswith("HTTP/"):
        return Skipped(location, "not_http")
    if http.get_statuscode() != "200":
        return Skipped(location, "not_200")
    content_type = http.get_header("Content-Type") or ""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime and mime not in HTML_TYPES:
        return Skipped(location, "not_html")
    remaining = getattr(record.raw_stream, "limit", None)
    if remaining is not None and remaining > max_bytes:
        return Rejection(
            "ingest", "too_large", f"record body is {remaining:,} bytes, over the {max_bytes:,}-byte cap", location
        )
    body = _decode_body(record.raw_stream.read(max_bytes + 1), http, max_bytes)
    if body is None:
        return Rejection("ingest", "too_large", f"record body is over the {max_bytes:,}-byte cap", location)
    if not mime and not _HTML_START.search(body[:2048]):
        return Skipped(location, "not_html")
    charset = _CHARSET.search(content_type)
    hints = SourceHints(
        url=record.rec_headers.get_header("WARC-Target-URI") or None,
        captured=record.rec_headers.get_header("WARC-Date") or None,
    )
    return RawDocument(location, "html", _as_utf8(body, charset.group(1) if charset else None), hints)


def _decode_body(payload: bytes, http: Any, max_bytes: int) -> bytes | None:
    """The HTTP body with chunking and compression undone; None when it is over `max_bytes`."""
    if len(payload) > max_bytes:
        return None
    encoding: str | None = (http.get_header("Content-Encoding") or "").strip().lower()
    encoding = "gzip" if encoding == "x-gzip" else encoding
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = None  # identity, or one we cannot undo: extraction says what the bytes are
    chunked = "chunked" in (http.get_header("Transfer-Encoding") or "").lower()
    if not chunked and not encoding:
        return payload
    make: Callable[..., BufferedReader] = _ChunkedBodyReader if chunked else _BodyReader
    body = make(io.BytesIO(payload), decomp_type=encoding).read(max_bytes + 1)
    return None if len(body) > max_bytes else bytes(body)


def _as_utf8(body: bytes, charset: str | None) -> bytes:
    """The body in UTF-8 when the HTTP header names its charset and it is not UTF-8 already.

    The header's charset outranks the page's own `<meta charset>`, as in browsers; extraction,
    which sees only the bytes, tries UTF-8 first. Bytes the charset does not decode stay as they are.
    """
    if not charset or b"\x00" in body[:4096]:
        return body
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    label = charset.strip().lower()
    try:
        return body.decode("cp1252" if label in _WINDOWS_1252 else label).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return body


def _drain(record: Any) -> int:
    """Read the rest of a record; how many bytes short of its Content-Length it ended (0 when whole)."""
    stream = record.raw_stream
    while stream.read(BLOCK_SIZE):
        pass
    return max(0, int(getattr(stream, "limit", 0)))


def _is_empty_tail(handle: IO[bytes], offset: int) -> bool:
    """Whether the file from `offset` on holds no record: nothing, padding, or an empty gzip member."""
    handle.seek(offset)
    tail = handle.read(_SCAN_CHUNK)
    if not tail.strip(b"\x00 \t\r\n"):
        return True
    if not tail.startswith(_GZIP_MAGIC):
        return False
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = decompressor.decompress(tail)
    except zlib.error:
        return False
    return decompressor.eof and not data.strip() and not decompressor.unused_data.strip(b"\x00")


def _find(handle: IO[bytes], after: int, pattern: re.Pattern[bytes]) -> int | None:
    """The offset of the next line at or after `after` that `pattern` (which starts with its newline) matches."""
    position = max(after - 1, 0)
    if after == 0:
        handle.seek(0)
        if pattern.match(b"\n" + handle.read(64)):
            return 0
    overlap = 512
    while True:
        handle.seek(position)
        chunk = handle.read(_SCAN_CHUNK + overlap)
        match = pattern.search(chunk)
        if match:
            return position + match.start(1)
        if len(chunk) <= overlap:
            return None
        position += len(chunk) - overlap


def _find_gzip_member(handle: IO[bytes], after: int) -> int | None:
    """The offset of the next gzip member header at or after `after`."""
    position = after
    while True:
        handle.seek(position)
        chunk = handle.read(_SCAN_CHUNK + len(_GZIP_MAGIC))
        found = chunk.find(_GZIP_MAGIC)
        if found >= 0:
            return position + found
        if len(chunk) <= len(_GZIP_MAGIC):
            return None
        position += len(chunk) - len(_GZIP_MAGIC)


def read_capture(path: Path, offset: int, max_bytes: int) -> dict[str, Any]:
    """The response record at `offset` of a WARC file, as captured: target URI, date, HTTP status
    line and headers, and the body (at most `max_bytes`). ValueError when no response is there."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        for record in ArchiveIterator(handle):
            if record.rec_type != "response":
                break
            http = record.http_headers
            body = record.content_stream().read(max_bytes + 1)
            return {
                "url": record.rec_headers.get_header("WARC-Target-URI"),
                "captured": record.rec_headers.get_header("WARC-Date"),
                "status": http.statusline if http else None,
                "headers": list(http.headers) if http else [],
                "body": body[:max_bytes],
                "truncated": len(body) > max_bytes,
            }
    raise ValueError(f"no response record at offset {offset} of {path}")
