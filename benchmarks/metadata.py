"""Title, authors and date on fundus's reviewed parser fixtures (258 pages, 42 countries).

Measures, per page, against `extraction/fundus/pairs.jsonl`:

- title: exact match after whitespace normalisation (every run of whitespace, no-break spaces
  included, becomes one space; invisible format characters such as soft hyphens are dropped);
- authors: F1 between the set of normalised gold names and the set of normalised predicted
  names (case-folded, punctuation to spaces, whitespace collapsed), macro-averaged over pages; a
  page with neither gold nor predicted authors scores 1.0. fundus's `authors` lists everyone a
  byline credits, wire agencies included ("dpa", "Associated Press"), and newsgraph keeps agencies
  apart from authors (`Article.credited`), so newsgraph's prediction is its authors and credited
  agencies together, and an agency's name counts as the agency on both sides ("Associated Press"
  and "AP" are one name, by `newsgraph.extract.bylines.agency_name`, for every system). Two
  informational rows: the same without that mapping, and people only (agencies taken out of gold
  and prediction alike);
- date: the predicted date's YYYY-MM-DD equals the date part of the gold timestamp as written
  (gold keeps the page's own zone); a second, informational row also accepts the gold
  timestamp's UTC date, since newsgraph stores timestamps in UTC.

newsgraph gets the page and its URL only (`SourceHints(url=...)`), never the title or date. The
anchor is `trafilatura.bare_extraction(html, url=url, with_metadata=True)`; its `author` string is
split into names on `;`, `|`, ` and `, ` & ` (and a leading "By" dropped): trafilatura's byline
with no cleaning beyond a plain split. An informational row puts the same string through newsgraph's
byline parser (`split_authors`), to show what the parser does apart from the choice of sources. A
page newsgraph rejects (or trafilatura finds no text on) predicts nothing.

Cross-validation of the one switch in newsgraph's byline reading, the order of its sources
(`bylines.SOURCE_ORDER`: JSON-LD people, trafilatura's byline, JSON-LD organisations, the byline
shown on the page): the publishers are split in two halves (by a hash of the name), the order in
`ORDERS` that scores best on one half is scored on the other, both ways, and the mean is reported
beside the default order's score.

Scores are given over all pages and over the English ones (py3langid on the gold title and
body says `en`; when it cannot tell, the country is one of us/uk/gb/au/ca/ie/nz/in/ind/za/sg).
"""

from __future__ import annotations

import gzip
import hashlib
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
_PLAIN_SPLIT = re.compile(r"\s*(?:;|\||,?\s+and\s+|\s+&\s+)\s*")
# Source orders tried in the cross-validation (see the module's docstring).
ORDERS: tuple[tuple[str, ...], ...] = (
    ("people", "found", "organisations", "visible"),
    ("people", "found", "organisations"),
    ("people", "organisations", "found", "visible"),
    ("found", "people", "organisations", "visible"),
    ("found", "visible", "people", "organisations"),
    ("found", "visible"),
    ("found",),
)


# ---- normalisation and scoring ----------------------------------------------------------------


