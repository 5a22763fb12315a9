"""JSON Lines: one article per line with `url`, `title`, `text` or `html`, `published`, `source`, …"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from newsgraph.ingest.sidecar import hints_from_mapping
from newsgraph.records import Location, RawDocument, Rejection


def read_jsonl(lines: Iterable[bytes], path: str, max_bytes: int) -> Iterator[RawDocument | Rejection]:
    """One RawDocument per good line; a Rejection (with its line number) per bad one."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        location = Location(path, number)
        if len(line) > max_bytes:
            yield Rejection("ingest", "too_large", f"line is over the {max_bytes:,}-byte cap", location)
            continue
        try:
            record = json.loads(line)
        except (UnicodeDecodeError, ValueError) as exc:
            yield Rejection("ingest", "bad_json", f"line is not valid JSON: {exc}", location)
            continue
        if not isinstance(record, dict):
            yield Rejection("ingest", "bad_json", "line is not a JSON object", location)
            continue
        html, text = record.get("html"), record.get("text")
        if isinstance(html, str) and html.strip():
            body, fmt = html, "html"
        elif isinstance(text, str) and text.strip():
            body, fmt = text, "jsonl"
        else:
            yield Rejection("ingest", "missing_field", "record has neither `text` nor `html`", location)
            continue
        content = body.encode("utf-8", "surrogatepass")
        if len(content) > max_bytes:
            yield Rejection("ingest", "too_large", f"record body is over the {max_bytes:,}-byte cap", location)
            continue
        yield RawDocument(location, fmt, content, hints_from_mapping(record))  # type: ignore[arg-type]
