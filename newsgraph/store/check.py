"""Check a text against the knowledge base without storing it: copies, story, names and quotes.

One document is extracted and analysed as ingest would do it, then answered against the stored
corpus with reads only (temporary id tables aside), so a read-only connection will do:

- copies: candidates are the stored articles whose fingerprint samples share sampled 5-grams with
  the text (the samples are read a chunk at a time and only the text's own hashes are kept, so
  memory follows the text, not the corpus) and those with the same text hash; each is checked on
  the full texts with the copy step's rules. The likely original is the earliest of the matches
  and the text; each diff goes from the stored article to the checked text;
- story: the story of its original (or of a matching article), else the active story the
  clusterer would put it in, scored with the current document frequencies;
- entities: each name group resolved to a stored entity by its exact spelling, else by the
  matching rules against names sharing a blocking key; left unresolved when several entities fit;
- quotes: each quotation's earliest stored appearance, by the provenance step's 4-gram test.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from newsgraph.corpus.copies import classify, fingerprint, overlap, sample_entries, shared_sample_pairs
from newsgraph.corpus.entities import name_index_keys
from newsgraph.corpus.matching import parse_name, same_entity
from newsgraph.corpus.quotes import normalise_quote, quote_shingles, same_quote
from newsgraph.corpus.stories import Story, StoryArticle, StoryClusterer, terms
from newsgraph.enrich.analysis import analyse_articles
from newsgraph.enrich.namekeys import name_key
from newsgraph.errors import InputNotFound, NotFound, UserError
from newsgraph.extract.article import extract_article
from newsgraph.extract.dates import utc_timestamp
from newsgraph.ingest.files import detect_format, read_document
from newsgraph.records import Analysis, Article, Format, Location, NameGroup, RawDocument, Rejection, SourceHints
from newsgraph.report import TYPE_ORDER
from newsgraph.settings import Settings
from newsgraph.store.base import Store
from newsgraph.store.copies import SAMPLE_CHUNK, _article_rows, _diff, diff_record
from newsgraph.store.entities import entity_for_name
from newsgraph.store.quotes import COMMON_SHINGLE
from newsgraph.store.refs import article_ref, article_refs

MAX_CANDIDATES = 200  # stored articles checked on full texts, most shared samples first
MAX_NAME_CANDIDATES = 2000  # stored names compared with one name of the text
ENTITY_TYPES = ("person", "org", "place")
UNDATED_STORIES = 200  # stories without dates considered beside the dated window


# ---- inputs ---------------------------------------------------------------------------------------


def _given(value: str | None) -> str | None:
    return value.strip() or None if value else None


def raw_from_text(
    text: str, title: str | None = None, source: str | None = None, published: str | None = None, url: str | None = None
) -> RawDocument:
    """A pasted text. Without a title its first line may be the headline (as in a .txt file);
    with one, every paragraph is body."""
    fmt: Format = "jsonl" if title and title.strip() else "text"  # "jsonl": the body as it stands
    hints = SourceHints(url=_given(url), published=_given(published), source=_given(source), title=_given(title))
    return RawDocument(Location("(pasted)"), fmt, text.encode("utf-8", "replace"), hints)


def raw_from_html(
    html: bytes | str,
    url: str | None = None,
    title: str | None = None,
    source: str | None = None,
    published: str | None = None,
) -> RawDocument:
    """An uploaded page; what is given here wins over the page's own metadata."""
    content = html.encode("utf-8", "replace") if isinstance(html, str) else html
    hints = SourceHints(url=_given(url), published=_given(published), source=_given(source), title=_given(title))
    return RawDocument(Location(url or "(uploaded page)"), "html", content, hints)


def raw_from_path(
    path: str | Path,
    max_bytes: int,
    title: str | None = None,
    source: str | None = None,
    published: str | None = None,
    url: str | None = None,
) -> RawDocument:
    """One .html/.htm (optionally .gz) or .txt file with its sidecar; the given values win over both."""
    file = Path(path)
    if not file.exists():
        raise InputNotFound(f"no such file: {path}")
    if file.is_dir():
        raise UserError(f"check takes one file, not a folder: {path}")
    if detect_format(file) not in ("html", "text"):
        raise UserError(f"check reads .html, .htm (optionally .gz) or .txt files, not {file.name}")
    item = next(read_document(file, max_bytes))
    if isinstance(item, Rejection):
        raise UserError(f"{item.location}: rejected ({item.code}): {item.reason}")
    hints = item.hints
    hints = replace(
        hints,
        title=_given(title) or hints.title,
        source=_given(source) or hints.source,
        published=_given(published) or hints.published,
        url=_given(url) or hints.url,
    )
    return replace(item, hints=hints)


