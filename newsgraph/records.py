"""Typed records that flow through the pipeline: ingest → extract → enrich → store.

Every record is a frozen dataclass. A stage takes one record and returns a new one (or a
`Rejection` saying why it could not); nothing is edited in place.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from newsgraph.corpus.copies import Fingerprint

Format = Literal["html", "text", "jsonl"]
EntityType = Literal["person", "org", "place", "group", "facility", "event"]


def content_hash(*parts: object, length: int = 16) -> str:
    """A stable hex id for the given parts (JSON-encoded, so order and types matter)."""
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:length]


@dataclass(frozen=True)
class Location:
    """Where a record came from: a file path and, for JSON Lines, a 1-based line; for WARC/ARC, the
    record's byte offset (see newsgraph.ingest.warc). Either prints as `path:N`."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass(frozen=True)
class SourceHints:
    """Metadata given alongside a page (a sidecar file or JSON Lines fields), trusted over the page."""

    url: str | None = None
    published: str | None = None
    source: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    language: str | None = None
    captured: str | None = None  # when an archive captured the page: a date to fall back on, never preferred


@dataclass(frozen=True)
class RawDocument:
    """Bytes or text as read from an input, before any interpretation."""

    location: Location
    format: Format
    content: bytes
    hints: SourceHints = field(default_factory=SourceHints)

    @property
    def raw_hash(self) -> str:
        return hashlib.sha256(self.content).hexdigest()[:24]


@dataclass(frozen=True)
class Article:
    """One news article: main text with paragraphs separated by blank lines, and its metadata."""

    id: str
    location: Location
    format: Format
    title: str
    text: str
    source: str | None
    url: str | None
    authors: tuple[str, ...]
    published: str | None
    published_from: str | None  # "hint", "metadata", "url", "text", "captured" or None
    language: str | None
    sections: tuple[str, ...] = ()
    raw_hash: str = ""
    credited: tuple[str, ...] = ()  # wire agencies the byline or dateline credits (`Reuters`, `AP`), for provenance

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n\n") if p.strip()]

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Mention:
    """A named-entity span in an article. Offsets index `Article.title` or `Article.text` (`field`)."""

    field: Literal["title", "text"]
    start: int
    end: int
    text: str
    label: str  # the NER label, e.g. PERSON, ORG, GPE
    type: EntityType
    group: int  # index into Analysis.groups


@dataclass(frozen=True)
class Alias:
    name: str
    count: int


@dataclass(frozen=True)
class NameGroup:
    """Mentions in one article that refer to the same thing, under every form the article used."""

    name: str  # the most complete form
    type: EntityType
    aliases: tuple[Alias, ...]
    count: int
    key: str  # normalised key of `name`, used to join groups across articles


@dataclass(frozen=True)
class Quote:
    """A quotation (`direct`) or reported speech (`reported`) in an article's text.

    `start`/`end` index `Article.text` and cover the quoted words (without the marks); a quote
    running over several paragraphs spans them all. The speaker is the name of an in-article
    name group (`speaker_group` indexes `Analysis.groups`), or None when the text names nobody:
    an anonymous source keeps its description in `role` and is never guessed into a name.
    """

    kind: Literal["direct", "reported"]
    text: str
    start: int
    end: int
    speaker: str | None
    speaker_group: int | None
    role: str | None
    cue: str | None
    anonymous: bool = False
    source_start: int | None = None  # the words naming the source in the text (`he`, `a senior official`)
    source_end: int | None = None


@dataclass(frozen=True)
class Analysis:
    """What enrichment found in one article."""

    article_id: str
    mentions: tuple[Mention, ...]
    groups: tuple[NameGroup, ...]
    method: str
    quotes: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class Rejection:
    """An input that could not become an article, with a stable code and a reason for people."""

    stage: str  # "ingest", "extract", "enrich"
    code: str
    reason: str
    location: Location
    raw_hash: str = ""

    @property
    def id(self) -> str:
        return content_hash(str(self.location), self.stage, self.code)


@dataclass(frozen=True)
class Processed:
    """The outcome of running one raw document through extract and enrich.

    It names its input by location and content hash only, so workers do not send page bytes back.
    """

    location: Location
    raw_hash: str
    article: Article | None = None
    fingerprint: Fingerprint | None = None
    analysis: Analysis | None = None
    rejection: Rejection | None = None
