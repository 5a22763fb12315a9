"""Article → Analysis: named entities from spaCy, repaired and grouped within the article."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from newsgraph.enrich.grouping import GROUPING, LABEL_TYPES, Span, group_spans, usable
from newsgraph.enrich.nlp import load_pipeline
from newsgraph.records import Analysis, Article, Mention
from newsgraph.settings import Settings

# A single-token NORP that reads as a nationality or creed (Iraqi, Iranian, Sunni) stays a group;
# any other NORP directly before an ORG is the first word of the organisation's name (Kata’ib Hezbollah).
_DEMONYM = re.compile(r"(?:an|ian|ese|ish|i|ic|ch|ean|ite|ist)s?$", re.I)


def _entity_spans(doc: Any, field: str) -> list[Span]:
    """The document's entities as Spans, with two model slips mended.

    - an entity running over a paragraph break is cut at the break;
    - a non-nationality NORP directly followed by an ORG or PERSON becomes one ORG.
    """
    raw: list[Span] = []
    for ent in doc.ents:
        if ent.label_ not in LABEL_TYPES:
            continue
        text, start = ent.text, ent.start_char
        if "\n" in text:
            pieces = text.split("\n")
            offset = 0
            for piece in pieces:
                if piece.strip():
                    lead = len(piece) - len(piece.lstrip())
                    raw.append(Span(field, start + offset + lead, start + offset + len(piece.rstrip()),
                                    piece.strip(), ent.label_))
                offset += len(piece) + 1
            continue
        raw.append(Span(field, start, ent.end_char, text, ent.label_))
    merged: list[Span] = []
    source = doc.text
    for span in raw:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.label == "NORP"
            and span.label in {"ORG", "PERSON"}
            and source[previous.end : span.start] == " "
            and " " not in previous.text
            and not _DEMONYM.search(previous.text)
        ):
            merged[-1] = Span(field, previous.start, span.end, source[previous.start : span.end], "ORG")
            continue
        merged.append(span)
    return merged


def build_analysis(article: Article, spans: list[Span]) -> Analysis:
    """Group an article's spans and turn them into Mentions."""
    kept = [s for s in spans if usable(s)]
    assignment, groups = group_spans(kept)
    mentions = tuple(
        Mention(
            field="title" if s.field == "title" else "text",
            start=s.start,
            end=s.end,
            text=s.text,
            label=s.label,
            type=groups[g].type,
            group=g,
        )
        for s, g in zip(kept, assignment, strict=True)
    )
    return Analysis(article_id=article.id, mentions=mentions, groups=tuple(groups), method=f"ner.spacy+{GROUPING}")


def analyse_articles(articles: Sequence[Article], settings: Settings | None = None) -> list[Analysis]:
    """Analyse a batch of articles with one `nlp.pipe` pass over their titles and texts."""
    settings = settings or Settings()
    if not articles:
        return []
    nlp = load_pipeline(settings.model)
    texts: list[str] = []
    for article in articles:
        texts.append(article.title[: settings.max_nlp_chars])
        texts.append(article.text[: settings.max_nlp_chars])
    docs: Iterable[Any] = nlp.pipe(texts, batch_size=settings.nlp_batch_size)
    results = []
    doc_iter = iter(docs)
    for article in articles:
        title_doc, text_doc = next(doc_iter), next(doc_iter)
        spans = _entity_spans(title_doc, "title") + _entity_spans(text_doc, "text")
        results.append(build_analysis(article, spans))
    return results
