"""Title, authors and date on fundus's reviewed parser fixtures (258 pages, 42 countries).

Measures, per page, against `extraction/fundus/pairs.jsonl`:

- title: exact match after whitespace normalisation (every run of whitespace, no-break spaces
  included, becomes one space; invisible format characters such as soft hyphens are dropped);
- authors: F1 between the set of normalised gold names and the set of normalised predicted
  names (case-folded, punctuation to spaces, whitespace collapsed), macro-averaged over pages; a
  page with neither gold nor predicted authors scores 1.0;
- date: the predicted date's YYYY-MM-DD equals the date part of the gold timestamp as written
  (gold keeps the page's own zone); a second, informational row also accepts the gold
  timestamp's UTC date, since newsgraph stores timestamps in UTC.

newsgraph gets the page and its URL only (`SourceHints(url=...)`), never the title or date. The
anchor is `trafilatura.bare_extraction(html, url=url, with_metadata=True)`; its `author` string is
split into names with newsgraph's own splitter, so both sides split names the same way. A page
newsgraph rejects (or trafilatura finds no text on) predicts nothing.

Scores are given over all pages and over the English ones (py3langid on the gold title and
body says `en`; when it cannot tell, the country is one of us/uk/gb/au/ca/ie/nz/in/ind/za/sg).
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import time
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import result, row, skipped

NAME = "metadata"
TITLE = "Metadata — fundus fixtures (title, authors, date)"
ENGLISH_COUNTRIES = {"us", "uk", "gb", "au", "ca", "ie", "nz", "in", "ind", "za", "sg"}
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
_SPLIT_FALLBACK = re.compile(r"\s*(?:;|\||,?\s+and\s+|\s+&\s+)\s*")


# ---- normalisation and scoring ----------------------------------------------------------------


def norm_title(value: str | None) -> str:
    text = unicodedata.normalize("NFC", value or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _SPACE.sub(" ", text).strip()


def norm_author(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).casefold()
    return _SPACE.sub(" ", _NON_WORD.sub(" ", text)).strip()


def author_f1(gold: list[str] | tuple[str, ...], predicted: list[str] | tuple[str, ...]) -> float:
    true = {a for a in (norm_author(x) for x in gold) if a}
    pred = {a for a in (norm_author(x) for x in predicted) if a}
    if not true and not pred:
        return 1.0
    hits = len(true & pred)
    if hits == 0:
        return 0.0
    precision, recall = hits / len(pred), hits / len(true)
    return 2 * precision * recall / (precision + recall)


def gold_days(value: str | None) -> tuple[str | None, str | None]:
    """(date as written, UTC date) of a gold timestamp such as `2024-05-03 15:47:42.389000+00:00`."""
    if not value:
        return None, None
    written = value.strip()[:10]
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        return written, written
    utc = stamp.astimezone(UTC).date().isoformat() if stamp.tzinfo else written
    return written, utc


def predicted_day(value: str | None) -> str | None:
    if not value:
        return None
    match = re.match(r"\d{4}-\d{2}-\d{2}", value.strip())
    return match.group(0) if match else None


# ---- the systems --------------------------------------------------------------------------------


Prediction = dict[str, Any]  # title, authors, date, rejected


def _splitter() -> Callable[[str | None], tuple[str, ...]]:
    try:
        from newsgraph.extract.html import split_authors

        return split_authors
    except ImportError:  # keep the benchmark running if the package moves its splitter

        def split(value: str | None) -> tuple[str, ...]:
            if not value:
                return ()
            value = re.sub(r"^\s*by\s+", "", value, flags=re.I)
            return tuple(dict.fromkeys(p.strip(" ,.") for p in _SPLIT_FALLBACK.split(value) if p.strip(" ,.")))

        return split


def _systems() -> dict[str, Callable[[bytes, str, str, Path], Prediction]]:
    import trafilatura
    from trafilatura.settings import Document

    from newsgraph.extract import extract_article
    from newsgraph.records import Article, Location, RawDocument, SourceHints
    from newsgraph.settings import Settings

    settings = Settings()
    split_authors = _splitter()

    def ours(data: bytes, html: str, url: str, path: Path) -> Prediction:
        raw = RawDocument(location=Location(str(path)), format="html", content=data, hints=SourceHints(url=url))
        outcome = extract_article(raw, settings)
        if not isinstance(outcome, Article):
            return {"title": "", "authors": (), "date": None, "rejected": outcome.code}
        return {"title": outcome.title, "authors": outcome.authors, "date": outcome.published, "rejected": None}

    def plain(data: bytes, html: str, url: str, path: Path) -> Prediction:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        if not isinstance(doc, Document):
            return {"title": "", "authors": (), "date": None, "rejected": "no_text"}
        return {
            "title": doc.title or "",
            "authors": split_authors(doc.author),
            "date": doc.date,
            "rejected": None,
        }

    return {"newsgraph": ours, "trafilatura": plain}


def _is_english(item: dict[str, Any]) -> bool:
    try:
        from newsgraph.extract.language import detect_language

        language = detect_language(f"{item.get('title') or ''}\n{item.get('body_text') or ''}")
    except ImportError:
        language = None
    if language:
        return language == "en"
    return str(item.get("country", "")).lower() in ENGLISH_COUNTRIES


def _summary(pages: list[dict[str, Any]], system: str) -> dict[str, float | int]:
    if not pages:
        return {"pages": 0}
    scored = [p[system] for p in pages]
    return {
        "pages": len(pages),
        "title_exact": statistics.fmean(s["title_ok"] for s in scored),
        "author_f1": statistics.fmean(s["author_f1"] for s in scored),
        "date_day": statistics.fmean(s["date_ok"] for s in scored),
        "date_day_either_zone": statistics.fmean(s["date_ok_either"] for s in scored),
        "no_title": sum(not s["has_title"] for s in scored),
        "no_date": sum(not s["has_date"] for s in scored),
        "rejected": sum(bool(s["rejected"]) for s in scored),
    }


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    folder = data_dir / "extraction" / "fundus"
    pairs = folder / "pairs.jsonl"
    if not pairs.is_file():
        return skipped(NAME, TITLE, f"data absent: {pairs} not found")
    items = [json.loads(line) for line in pairs.read_text(encoding="utf-8").splitlines() if line.strip()]
    systems = _systems()
    seconds = dict.fromkeys(systems, 0.0)
    pages: list[dict[str, Any]] = []
    missing = 0
    for item in items:
        path = folder / item["html"]
        if not path.is_file():
            missing += 1
            continue
        data = gzip.decompress(path.read_bytes())
        html = data.decode("utf-8", "replace")
        url = item.get("url") or ""
        gold_authors = item.get("authors") or []
        written, utc = gold_days(item.get("publishing_date"))
        page: dict[str, Any] = {
            "html": item["html"],
            "country": item.get("country"),
            "english": _is_english(item),
            "gold_authors": len(gold_authors),
        }
        for name, extract in systems.items():
            started = time.perf_counter()
            predicted = extract(data, html, url, path)
            seconds[name] += time.perf_counter() - started
            day = predicted_day(predicted["date"])
            page[name] = {
                "title_ok": bool(norm_title(item.get("title")))
                and norm_title(predicted["title"]) == norm_title(item.get("title")),
                "has_title": bool(norm_title(predicted["title"])),
                "author_f1": round(author_f1(gold_authors, predicted["authors"]), 4),
                "authors": len(predicted["authors"]),
                "date_ok": day is not None and day == written,
                "date_ok_either": day is not None and day in {written, utc},
                "has_date": day is not None,
                "date_off_days": _days_between(day, written),
                "rejected": predicted["rejected"],
            }
        pages.append(page)

    english = [p for p in pages if p["english"]]
    summary = {
        scope: {name: _summary(subset, name) for name in systems}
        for scope, subset in (("all", pages), ("english", english))
    }
    rows = []
    for scope, label in (("all", f"all {len(pages)}"), ("english", f"English {len(english)}")):
        ours, anchor = summary[scope]["newsgraph"], summary[scope]["trafilatura"]
        if not ours.get("pages"):
            continue
        for key, metric in (
            ("title_exact", "title exact"),
            ("author_f1", "author-set F1"),
            ("date_day", "date to the day"),
        ):
            rows.append(row(f"{metric} ({label})", [ours[key], anchor[key]], "≥ anchor", ours[key] >= anchor[key]))
        rows.append(
            row(f"date, gold zone or UTC ({label})", [ours["date_day_either_zone"], anchor["date_day_either_zone"]])
        )
    ours_all, anchor_all = summary["all"]["newsgraph"], summary["all"]["trafilatura"]
    rows.append(
        row(
            "pages with no title / no date (all)",
            [f"{ours_all['no_title']} / {ours_all['no_date']}", f"{anchor_all['no_title']} / {anchor_all['no_date']}"],
        )
    )
    rows.append(row("pages rejected / no text (all)", [ours_all["rejected"], anchor_all["rejected"]], fmt="d"))
    rows.append(row("pages/s (one process)", [len(pages) / seconds[n] for n in systems], fmt=".1f"))

    notes = [
        f"{len(pages)} pages ({len(english)} English); gold is fundus's reviewed parser output, not independent "
        "annotation. newsgraph is given the URL only.",
        "Targets (harness default): newsgraph at least as good as plain trafilatura on each metric.",
        "The anchor's author string is split with newsgraph's splitter (`;`, `|`, ` and `, ` & `).",
    ]
    if missing:
        notes.append(f"{missing} pages listed in pairs.jsonl were missing and skipped.")
    raw = {
        "pages": len(pages),
        "english_pages": len(english),
        "summary": summary,
        "seconds": seconds,
        "per_page": pages,
    }
    return result(NAME, TITLE, ["newsgraph", "trafilatura.bare_extraction"], rows, notes, raw)


def _days_between(day: str | None, gold: str | None) -> int | None:
    if not day or not gold:
        return None
    try:
        return (datetime.fromisoformat(day) - datetime.fromisoformat(gold)).days
    except ValueError:
        return None