def norm_title(value: str | None) -> str:
    text = unicodedata.normalize("NFC", value or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _SPACE.sub(" ", text).strip()


def norm_author(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).casefold()
    return _SPACE.sub(" ", _NON_WORD.sub(" ", text)).strip()


def author_f1(
    gold: list[str] | tuple[str, ...],
    predicted: list[str] | tuple[str, ...],
    canonical: Callable[[str], str] | None = None,
) -> float:
    """Set F1 of normalised names; `canonical` maps each name first (on both sides)."""
    canonical = canonical or (lambda name: name)
    true = {a for a in (norm_author(canonical(x)) for x in gold) if a}
    pred = {a for a in (norm_author(canonical(x)) for x in predicted) if a}
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


def plain_split(value: str | None) -> tuple[str, ...]:
    """The anchor's splitter: `;`, `|`, ` and `, ` & `, a leading "By" dropped."""
    if not value:
        return ()
    value = re.sub(r"^\s*by\s+", "", value, flags=re.I)
    return tuple(dict.fromkeys(p.strip(" ,.") for p in _PLAIN_SPLIT.split(value) if p.strip(" ,.")))


def _agency() -> Callable[[str], str | None]:
    try:
        from newsgraph.extract.bylines import agency_name

        return agency_name
    except ImportError:  # keep the benchmark running if the package moves its agency table
        return lambda name: None


def _byline_parser() -> Callable[[str | None], tuple[str, ...]]:
    try:
        from newsgraph.extract.bylines import split_authors

        return split_authors
    except ImportError:
        return plain_split


def _systems() -> dict[str, Callable[[bytes, str, str, Path], Prediction]]:
    import trafilatura
    from trafilatura.settings import Document

    from newsgraph.extract import extract_article
    from newsgraph.records import Article, Location, RawDocument, SourceHints
    from newsgraph.settings import Settings

    settings = Settings()

    def ours(data: bytes, html: str, url: str, path: Path) -> Prediction:
        raw = RawDocument(location=Location(str(path)), format="html", content=data, hints=SourceHints(url=url))
        outcome = extract_article(raw, settings)
        if not isinstance(outcome, Article):
            return {"title": "", "authors": (), "credited": (), "date": None, "rejected": outcome.code}
        credited = tuple(getattr(outcome, "credited", ()))
        return {
            "title": outcome.title,
            "authors": outcome.authors,
            "credited": credited,
            "date": outcome.published,
            "rejected": None,
        }

    def plain(data: bytes, html: str, url: str, path: Path) -> Prediction:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
        if not isinstance(doc, Document):
            return {"title": "", "authors": (), "credited": (), "date": None, "rejected": "no_text"}
        return {
            "title": doc.title or "",
            "authors": plain_split(doc.author),
            "credited": (),
            "found": doc.author,
            "site": doc.sitename,
            "host": doc.hostname,
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
        "author_f1_raw": statistics.fmean(s["author_f1_raw"] for s in scored),
        "people_f1": statistics.fmean(s["people_f1"] for s in scored),
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
    agency = _agency()
    parse = _byline_parser()

    def canonical(name: str) -> str:
        return agency(name) or name

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
        gold_people = [name for name in gold_authors if not agency(name)]
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
            names = (*predicted["authors"], *predicted["credited"])
            page[name] = {
                "title_ok": bool(norm_title(item.get("title")))
                and norm_title(predicted["title"]) == norm_title(item.get("title")),
                "has_title": bool(norm_title(predicted["title"])),
                "author_f1": round(author_f1(gold_authors, names, canonical), 4),
                "author_f1_raw": round(author_f1(gold_authors, names), 4),
                "people_f1": round(author_f1(gold_people, [n for n in names if not agency(n)]), 4),
                "authors": len(predicted["authors"]),
                "credited": len(predicted["credited"]),
                "date_ok": day is not None and day == written,
                "date_ok_either": day is not None and day in {written, utc},
                "has_date": day is not None,
                "date_off_days": _days_between(day, written),
                "rejected": predicted["rejected"],
            }
            if name == "trafilatura":  # the same byline string through newsgraph's parser, untimed
                page[name]["parsed_f1"] = round(author_f1(gold_authors, parse(predicted.get("found")), canonical), 4)
                page["orders"] = _order_scores(html, predicted, gold_authors, canonical)
        page["publisher"] = item.get("publisher")
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
            target, passed = "≥ anchor", ours[key] >= anchor[key]
            if key == "author_f1" and scope == "all":
                target, passed = "≥ 0.90 and ≥ anchor", ours[key] >= max(0.90, anchor[key])
            rows.append(row(f"{metric} ({label})", [ours[key], anchor[key]], target, passed))
        rows.append(
            row(f"author-set F1, agency names as written ({label})", [ours["author_f1_raw"], anchor["author_f1_raw"]])
        )
        rows.append(row(f"author-set F1, people only ({label})", [ours["people_f1"], anchor["people_f1"]]))
        parsed = [p["trafilatura"].get("parsed_f1", 0.0) for p in (pages if scope == "all" else english)]
        rows.append(
            row(
                f"author-set F1, trafilatura's byline through newsgraph's parser ({label})",
                [None, statistics.fmean(parsed)],
            )
        )
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
    validation = _cross_validate(pages)
    if validation:
        rows.append(
            row(
                "byline source order: default / cross-validated by publisher halves (all, page level)",
                [f"{validation['default']:.3f} / {validation['cross_validated']:.3f}", None],
            )
        )

    notes = [
        f"{len(pages)} pages ({len(english)} English); gold is fundus's reviewed parser output, not independent "
        "annotation. newsgraph is given the URL only.",
        "Targets: author-set F1 over all pages at least 0.90 and at least plain trafilatura's; every other "
        "metric at least as good as plain trafilatura (the harness default).",
        "The anchor's author string is split on `;`, `|`, ` and `, ` & ` (a plain split, no cleaning). newsgraph's "
        "authors and credited agencies are scored together, as fundus lists agencies among a byline's authors; an "
        "agency's names count as one on both sides.",
        "The cross-validation row scores the page's byline alone (JSON-LD, trafilatura's byline from "
        "`bare_extraction`, the byline shown on the page; before the dateline and the source name are read), so it "
        "is not the same figure as the author-set F1 above.",
        "Fitted on: no parameter is tuned on these pages, but the rules for names the page prints without a "
        "by-word (a body paragraph signed in bold, an `Author:` field) and for accounts named after the outlet "
        "(`Example N`, a name whose initials are the outlet's) were written after reading the pages this set "
        "misses; read the author figures as development figures.",
    ]
    if validation:
        notes.append(
            "Source order chosen on each publisher half: "
            + "; ".join(" > ".join(order) for order in validation["chosen"])
            + "."
        )
    if missing:
        notes.append(f"{missing} pages listed in pairs.jsonl were missing and skipped.")
    raw = {
        "pages": len(pages),
        "english_pages": len(english),
        "summary": summary,
        "seconds": seconds,
        "per_page": [{k: v for k, v in p.items() if k not in {"orders", "publisher"}} for p in pages],
        "cross_validation": validation,
    }
    return result(NAME, TITLE, ["newsgraph", "trafilatura.bare_extraction"], rows, notes, raw)


def _order_scores(
    html: str, predicted: Prediction, gold: list[str], canonical: Callable[[str], str]
) -> dict[str, float]:
    """Author-set F1 of the page's byline read with each source order in `ORDERS`."""
    try:
        from newsgraph.extract.bylines import page_byline
    except ImportError:
        return {}
    found, site, host = predicted.get("found"), predicted.get("site"), predicted.get("host")
    return {
        " > ".join(order): round(author_f1(gold, page_byline(html, found, site, host, order).names, canonical), 4)
        for order in ORDERS
    }


def _half(publisher: str | None) -> int:
    return int(hashlib.sha1((publisher or "").encode()).hexdigest(), 16) % 2


def _cross_validate(pages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Two-fold by publisher: the source order best on one half, scored on the other."""
    scored = [p for p in pages if p.get("orders")]
    if not scored:
        return None
    default = " > ".join(ORDERS[0])
    halves = [[p for p in scored if _half(p["publisher"]) == h] for h in (0, 1)]
    chosen, held_out = [], []
    for fit, test in ((halves[0], halves[1]), (halves[1], halves[0])):
        if not fit or not test:
            return None
        best = max(scored[0]["orders"], key=lambda order: statistics.fmean(p["orders"][order] for p in fit))
        chosen.append(tuple(best.split(" > ")))
        held_out += [p["orders"][best] for p in test]
    return {
        "default": statistics.fmean(p["orders"][default] for p in scored),
        "cross_validated": statistics.fmean(held_out),
        "chosen": chosen,
        "halves": [len(h) for h in halves],
    }


def _days_between(day: str | None, gold: str | None) -> int | None:
    if not day or not gold:
        return None
    try:
        return (datetime.fromisoformat(day) - datetime.fromisoformat(gold)).days
    except ValueError:
        return None
