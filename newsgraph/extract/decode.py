"""Bytes to text, with the checks that turn unusable input into a reason: empty, binary, undecodable."""

from __future__ import annotations

import re

from charset_normalizer import from_bytes

# Signatures of common binary formats that sometimes arrive with a text or HTML suffix.
BINARY_MAGIC = (
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"%PDF",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"BZh",
    b"\x7fELF",
    b"RIFF",
    b"OggS",
    b"\x00\x00\x01\x00",
    b"7z\xbc\xaf",
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)


class DecodeProblem(ValueError):
    """Why bytes could not become text; `code` is the rejection code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _control_ratio(sample: bytes) -> float:
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls / max(1, len(sample))


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode page bytes to text or raise DecodeProblem.

    Order: BOM, UTF-8, the charset the page declares, then charset detection. Text that
    decodes only into control characters or replacement marks is undecodable.
    """
    if not data.strip():
        raise DecodeProblem("empty", "file is empty or whitespace only")
    head = data[:4096]
    if head.startswith(BINARY_MAGIC) or (b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        raise DecodeProblem("binary", "content is binary, not text")
    if _control_ratio(head) > 0.05:
        raise DecodeProblem("binary", "content is mostly control bytes, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates: list[str] = []
    match = _META_CHARSET.search(data[:8192])
    if match:
        candidates.append(match.group(1).decode("ascii", "ignore"))
    if declared:
        candidates.append(declared)
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise DecodeProblem("undecodable", "cannot determine the text encoding")
    text = data.decode(best.encoding, "replace")
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise DecodeProblem("undecodable", f"content does not decode cleanly (guessed {best.encoding})")
    return text
