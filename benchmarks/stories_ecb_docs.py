"""ECB+ as articles for the stories benchmark: the documents of `docs_clusters.jsonl` detokenised
into headline and text, their names from one cached NER pass, synthetic publication dates, and
the `StoryArticle`s newsgraph clusters."""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.articles import text_article

DATA_FILE = Path("clustering") / "ecbplus-dev" / "docs_clusters.jsonl"
SEED = 20_240_611
TOPIC_SPACING_DAYS = 15
TOPIC_SPREAD_DAYS = 3
OVERLAP_DAYS = 7  # fitting: all topics in one week

_QUOTES = (("``", "“"), ("''", "”"))
_BEFORE = re.compile(r" ([,.;:!?%)\]}”]|n't\b|'(?:s|re|ve|ll|d|m)\b)")
_AFTER = re.compile(r"([(\[{“$]) ")
_CLOCK = re.compile(r"(\d) : (\d)")
_MONTHS = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december mon tue wed thu fri sat sun monday tuesday wednesday thursday "
    "friday saturday sunday am pm a.m p.m a m p edt est pdt pst cdt cst gmt bst et pt utc published updated "
    "posted first last on at by"
).split()
_DATELINE_WORDS = frozenset(_MONTHS)


@dataclass(frozen=True)
class Doc:
    id: str
    topic: str
    event: str
    title: str
    text: str


def detokenise(line: str) -> str:
    """Undo PTB tokenisation lightly: quotes, punctuation, clitics, clock times."""
    for old, new in _QUOTES:
        line = line.replace(old, new)
    line = _CLOCK.sub(r"\1:\2", line)
    line = _BEFORE.sub(r"\1", line)
    line = _AFTER.sub(r"\1", line)
    return line.strip()


def _is_url(line: str) -> bool:
    return line.replace(" ", "").lower().startswith(("http:", "https:", "www."))


def _is_dateline(line: str) -> bool:
    words = re.findall(r"[a-z.]+", line.lower())
    return sum(1 for w in words if w.strip(".") and w.strip(".") not in _DATELINE_WORDS) < 2


def _is_sentence(line: str) -> bool:
    return line.rstrip("”\"' ").endswith((".", "!", "?"))


def to_doc(record: Mapping[str, Any]) -> Doc:
    lines = [ln for ln in (detokenise(x) for x in str(record["text"]).split("\n")) if ln]
    while lines and _is_url(lines[0]):
        lines.pop(0)
    head = next((i for i, ln in enumerate(lines) if not _is_dateline(ln)), None)
    if head is None or _is_sentence(lines[head]):  # no headline: the whole document is the text
        title, text = "", "\n\n".join(lines)
    else:
        title, text = lines[head], "\n\n".join(ln for i, ln in enumerate(lines) if i != head)
    return Doc(str(record["doc_id"]), str(record["topic"]), str(record["cluster"]), title, text)


def load_docs(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as handle:
        return [to_doc(json.loads(line)) for line in handle if line.strip()]


def _digest(docs: Sequence[Doc], model: str) -> str:
    """A key for the NER cache: the articles as given to NER, the model, newsgraph's version and NER code."""
    from importlib.metadata import version

    import newsgraph.enrich

    h = hashlib.sha256(json.dumps([[d.id, d.title, d.text] for d in docs]).encode())
    h.update(f"|{model}|{version('newsgraph')}".encode())
    for source in sorted(Path(newsgraph.enrich.__file__).parent.glob("*.py")):  # NER code edited since
        h.update(source.read_bytes())
    return h.hexdigest()[:16]


def names_of(docs: Sequence[Doc], work_dir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per article its name groups (key, type, in text?), from one NER pass, cached in the work folder."""
    from newsgraph.settings import Settings

    settings = Settings()
    cache = work_dir / f"stories-ner-{_digest(docs, settings.model)}.json"
    if cache.exists():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        return stored["names"], {**stored["timing"], "cached": True}
    from newsgraph.enrich import analyse_articles
    from newsgraph.enrich.nlp import load_pipeline

    load_pipeline(settings.model)  # model loading is not NER time
    articles = [text_article(d.id, d.text, d.title) for d in docs]
    started = time.perf_counter()
    analyses = analyse_articles(articles, settings)
    seconds = time.perf_counter() - started
    names: dict[str, dict[str, Any]] = {}
    for doc, analysis in zip(docs, analyses, strict=True):
        fields: dict[int, set[str]] = defaultdict(set)
        for mention in analysis.mentions:
            fields[mention.group].add(mention.field)
        names[doc.id] = {"groups": [[g.key, g.type, sorted(fields[i])] for i, g in enumerate(analysis.groups) if g.key]}
    timing = {"ner_seconds": seconds, "articles": len(docs), "words": sum(len(d.text.split()) for d in docs)}
    work_dir.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"names": names, "timing": timing}), encoding="utf-8")
    return names, {**timing, "cached": False}


def entities_of(groups: Sequence[Sequence[Any]], fields: frozenset[str] = frozenset({"text"})) -> dict[str, str]:
    """Name key → type, as ingest builds them: groups with a mention in `fields`, first type wins."""
    found: dict[str, str] = {}
    for key, kind, where in groups:
        if fields & set(where):
            found.setdefault(key, kind)
    return found


def synthetic_dates(docs: Sequence[Doc], seed: int = SEED) -> dict[str, datetime]:
    """Each topic within TOPIC_SPREAD_DAYS; topics TOPIC_SPACING_DAYS apart, in a shuffled order."""
    rng = random.Random(seed)
    topics = sorted({d.topic for d in docs}, key=lambda t: (len(t), t))
    rng.shuffle(topics)
    start = datetime(2021, 1, 4, tzinfo=UTC)
    base = {t: start + timedelta(days=TOPIC_SPACING_DAYS * i) for i, t in enumerate(topics)}
    return {d.id: base[d.topic] + timedelta(seconds=rng.uniform(0, TOPIC_SPREAD_DAYS * 86400)) for d in docs}


def overlapped_dates(docs: Sequence[Doc], seed: int = SEED + 4, days: float = OVERLAP_DAYS) -> dict[str, datetime]:
    """For fitting only: every topic within the same `days`, so that unrelated stories are active together."""
    rng = random.Random(seed)
    start = datetime(2021, 1, 4, tzinfo=UTC)
    return {d.id: start + timedelta(seconds=rng.uniform(0, days * 86400)) for d in docs}


def event_dates(docs: Sequence[Doc], seed: int = SEED) -> dict[str, datetime]:
    """For information: each event on days of its own (TOPIC_SPREAD_DAYS), events TOPIC_SPACING_DAYS apart."""
    rng = random.Random(seed + 2)
    found = sorted({d.event for d in docs})
    rng.shuffle(found)
    start = datetime(2021, 1, 4, tzinfo=UTC)
    base = {e: start + timedelta(days=TOPIC_SPACING_DAYS * i) for i, e in enumerate(found)}
    return {d.id: base[d.event] + timedelta(seconds=rng.uniform(0, TOPIC_SPREAD_DAYS * 86400)) for d in docs}


def story_articles(
    docs: Sequence[Doc],
    names: Mapping[str, Mapping[str, Any]],
    dates: Mapping[str, datetime] | None,
    fields: frozenset[str] = frozenset({"text"}),
) -> list[Any]:
    from newsgraph.corpus.stories import StoryArticle, terms

    return [
        StoryArticle(
            d.id,
            dates.get(d.id) if dates else None,
            d.title,
            terms(d.title, d.text),
            entities_of(names[d.id]["groups"], fields),
        )
        for d in docs
    ]
