"""Article → Analysis: named entities from spaCy, repaired and grouped within the article."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy
from spacy.attrs import DEP, HEAD
from spacy.tokens import Doc

from newsgraph.enrich.grouping import GROUPING, LABEL_TYPES, Span, group_spans, usable
from newsgraph.enrich.namekeys import PERSON_TITLES, clean_surface, looks_like_org
from newsgraph.enrich.nlp import load_pipeline
from newsgraph.enrich.passages import parse_runs
from newsgraph.enrich.quotes import QUOTES, find_quotes
from newsgraph.records import Analysis, Article, Mention
from newsgraph.settings import Settings

_TRAILING_FUNCTION_WORDS = frozenset({"in", "of", "at", "on", "the", "and", "for", "to", "from", "by", "'s", "’s"})
_PARSER_MARKS = str.maketrans({"«": "“", "»": "”", "„": "“"})
_PIECE = re.compile(r"(?<=\n)(?=[^\n])")
# A single-token NORP that reads as a nationality or creed (Iraqi, Iranian, Sunni) stays a group;
# any other NORP directly before an ORG is the first word of the organisation's name (Kata’ib Hezbollah).
_DEMONYM = re.compile(r"(?:an|ian|ese|ish|i|ic|ch|ean|ite|ist)s?$", re.I)


# Words before a name that say it is a place (`in Erbil`, `port of Umm Qasr`) or a person (`Editing by …`).
PLACE_CUES = frozenset({"in", "at", "near", "towards", "toward", "outside", "across", "into", "around", "of"})
PLACE_NOUNS = frozenset({"port", "city", "town", "village", "province", "region", "capital", "outskirts", "district"})
# Nouns after a name that make it a place's name (`the Umm Khashab reservoir`, `the al-Qaim crossing`).
PLACE_HEADS = frozenset(
    "dam reservoir port crossing river province governorate district airport valley camp border checkpoint "
    "bridge village town region mountains lake sea gulf island desert oilfield refinery".split()
)
BYLINE_CUES = frozenset({"reporting", "editing", "writing", "written", "photographs", "photo", "additional"})
# Titles of office whose words the model takes for a name on their own (`State` of "Secretary of State",
# `Supreme` of "Supreme Leader"): a one-word organisation, group or place inside one is not a name.
TITLE_PHRASES = frozenset(
    "secretary of state|supreme leader|attorney general|solicitor general|surgeon general|inspector general|"
    "director general|governor general|secretary general|secretary-general|prime minister|foreign minister|"
    "interior minister|defence minister|defense minister|foreign secretary|home secretary|chief justice|"
    "state secretary|minister of state|head of state|chief of staff|speaker of the house".split("|")
)
_OPENING_MARKS = "\"'“‘«„([{"
_CLOSING_MARKS = '"”«»„)]},;:'
_INNER_QUOTE = re.compile(r"[\"“”«»„]")


def _relabel(doc: Any, ent: Any) -> str:
    """The entity's label, corrected by the words just before it where they leave no doubt."""
    label: str = ent.label_
    if looks_like_org(ent.text):
        return label
    previous = doc[ent.start - 1].text.lower().rstrip(".") if ent.start > 0 else ""
    before = doc[ent.start - 2].text.lower() if ent.start > 1 else ""
    if previous in PERSON_TITLES and label in {"ORG", "NORP", "GPE"}:
        return "PERSON"
    if previous == "by" and before in BYLINE_CUES and label in {"ORG", "GPE", "NORP"}:
        return "PERSON"
    following = doc[ent.end].text.lower() if ent.end < len(doc) else ""
    if label in {"PERSON", "ORG"} and following in PLACE_HEADS and len(ent) <= 3:
        return "GPE"
    possessive = ent.text.endswith(("'s", "’s")) or (ent.end < len(doc) and doc[ent.end].text in {"'s", "’s", "'"})
    place_of = previous != "of" or before in PLACE_NOUNS
    if label in {"PERSON", "ORG"} and previous in PLACE_CUES and place_of and not possessive:
        return "GPE"
    return label


def _in_title(doc: Any, first: int, last: int) -> bool:
    """Whether the one-word span doc[first:last] is a word of a title of office around it."""
    if last - first != 1:
        return False
    for before in range(3):
        for after in range(3):
            lo, hi = first - before, last + after
            if (before or after) and lo >= 0 and hi <= len(doc) and doc[lo:hi].text.lower() in TITLE_PHRASES:
                return True
    return False


