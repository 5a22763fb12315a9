"""Walk files and folders and hand each input to the reader for its format."""

from __future__ import annotations

import gzip
import os
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from newsgraph.errors import InputNotFound
from newsgraph.ingest.jsonl import read_jsonl
from newsgraph.ingest.sidecar import read_sidecar
from newsgraph.ingest.warc import ARCHIVE_SUFFIXES, Skipped, read_warc
from newsgraph.records import Format, Location, RawDocument, Rejection, SourceHints

# file suffix (after removing .gz) → format
SUFFIXES: dict[str, Format] = {".html": "html", ".htm": "html", ".xhtml": "html", ".txt": "text", ".jsonl": "jsonl"}
InputFormat = Format | Literal["warc"]  # "warc": a WARC or ARC archive, read record by record


def detect_format(path: Path) -> InputFormat | None:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    suffix = Path(name).suffix
    if suffix in ARCHIVE_SUFFIXES:
        return "warc"
    return SUFFIXES.get(suffix)


def _walk(root: Path, follow_symlinks: bool) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def list_inputs(paths: Iterable[str | Path], follow_symlinks: bool = False) -> Iterator[Path]:
    """Every file under `paths` whose format newsgraph reads, in a stable order.

    A path named directly must exist (else InputNotFound); files in folders that are not
    articles (sidecars, READMEs) are passed over.
    """
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise InputNotFound(f"no such file or folder: {given}")
        if path.is_dir():
            for found in _walk(path, follow_symlinks):
                if detect_format(found) is not None and (follow_symlinks or not found.is_symlink()):
                    yield found
        else:
            yield path


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """Read a file, gunzipping `.gz`; raises ValueError when it exceeds `max_bytes`."""
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    else:
        if path.stat().st_size > max_bytes:
            raise ValueError(f"file is {path.stat().st_size:,} bytes, over the {max_bytes:,}-byte cap")
        data = path.read_bytes()
    if len(data) > max_bytes:
        raise ValueError(f"content is over the {max_bytes:,}-byte cap")
    return data


def _read_jsonl_file(path: Path, max_bytes: int) -> Iterator[RawDocument | Rejection]:
    """JSON Lines are streamed: the size cap applies to each line, not to the file."""
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as handle:
            yield from read_jsonl(handle, str(path), max_bytes)
    except (OSError, EOFError, zlib.error) as exc:
        yield Rejection("ingest", "unreadable", f"cannot read file: {exc}", Location(str(path)))


def read_document(path: Path, max_bytes: int, skipped: Counter[str] | None = None) -> Iterator[RawDocument | Rejection]:
    """The raw documents in one file (several for JSON Lines and WARC), or a rejection saying why not.

    WARC/ARC records that are not HTML pages are counted into `skipped` by reason, when given.
    """
    location = Location(str(path))
    fmt = detect_format(path)
    if fmt is None:
        yield Rejection(
            "ingest", "unsupported_format", f"not a format newsgraph reads: {path.suffix or path.name}", location
        )
        return
    if fmt == "jsonl":
        yield from _read_jsonl_file(path, max_bytes)
        return
    if fmt == "warc":
        for item in read_warc(path, max_bytes):
            if isinstance(item, Skipped):
                if skipped is not None:
                    skipped[item.reason] += 1
            else:
                yield item
        return
    try:
        data = _read_bytes(path, max_bytes)
    except ValueError as exc:
        yield Rejection("ingest", "too_large", str(exc), location)
        return
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        yield Rejection("ingest", "unreadable", f"cannot read file: {reason}", location)
        return
    hints = read_sidecar(path) or SourceHints()
    yield RawDocument(location, fmt, data, hints)


def iter_inputs(
    paths: Iterable[str | Path],
    max_bytes: int = 5_000_000,
    follow_symlinks: bool = False,
    skipped: Counter[str] | None = None,
) -> Iterator[RawDocument | Rejection]:
    """Every raw document (or ingest rejection) found under `paths`, in a stable order."""
    for path in list_inputs(paths, follow_symlinks):
        yield from read_document(path, max_bytes, skipped)
