"""Page furniture that main-text extraction sometimes keeps: cookie notices, subscription boxes, ads.

Used to tell a page with no article (a section front, a consent wall) from a short article; the
paragraphs themselves are kept, since quoted text and wire credits can look like furniture.
Only short paragraphs are judged.
"""

from __future__ import annotations

import re

MAX_FURNITURE_WORDS = 40
_FURNITURE = re.compile(
    r"\b(?:cookies?|subscribe|subscription|newsletter|advertisement|sponsored|sign (?:in|up)|log ?in|"
    r"all rights reserved|privacy (?:policy|notice)|terms (?:of|and) (?:use|service|conditions)|"
    r"follow us|share (?:this|on)|read more|related (?:stories|articles)|e-paper|javascript|your browser)\b",
    re.I,
)
_BREADCRUMB = re.compile(r"^\s*(?:home|start)\s*[›>»/|]", re.I)
_COPYRIGHT = re.compile(r"^\s*(?:©|\(c\)|copyright)\s", re.I)


def is_furniture(paragraph: str) -> bool:
    """Whether a short paragraph is site furniture rather than article text."""
    words = paragraph.split()
    if len(words) > MAX_FURNITURE_WORDS:
        return False
    if _BREADCRUMB.search(paragraph) or _COPYRIGHT.search(paragraph):
        return True
    return bool(_FURNITURE.search(paragraph))


def drop_furniture(paragraphs: list[str]) -> list[str]:
    return [p for p in paragraphs if not is_furniture(p)]