def _trim(text: str, start: int) -> tuple[str, int]:
    """A name without quote marks or stray punctuation around it, cut at a quote mark inside it
    (`“Rahimi` → `Rahimi`; `Rahimi” Hassan` → `Rahimi`); the start moves with it."""
    inner = _INNER_QUOTE.search(text, 1)
    if inner and inner.start() < len(text.rstrip(_CLOSING_MARKS + " ")):
        head, tail = text[: inner.start()], text[inner.end() :]
        if any(ch.isupper() for ch in head.strip(_OPENING_MARKS + _CLOSING_MARKS + " ")):
            text = head
        else:
            start += inner.end()
            text = tail
    stripped = text.lstrip(_OPENING_MARKS + " ")
    start += len(text) - len(stripped)
    return stripped.rstrip(_CLOSING_MARKS + " "), start


def _org_word(token: Any) -> bool:
    return bool(token.text[:1].isupper()) and looks_like_org(token.text)


def _entity_spans(doc: Any, field: str, source: str) -> list[Span]:
    """The document's entities as Spans, with the model's common slips mended.

    - an entity running over a paragraph break is cut at the break;
    - a name after a personal title (`Minister Okonkwo-Hale`) is a person;
    - an organisation takes in organisation words beside it (`Kata’ib` + `Hezbollah`);
    - a non-nationality NORP directly followed by an ORG or PERSON becomes one ORG;
    - a word of a title of office (`Secretary of State`, `Supreme Leader`) is not a name;
    - quote marks and stray punctuation are not part of a name.
    """
    raw: list[Span] = []
    has_sentences = doc.has_annotation("SENT_START")
    for ent in doc.ents:
        if ent.label_ not in LABEL_TYPES:
            continue
        label = ent.label_
        first, last = ent.start, ent.end
        label = _relabel(doc, ent)
        if label in {"ORG", "NORP", "GPE"} and _in_title(doc, first, last):
            continue
        if label == "ORG":
            while first > 0 and _org_word(doc[first - 1]) and not doc[first - 1].ent_type_:
                first -= 1
            while last < len(doc) and _org_word(doc[last]) and not doc[last].ent_type_:
                last += 1
        while last - first > 1 and doc[last - 1].text in _TRAILING_FUNCTION_WORDS:
            last -= 1  # `the Tel Harash Dam in` → `the Tel Harash Dam`
        span = doc[first:last]
        text, start = _trim(span.text, span.start_char)
        if not text:
            continue
        sentence = span.sent.start_char if has_sentences else -1
        if "\n" in text:
            offset = 0
            for piece in text.split("\n"):
                if piece.strip():
                    lead = len(piece) - len(piece.lstrip())
                    raw.append(
                        Span(
                            field,
                            start + offset + lead,
                            start + offset + len(piece.rstrip()),
                            piece.strip(),
                            label,
                            sentence,
                        )
                    )
                offset += len(piece) + 1
            continue
        raw.append(Span(field, start, start + len(text), text, label, sentence))
    merged: list[Span] = []
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
            merged[-1] = Span(
                field, previous.start, span.end, source[previous.start : span.end], "ORG", previous.sentence
            )
            continue
        merged.append(span)
    return _harmonise_lists(merged, source)


def _harmonise_lists(spans: list[Span], source: str) -> list[Span]:
    """A one-word ORG joined by `and`/`or` to a place is a place too: `Kirkuk and Erbil`.

    Commas are left alone: `the mayor of Lindhaven, Priya Vanterpool` is an apposition, not a list.
    """
    result = list(spans)
    for i in range(len(result) - 1):
        left, right = result[i], result[i + 1]
        if source[left.end : right.start] not in {" and ", " or "}:
            continue
        labels = {left.label, right.label}
        if labels == {"GPE", "ORG"}:
            odd = i if left.label == "ORG" else i + 1
            if len(result[odd].text.split()) == 1 and not looks_like_org(result[odd].text):
                span = result[odd]
                result[odd] = Span(span.field, span.start, span.end, span.text, "GPE", span.sentence)
    return result


