"""The WARC evidence writer: every fetched response kept as it came, in gzipped WARC files.

`WarcArchive(folder, max_bytes).write(result)` appends a `response` record (the status line and
headers as received, the body) and its `request` record (WARC-Concurrent-To the response), and
answers `(file name, offset)` of the response record: open the file, seek to the offset, and
warcio's `ArchiveIterator` reads that record first. Bodies are stored decoded, so the
Content-Encoding and Transfer-Encoding headers that no longer apply are dropped and Content-Length
is set to the stored body's length.

Files are `newsgraph-YYYYMMDDHHMMSS-00001.warc.gz` (prefix, the time the file was begun, a serial),
each starting with a `warcinfo` record; a new one is begun once a file passes `max_bytes`. Each
record is flushed as soon as it is written, so a crash loses nothing already written. A process
never appends to a file another left: it begins its own (names are taken with exclusive create).
"""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsgraph import __version__
from newsgraph.fetch.client import FetchResult
from newsgraph.settings import Settings

DROPPED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


def warc_folder(settings: Settings) -> Path:
    return Path(settings.data_dir) / "warc"


class WarcArchive:
    """Writes fetch results to rotating WARC files in `folder`. Thread-safe; close it when done."""

    def __init__(self, folder: Path, max_bytes: int, prefix: str = "newsgraph") -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.prefix = prefix
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._name = ""
        self._serial = 0
        self.files: list[str] = []  # names of the files this archive began, in order

    @classmethod
    def for_settings(cls, settings: Settings) -> WarcArchive:
        return cls(warc_folder(settings), settings.warc_max_bytes)

    def write(self, result: FetchResult) -> tuple[str, int]:
        """Append `result` (response, then request); the file name and offset of its response record."""
        with self._lock:
            if self._file is None or self._file.tell() >= self.max_bytes:
                self._begin_file()
            assert self._file is not None and self._writer is not None
            response = self._response_record(self._writer, result)
            request = self._request_record(self._writer, result, response.rec_headers.get_header("WARC-Record-ID"))
            offset = self._file.tell()
            self._writer.write_record(response)
            self._writer.write_record(request)
            self._file.flush()
            return self._name, offset

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
            self._file = self._writer = None

    def __enter__(self) -> WarcArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _begin_file(self) -> None:
        if self._file is not None:
            self._file.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        while True:
            self._serial += 1
            name = f"{self.prefix}-{stamp}-{self._serial:05d}.warc.gz"
            try:
                handle = open(self.folder / name, "xb")  # noqa: SIM115 - kept open across writes
            except FileExistsError:
                continue
            break
        self._file, self._name = handle, name
        self.files.append(name)
        self._writer = WARCWriter(handle, gzip=True)
        info = {
            "software": f"newsgraph/{__version__} (warcio)",
            "hostname": socket.gethostname(),
            "format": "WARC File Format 1.0",
            "conformsTo": "http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf",
        }
        self._writer.write_record(self._writer.create_warcinfo_record(name, info))
        handle.flush()

    @staticmethod
    def _response_record(writer: WARCWriter, result: FetchResult) -> Any:
        received = list(result.raw_headers) or list(result.headers.items())
        headers = [(k, v) for k, v in received if k.lower() not in DROPPED_HEADERS]
        headers.append(("Content-Length", str(len(result.content))))
        status_line = f"{result.status} {result.reason}".strip()
        http_headers = StatusAndHeaders(status_line, headers, protocol=result.http_version or "HTTP/1.1")
        return writer.create_warc_record(
            result.final_url,
            "response",
            payload=BytesIO(result.content),
            length=len(result.content),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": result.fetched_at},
        )

    @staticmethod
    def _request_record(writer: WARCWriter, result: FetchResult, response_id: str) -> Any:
        parts = urlsplit(result.final_url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = list(result.request_headers.items())
        http_headers = StatusAndHeaders(
            f"GET {target} {result.http_version or 'HTTP/1.1'}", headers, is_http_request=True
        )
        return writer.create_warc_record(
            result.final_url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": result.fetched_at, "WARC-Concurrent-To": response_id},
        )
