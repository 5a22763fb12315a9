"""One article, no database: what `newsgraph analyze` shows, as a plain dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsgraph.enrich.analysis import analyse_articles
from newsgraph.errors import InputNotFound, UserError
from newsgraph.extract.article import extract_article
from newsgraph.ingest.files import detect_format, read_document
from newsgraph.records import Analysis, Article, RawDocument, Rejection
from newsgraph.settings import Settings

TYPE_ORDER = {"person": 0, "org": 1, "place": 2, "group": 3, "facility": 4, "event": 5}


def article_report(article: Article, analysis: Analysis) -> dict[str, Any]:
    """The article's metadata and its entities, each once, with every form the text used."""
    groups = sorted(analysis.groups, key=lambda g: (TYPE_ORDER.get(g.type, 9), -g.count, g.name))
    entities = [
        {
            "name": g.name,
            "type": g.type,
            "aliases": [a.name for a in g.aliases],
            "alias_counts": [{"name": a.name, "count": a.count} for a in g.aliases],
            "count": g.count,
        }
        for g in groups
    ]
    return {
        "id": article.id,
        "location": str(article.location),
        "source": article.source,
        "title": article.title,
        "published": article.published,
        "published_from": article.published_from,
        "url": article.url,
        "authors": list(article.authors),
        "credited": list(article.credited),
        "language": article.language,
        "sections": list(article.sections),
        "words": article.word_count,
        "paragraphs": len(article.paragraphs),
        "entities": entities,
        "quotes": [
            {
                "text": q.text,
                "kind": q.kind,
                "speaker": q.speaker,
                "speaker_entity": analysis.groups[q.speaker_group].name if q.speaker_group is not None else None,
                "role": q.role,
                "cue": q.cue,
                "anonymous": q.anonymous,
                "start": q.start,
                "end": q.end,
            }
            for q in analysis.quotes
        ],
        "method": analysis.method,
    }


def analyse_path(path: str | Path, settings: Settings, line: int = 1) -> dict[str, Any]:
    """Extract and analyse one article file (for JSON Lines, the record on `line`)."""
    file = Path(path)
    if not file.exists():
        raise InputNotFound(f"no such file: {path}")
    if file.is_dir():
        raise UserError(f"analyze takes one file, not a folder: {path} (use `newsgraph ingest` for folders)")
    if detect_format(file) is None:
        raise UserError(f"not a format newsgraph reads: {path} (expected .html, .htm, .txt or .jsonl, optionally .gz)")
    chosen: RawDocument | Rejection | None = None
    for item in read_document(file, settings.max_bytes):
        if item.location.line in (None, line):
            chosen = item
            break
    if chosen is None:
        raise UserError(f"{path} has no record on line {line}")
    extracted = chosen if isinstance(chosen, Rejection) else extract_article(chosen, settings)
    if isinstance(extracted, Rejection):
        raise UserError(f"{extracted.location}: rejected ({extracted.code}): {extracted.reason}")
    analysis = analyse_articles([extracted], settings)[0]
    return article_report(extracted, analysis)