def _propagate_names(spans: list[Span], texts: dict[str, str]) -> list[Span]:
    """Add mentions the model missed of names it found elsewhere in the same article.

    A person's surname or an organisation's name found once (`Vanterpool` in the text) is a
    mention wherever else it stands capitalised as a whole word (the headline, a later paragraph).
    """
    forms: dict[str, str] = {}
    for span in spans:
        if span.label not in {"PERSON", "ORG"}:
            continue
        name = clean_surface(span.text)
        if len(name) >= 4:
            forms.setdefault(name, span.label)
        words = name.split()
        if span.label == "PERSON" and len(words) > 1 and len(words[-1]) >= 4 and words[-1][:1].isupper():
            forms.setdefault(words[-1], "PERSON")
    if not forms:
        return spans
    taken = {(s.field, i) for s in spans for i in range(s.start, s.end)}
    added = []
    pattern = re.compile(
        r"(?<![\w’'-])(" + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) + r")(?![\w-])"
    )
    for field, text in texts.items():
        for match in pattern.finditer(text):
            if any((field, i) in taken for i in range(match.start(), match.end())):
                continue
            added.append(Span(field, match.start(), match.end(), match.group(1), forms[match.group(1)]))
            taken.update((field, i) for i in range(match.start(), match.end()))
    return sorted(spans + added, key=lambda s: (s.field != "title", s.start))


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


def paragraphs_of(text: str) -> list[str]:
    """The text cut after each run of line breaks: the pieces, joined, are the text again."""
    return _PIECE.split(text)


def unparsed_pipes(nlp: Any) -> list[str]:
    """The components a text that is not parsed skips: the parser, and any shared embedding layer
    (`tok2vec`) that only the parser listens to. The entity recogniser of the small English model
    embeds the words itself, so its entities are the same without them."""
    skipped = [name for name in ("parser",) if name in nlp.pipe_names]
    for name, pipe in nlp.pipeline:
        listening = getattr(pipe, "listening_components", None)
        if skipped and listening is not None and set(listening) <= set(skipped):
            skipped.append(name)
    return skipped


def parse_pipes(nlp: Any) -> list[str]:
    """The components the dependency parse needs: the parser and the embedding layers it listens to."""
    return [
        name
        for name, pipe in nlp.pipeline
        if name == "parser" or "parser" in (getattr(pipe, "listening_components", None) or ())
    ]


def parse_selectively(
    nlp: Any, texts: Sequence[str], parsed: Sequence[Sequence[tuple[int, int]]], batch_size: int
) -> list[Any]:
    """Docs of the texts with entities for all, and the dependency parse only of the stretches marked
    (character ranges of each text, as `passages.parse_runs` gives them).

    Each stretch is parsed on its own and its tree copied in; each stretch between them is one
    sentence, a flat tree (`flat_tree`). The entity recogniser then runs on the whole texts, with
    those sentences, without the components only the parser reads (`unparsed_pipes`): a text
    parsed whole gets the full pipeline's entities. A doc has no tensor, so docs are joined with
    `join_docs`.
    """
    docs = [nlp.make_doc(text) for text in texts]
    wanted = [(i, start, end) for i, ranges in enumerate(parsed) for start, end in ranges if start < end]
    trees: list[list[tuple[int, Any]]] = [[] for _ in texts]
    missed: set[int] = set()
    parsing = parse_pipes(nlp)
    with nlp.select_pipes(enable=parsing):
        stretches = nlp.pipe([texts[i][start:end] for i, start, end in wanted], batch_size=batch_size)
        for (i, start, _end), stretch in zip(wanted, stretches, strict=True):
            first = _token_at(docs[i], start, stretch)
            if first is None:
                missed.add(i)
            else:
                trees[i].append((first, stretch))
        # a stretch whose words are not the text's words there (never seen) costs the whole text's parse
        redo = sorted(missed)
        for i, whole in zip(redo, nlp.pipe([texts[i] for i in redo]), strict=True):
            trees[i] = [(0, whole)]
    docs = [_with_trees(doc, doc_trees) for doc, doc_trees in zip(docs, trees, strict=True)]
    with nlp.select_pipes(disable=sorted({*unparsed_pipes(nlp), *parsing})):
        return list(nlp.pipe(docs, batch_size=batch_size))


