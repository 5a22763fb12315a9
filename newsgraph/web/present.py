"""Shapes the pages need from view data: an article's text cut into marked segments, and the
data of its charts. Pure functions; the templates escape every piece of text."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import Any


def text_segments(text: str, mentions: list[dict[str, Any]], quotes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The article text as consecutive segments, each with the entity mention and the quote it lies in.

    Mentions are those of the `text` field; a quote is shown by its index in `quotes`. Offsets
    outside the text are ignored rather than trusted."""
    size = len(text)
    spans = [m for m in mentions if m["field"] == "text" and 0 <= m["start"] < m["end"] <= size]
    marks = sorted(
        {
            0,
            size,
            *(m["start"] for m in spans),
            *(m["end"] for m in spans),
            *(max(0, min(size, q["start"])) for q in quotes),
            *(max(0, min(size, q["end"])) for q in quotes),
        }
    )
    segments: list[dict[str, Any]] = []
    for start, end in pairwise(marks):
        if start >= end:
            continue
        mention = next((m for m in spans if m["start"] <= start and end <= m["end"]), None)
        quote = next((n for n, q in enumerate(quotes) if q["start"] <= start and end <= q["end"]), None)
        last = segments[-1] if segments else None
        if last and last["mention"] is mention and last["quote"] == quote:
            last["text"] += text[start:end]
            continue
        segments.append({"text": text[start:end], "mention": mention, "quote": quote})
    return segments


def timeline_chart(story: dict[str, Any]) -> dict[str, Any]:
    """A story's articles as points on one lane per source, with a line from each copy to its original."""
    articles = [a for a in story["articles"] if a.get("published")]
    where = {a["id"]: (a["published"], a["source"] or "(unknown)") for a in articles}
    lanes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in articles:
        lanes[a["source"] or "(unknown)"].append(a)
    points = [
        {
            "source": source,
            "x": [a["published"] for a in items],
            "text": [a["title"] for a in items],
            "links": [f"/articles/{a['id']}" for a in items],
            "copy": [bool(a.get("copy_of")) for a in items],
        }
        for source, items in sorted(lanes.items(), key=lambda kv: min(a["published"] for a in kv[1]))
    ]
    links = [
        {"x": [where[a["copy_of"]][0], where[a["id"]][0]], "y": [where[a["copy_of"]][1], where[a["id"]][1]]}
        for a in articles
        if a.get("copy_of") in where
    ]
    return {"kind": "timeline", "lanes": points, "links": links, "first": story.get("first_article")}


def weekly_chart(weeks: list[dict[str, Any]], value: str, label: str, extra: str | None = None) -> dict[str, Any]:
    """Bars of `value` per week, and optionally a line of `extra` (a share, on a second axis)."""
    return {
        "kind": "weekly",
        "x": [w["week"] for w in weeks],
        "y": [w[value] for w in weeks],
        "label": label,
        "extra": [w[extra] for w in weeks] if extra else None,
        "extra_label": "original share" if extra else None,
    }