def raw_from_stored_url(store: Store, url: str) -> RawDocument:
    """The stored article with this URL, as a document to check (the network is never used)."""
    row = store.conn.execute(
        "SELECT a.title, a.text, a.authors, a.published, s.name, a.language, a.location FROM articles a "
        "LEFT JOIN sources s ON s.id = a.source_id WHERE a.url = ? "
        "ORDER BY a.published_utc IS NULL, a.published_utc, a.id LIMIT 1",
        (url,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no stored article has the URL {url!r} (only ingested pages can be checked by URL)")
    title, text, authors, published, source, language, location = row
    hints = SourceHints(url, published, source, title, tuple(json.loads(authors)), language)
    return RawDocument(Location(location), "jsonl", text.encode("utf-8"), hints)


# ---- the check ------------------------------------------------------------------------------------


def check_document(store: Store, raw: RawDocument, settings: Settings) -> dict[str, Any]:
    """What the knowledge base knows about one document: its copies and their original, its story,
    its names as stored entities and where its quotations first appeared. Nothing is written."""
    extracted = extract_article(raw, settings)
    if isinstance(extracted, Rejection):
        raise UserError(f"cannot check {extracted.location}: rejected ({extracted.code}): {extracted.reason}")
    analysis = analyse_articles([extracted], settings)[0]
    article = extracted
    copies = _copies(store, article, settings)
    return {
        "article": {
            "id": article.id,
            "title": article.title,
            "source": article.source,
            "published": article.published,
            "url": article.url,
            "authors": list(article.authors),
            "language": article.language,
            "words": article.word_count,
            "location": str(article.location),
        },
        "stored": article_ref(store, article.id),  # the same article is already in the knowledge base
        "copies": copies,
        "story": _story(store, article, analysis, copies, settings),
        "entities": _entities(store, analysis),
        "quotes": _quotes(store, analysis),
    }


def _order(article: dict[str, Any]) -> tuple[bool, str, str]:
    """Earliest first: dated before undated, then by time, then by id (as copy groups are ordered)."""
    return (article["published_utc"] is None, article["published_utc"] or "", article["id"])


def _candidates(store: Store, article: Article, settings: Settings) -> list[str]:
    """Stored articles that may share text with the article: sampled 5-grams in common, or the same words."""
    print_ = fingerprint(article.text)
    wanted = np.asarray(print_.sample, dtype=np.int64)
    ids: list[str] = []
    counts = [len(print_.sample)]  # index 0 is the checked text

    def chunks() -> Iterator[list[tuple[int, bytes]]]:
        cursor = store.stream("SELECT article_id, samples, sample FROM fingerprints")
        while batch := cursor.fetchmany(SAMPLE_CHUNK):
            start = len(ids) + 1
            ids.extend(str(r[0]) for r in batch)
            counts.extend(int(r[1]) for r in batch)
            yield [(start + i, blob or b"") for i, (_, _, blob) in enumerate(batch)]

    ranked: list[tuple[int, str]] = []
    if len(wanted):
        hashes, owners = sample_entries(chunks(), wanted)
        dirty = np.zeros(len(counts), dtype=bool)
        dirty[0] = True
        pairs = shared_sample_pairs(
            np.concatenate([wanted, hashes]),
            np.concatenate([np.zeros(len(wanted), dtype=np.int64), owners]),
            np.asarray(counts, dtype=np.int64),
            dirty,
            settings.copy_rules.min_containment,
        )
        ranked = sorted(((-shared, ids[high - 1]) for low, high, shared in pairs if low == 0))
    exact = [
        str(r[0])
        for r in store.conn.execute("SELECT article_id FROM fingerprints WHERE text_hash = ?", (print_.text_hash,))
    ]
    found = dict.fromkeys([*exact, *(ident for _, ident in ranked[:MAX_CANDIDATES])])
    found.pop(article.id, None)  # the article itself, when it is stored
    return list(found)


def _copies(store: Store, article: Article, settings: Settings) -> dict[str, Any]:
    checked: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "text": article.text,
        "authors": list(article.authors),
        "source": article.source,
        "published_utc": utc_timestamp(article.published),
    }
    rows = _article_rows(store, set(_candidates(store, article, settings)))
    found = []
    for row in sorted(rows.values(), key=_order):
        pair = overlap(article.text, row["text"])
        kind = classify(pair, settings.copy_rules)
        if kind:
            found.append((row, kind, pair))
    refs = article_refs(store, [row["id"] for row, _, _ in found])
    matches = []
    for row, kind, pair in found:
        lag = None
        stored_at, checked_at = _when(row["published_utc"]), _when(checked["published_utc"])
        if stored_at and checked_at:
            lag = int((checked_at - stored_at).total_seconds())
        matches.append(
            {
                "article": refs[row["id"]],
                "kind": kind,
                "containment": {"checked_in_stored": round(pair.in_a, 4), "stored_in_checked": round(pair.in_b, 4)},
                "shared_words": pair.shared_words,
                "lag_seconds": lag,  # how much later the checked text is dated
                "diff": diff_record(_diff(row, checked)),  # `original` the stored side, `copy` the checked
            }
        )
    ordered = sorted([checked, *(row for row, _, _ in found)], key=_order)
    earliest = ordered[0]
    unknown = bool(found) and (
        earliest["published_utc"] is None
        or (earliest["published_utc"] == ordered[1]["published_utc"] and earliest["source"] != ordered[1]["source"])
    )
    return {
        "original": refs[earliest["id"]] if found and earliest is not checked else None,
        "checked_is_earliest": bool(found) and earliest is checked,
        "original_unknown": unknown,
        "matches": matches,
    }


# ---- story ----------------------------------------------------------------------------------------


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _story_view(store: Store, story_id: str, score: float | None, via: str) -> dict[str, Any] | None:
    row = store.conn.execute(
        "SELECT id, label, articles, first_source, first_seen, last_update FROM stories WHERE id = ?", (story_id,)
    ).fetchone()
    if row is None:
        return None
    keys = ("id", "label", "article_count", "first_source", "first_seen", "last_update")
    return dict(zip(keys, row, strict=True)) | {"score": score, "via": via}


def _story(
    store: Store, article: Article, analysis: Analysis, copies: dict[str, Any], settings: Settings
) -> dict[str, Any] | None:
    conn = store.conn
    linked = [copies["original"]["id"]] if copies["original"] else []
    linked += [m["article"]["id"] for m in copies["matches"]]
    if not linked and conn.execute("SELECT 1 FROM articles WHERE id = ?", (article.id,)).fetchone():
        linked = [article.id]  # already stored: its own story
    for ident in linked:
        row = conn.execute("SELECT story_id FROM story_members WHERE article_id = ?", (ident,)).fetchone()
        if row:
            return _story_view(store, row[0], None, "copy")
    story_settings = settings.story_settings
    clusterer = StoryClusterer(story_settings)
    counts = terms(article.title, article.text)
    table = store.id_table("check_terms", counts)
    clusterer.df = Counter(dict(conn.execute(f"SELECT term, df FROM story_df WHERE term IN (SELECT id FROM {table})")))
    clusterer.seen = conn.execute("SELECT COUNT(*) FROM story_vectors").fetchone()[0]
    clusterer.latest = _when(conn.execute("SELECT MAX(published_utc) FROM articles").fetchone()[0])
    when = _when(utc_timestamp(article.published))
    anchor = when or clusterer.latest
    window = timedelta(days=story_settings.window_days)
    undated = f"SELECT id, first_seen, last_update FROM stories WHERE last_update IS NULL LIMIT {UNDATED_STORIES}"
    if anchor is None:
        rows = conn.execute(undated).fetchall()
    else:
        rows = conn.execute(
            f"SELECT id, first_seen, last_update FROM stories WHERE last_update BETWEEN ? AND ? UNION {undated}",
            ((anchor - window).isoformat(), (anchor + window).isoformat()),
        ).fetchall()
    for story_id, first, last in sorted(rows):
        members = conn.execute(
            "SELECT m.article_id, v.vector, v.entities FROM story_members m JOIN story_vectors v "
            "ON v.article_id = m.article_id WHERE m.story_id = ? ORDER BY m.article_id",
            (story_id,),
        ).fetchall()
        story = Story(story_id, _when(first), _when(last), [m[0] for m in members])
        clusterer.restore(story, [json.loads(m[1]) for m in members], [json.loads(m[2]) for m in members])
    names: dict[str, str] = {}
    for mention in analysis.mentions:
        key = name_key(analysis.groups[mention.group].name) if mention.field == "text" else ""
        if key:
            names.setdefault(key, mention.type)
    candidate = StoryArticle(article.id, when, article.title, counts, names)
    best, score = clusterer.best_story(candidate, clusterer.tfidf(counts))
    return _story_view(store, best, round(score, 4), "similarity") if best else None


# ---- entities -------------------------------------------------------------------------------------


def _entity_brief(store: Store, entity: str) -> dict[str, Any] | None:
    row = store.conn.execute(
        "SELECT id, name, type, article_count, unresolved FROM entities WHERE id = ?", (entity,)
    ).fetchone()
    if row is None:
        return None
    return {"id": row[0], "name": row[1], "type": row[2], "articles": row[3], "unresolved": bool(row[4])}


def _resolve(store: Store, group: NameGroup) -> list[str]:
    """The stored entities a name group can be: its exact spelling's, else those whose names the
    matching rules accept, else a stored spelling of one of its longer forms."""
    exact = entity_for_name(store, group.name)
    if exact:
        return [exact]
    form = parse_name(group.name, group.type)
    keys = sorted(k for k in name_index_keys(group.name) if not k.startswith("p:"))  # prefixes: too broad
    fits: dict[str, None] = {}
    if keys:
        marks = ",".join("?" * len(keys))
        for name, entity in store.conn.execute(
            f"SELECT DISTINCT n.name, n.entity_id FROM name_keys k JOIN names n ON n.id = k.name_id "
            f"WHERE k.key IN ({marks}) AND n.entity_id IS NOT NULL LIMIT {MAX_NAME_CANDIDATES}",
            keys,
        ):
            if entity not in fits and same_entity(form, parse_name(name, group.type)):
                fits[entity] = None
    if fits:
        return list(fits)
    for alias in group.aliases:
        found = entity_for_name(store, alias.name) if len(alias.name.split()) > 1 else None
        if found:
            return [found]
    return []


def _entities(store: Store, analysis: Analysis) -> list[dict[str, Any]]:
    groups = sorted(
        (g for g in analysis.groups if g.type in ENTITY_TYPES),
        key=lambda g: (TYPE_ORDER.get(g.type, 9), -g.count, g.name),
    )
    result = []
    for group in groups:
        found = [b for e in _resolve(store, group) if (b := _entity_brief(store, e)) is not None]
        result.append(
            {
                "name": group.name,
                "type": group.type,
                "count": group.count,
                "aliases": [a.name for a in group.aliases],
                "entity": found[0] if len(found) == 1 else None,
                "candidates": found if len(found) > 1 else [],  # several fit: left unresolved
            }
        )
    return result


# ---- quotes ---------------------------------------------------------------------------------------


def _same_quotes(store: Store, norm: str, shingles: set[int]) -> set[str]:
    """Stored quotes that are the same quotation (the provenance step's test)."""
    conn = store.conn
    candidates: set[str] = set()
    values = sorted(shingles)
    for i in range(0, len(values), 500):
        chunk = values[i : i + 500]
        candidates.update(
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT s.quote_id FROM quote_shingles s WHERE s.shingle IN ({','.join('?' * len(chunk))}) "
                f"AND (SELECT COUNT(*) FROM quote_shingles s3 WHERE s3.shingle = s.shingle) <= {COMMON_SHINGLE}",
                chunk,
            )
        )
    if not shingles:  # too short for 4-grams: the same words only
        candidates.update(r[0] for r in conn.execute("SELECT id FROM quotes WHERE norm = ?", (norm,)))
    table = store.id_table("check_quotes", candidates)
    return {
        ident
        for ident, other in conn.execute(f"SELECT id, norm FROM quotes WHERE id IN (SELECT id FROM {table})")
        if same_quote(norm, other, shingles, quote_shingles(other))
    }


def _quotes(store: Store, analysis: Analysis) -> list[dict[str, Any]]:
    conn = store.conn
    result = []
    for quote in analysis.quotes:
        norm = normalise_quote(quote.text)
        same = _same_quotes(store, norm, quote_shingles(norm))
        table = store.id_table("check_same", same)
        # its stored appearances: the same quotes and the rest of their provenance clusters, earliest first
        appearances = conn.execute(
            "SELECT q.text, q.article_id FROM quotes q JOIN articles a ON a.id = q.article_id "
            f"WHERE q.id IN (SELECT id FROM {table}) OR q.cluster_id IN (SELECT cluster_id FROM quotes "
            f"WHERE id IN (SELECT id FROM {table}) AND cluster_id IS NOT NULL) "
            "ORDER BY a.published_utc IS NULL, a.published_utc, a.id, q.start"
        ).fetchall()
        first = (
            {"article": article_ref(store, appearances[0][1]), "quote_text": appearances[0][0]} if appearances else None
        )
        result.append(
            {
                "text": quote.text,
                "kind": quote.kind,
                "speaker": quote.speaker,
                "role": quote.role,
                "cue": quote.cue,
                "first_appearance": first,
                "appearances": len(appearances),
            }
        )
    return result