def _token_at(doc: Any, start: int, stretch: Any) -> int | None:
    """The index in `doc` of the first of the stretch's words, which begins at character `start`;
    None where the stretch's words are not the doc's words there."""
    if not len(stretch):
        return None
    last = stretch[-1]
    span = doc.char_span(start, start + last.idx + len(last.text))
    if span is None or len(span) != len(stretch) or doc[span.end - 1].idx != start + last.idx:
        return None
    return int(span.start)


def _with_trees(doc: Any, trees: Sequence[tuple[int, Any]]) -> Any:
    """The doc with the parsed stretches' trees at their words and a flat tree over each stretch between."""
    if not len(doc):
        return doc
    heads = numpy.zeros((len(doc), 2), dtype="uint64")
    dep, root = doc.vocab.strings.add("dep"), doc.vocab.strings.add("ROOT")
    at = 0
    for first, stretch in [*sorted(trees, key=lambda tree: tree[0]), (len(doc), None)]:
        if first > at:
            heads[at:first] = flat_tree(first - at, dep, root)
        if stretch is not None:
            heads[first : first + len(stretch)] = stretch.to_array([HEAD, DEP])
            at = first + len(stretch)
    doc.from_array([HEAD, DEP], heads)
    return doc


def flat_tree(size: int, dep: int, root: int) -> Any:
    """HEAD and DEP columns of a flat unlabelled tree of `size` words: every word hangs from the first,
    so they are one sentence. Sentence starts alone would be dropped where `Doc.from_docs` joins
    docs, and the words would run on in the sentence before."""
    heads = numpy.zeros((size, 2), dtype="uint64")
    heads[:, 0] = (-numpy.arange(size, dtype="int64")).view("uint64")  # offsets to the first word
    heads[:, 1] = dep
    heads[0, 1] = root
    return heads


def join_docs(docs: Sequence[Any]) -> Any:
    """One doc of consecutive pieces of a text (as `parse_selectively` made them), without tensors:
    they have none, and nothing reads them."""
    # `exclude` is in spaCy's Doc.from_docs since 3.3, not yet in its type stub
    return Doc.from_docs(list(docs), ensure_whitespace=False, exclude=["tensor"])  # type: ignore[call-arg]


def analyse_articles(articles: Sequence[Article], settings: Settings | None = None) -> list[Analysis]:
    """Analyse a batch of articles: entities in their titles and texts, quotations in their texts.

    The texts are analysed a paragraph at a time, in one batch for the batch of articles. The
    dependency parse, which only quotation finding reads, runs on the runs of sentences with a
    quote mark or a word of saying (`passages.parse_runs`): in news, about three fifths of the
    words. Entities come from whole paragraphs, with the sentences of the parsed runs, without the
    parser and the embedding layer only it reads (`unparsed_pipes`); a paragraph parsed whole gets
    the full pipeline's entities.
    """
    settings = settings or Settings()
    if not articles:
        return []
    nlp = load_pipeline(settings.model)
    texts: list[str] = []
    parsed: list[list[tuple[int, int]]] = []
    sizes: list[int] = []
    for article in articles:
        texts.append(article.title[: settings.max_nlp_chars])
        parsed.append([])
        # guillemets and low quote marks confuse the parser; the same-length curly marks do not
        pieces = paragraphs_of(article.text[: settings.max_nlp_chars].translate(_PARSER_MARKS))
        texts += pieces
        parsed += [parse_runs(p) for p in pieces]
        sizes.append(len(pieces))
    docs = parse_selectively(nlp, texts, parsed, settings.nlp_batch_size)
    results = []
    at = 0
    for article, size in zip(articles, sizes, strict=True):
        title, title_doc = texts[at], docs[at]
        text = "".join(texts[at + 1 : at + 1 + size])
        text_doc = join_docs(docs[at + 1 : at + 1 + size])  # size ≥ 1: "" is one piece
        at += 1 + size
        spans = _entity_spans(title_doc, "title", title) + _entity_spans(text_doc, "text", text)
        spans = _propagate_names(spans, {"title": title, "text": text})
        analysis = build_analysis(article, spans)
        quotes = find_quotes(article.text[: settings.max_nlp_chars], text_doc, analysis.mentions, analysis.groups)
        # spans were found on the parser's copy of the text; report them in the article's own marks
        results.append(replace(analysis, quotes=tuple(quotes), method=f"{analysis.method}+{QUOTES}"))
    return results
