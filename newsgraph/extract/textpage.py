"""Plain-text articles: an optional page-title line (`Section - Section - Site`), a headline, a body."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATORS = re.compile(r"\s+[-–—|]\s+")
_BLANK_LINES = re.compile(r"\n\s*\n")
MAX_HEADLINE_CHARS = 250


@dataclass(frozen=True)
class TextPage:
    title: str
    paragraphs: tuple[str, ...]
    site: str | None
    sections: tuple[str, ...]


def _title_line_parts(line: str) -> list[str] | None:
    """The segments of a page-title line, or None when the line is not one.

    A page-title line has at least three short segments (`Iraq News - Local News - Baghdadpost`)
    and does not read as a sentence.
    """
    parts = [p.strip() for p in _SEPARATORS.split(line.strip())]
    if len(parts) < 3 or any(not p or len(p) > 60 for p in parts):
        return None
    if line.rstrip().endswith((".", "?", "!", ":", ",")):
        return None
    return parts


def _join_wrapped(block: str) -> str:
    """A paragraph with its hard line breaks turned into spaces."""
    return " ".join(line.strip() for line in block.splitlines() if line.strip())


def parse_text_page(text: str) -> TextPage:
    """Split a text article into page-title segments, headline and paragraphs.

    Paragraphs are separated by blank lines. When the file has no blank lines at all, each
    line is a paragraph.
    """
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _BLANK_LINES.search(normalised):
        blocks = [_join_wrapped(b) for b in _BLANK_LINES.split(normalised)]
    else:
        blocks = [line.strip() for line in normalised.split("\n")]
    blocks = [b for b in blocks if b]
    site: str | None = None
    sections: tuple[str, ...] = ()
    if len(blocks) >= 2:
        parts = _title_line_parts(blocks[0])
        if parts is not None:
            site, sections = parts[-1], tuple(parts[:-1])
            blocks = blocks[1:]
    title = ""
    if len(blocks) >= 2 and len(blocks[0]) <= MAX_HEADLINE_CHARS:
        title, blocks = blocks[0], blocks[1:]
    return TextPage(title=title, paragraphs=tuple(blocks), site=site, sections=sections)
