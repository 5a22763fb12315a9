"""Who said what: direct quotations and reported speech, with speakers, roles and cues.

Direct quotations are found from the quote marks (“…”, "…", ‘…’, «…», „…“), paragraph by
paragraph: a paragraph that opens a quote without closing it continues into the next one
that opens with a mark, as news style writes a long quotation. A quote split by its
attribution (`"We will act," she said, "and soon."`) is one quote. Quoted words count as a
quotation only when they stand at a clause boundary and someone is said to say them — a
speech cue in the sentence, or a whole quoted paragraph continuing the previous speaker —
so scare quotes (`a naked “with us or against us” approach`), titles and nicknames are not.
The parts of a split quotation are joined with the punctuation that ended each part (`We will
act, and soon.`; `We did what we could. The committee …`). A transcript line (`"PENCE: Well …`)
is said by the speaker its label names, and a short line that opens with a person's name and
ends in a colon and a quotation (a headline: `Strand Grills Bank Chief: ‘…’`) by that person.

Reported speech comes from the dependency parse (`newsgraph.enrich.reported`): a cue verb
(`said`, `warned`, `indicated` …) with a clausal complement, a stance verb with its object, or
`according to X`; the lexicons and frames are in `newsgraph.enrich.cues`.

Speakers come from the verb's subject: a named person or organisation (its in-article name
group), a pronoun resolved to the nearest person named before it, or a description kept as the
role of an anonymous source (`a senior official`). `said former senior EU diplomat Clarisse
Pasztory` gives the speaker Clarisse Pasztory with the role `former senior EU diplomat`. A body
named after a person (`the Trump administration`, `the Obama campaign`) speaks as itself, not as
the person; the agent of a passive (`was criticised by X`) and the noun a participle of saying
describes (`footage of X saying`) are speakers as a subject is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from newsgraph.enrich.cues import ATTRIBUTION_VERBS, QUOTE_MARKS, SPEECH_VERBS, is_speech_verb
from newsgraph.enrich.reported import find_reported
from newsgraph.enrich.speakers import Attribution, Speakers, attribute, count_words, within
from newsgraph.records import Mention, NameGroup, Quote

QUOTES = "quotes.rules.v5"
__all__ = ["ATTRIBUTION_VERBS", "QUOTES", "QUOTE_MARKS", "SPEECH_VERBS", "find_quote_spans", "find_quotes"]
_NOT_QUOTE_BEFORE = re.compile(
    r"(?:titled|entitled|called|dubbed|named|nicknamed|known as|so-called|the word|the term|the phrase|"
    r"the slogan|the hashtag|the motto|headlined|labelled|labeled|branded)\s*$",
    re.I,
)
PAIRS = {"“": "”", "«": "»", "„": "“”", '"': '"', "‘": "’"}
MIN_WORDS = 3
MIN_EMBEDDED_WORDS = 6  # a quotation inside a clause (not at its edge) needs this many words


@dataclass
class _Span:
    start: int  # first quoted character
    end: int  # after the last quoted character
    para: int
    open_ended: bool = False


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, position = [], 0
    for block in text.split("\n\n"):
        spans.append((position, position + len(block)))
        position += len(block) + 2
    return spans


def _is_word(ch: str) -> bool:
    return ch.isalnum()


def _find_close(text: str, opener: str, begin: int, limit: int) -> int:
    closers = PAIRS[opener]
    i = begin
    while i < limit:
        ch = text[i]
        if ch in closers:
            if opener == "‘":  # ’ is also an apostrophe: a closing mark is not followed by a letter
                after = text[i + 1] if i + 1 < limit else " "
                if _is_word(after):
                    i += 1
                    continue
            return i
        i += 1
    return -1


def find_quote_spans(text: str) -> list[_Span]:
    """Quoted stretches of text, paragraph by paragraph; an unclosed quote runs to the paragraph's end.

    Doubled apostrophes (`''…''`, a newspaper convention) count as a straight double quote.
    """
    text = text.replace("''", '" ')  # same length, so offsets hold
    spans: list[_Span] = []
    for number, (p_start, p_end) in enumerate(_paragraphs(text)):
        i = p_start
        while i < p_end:
            ch = text[i]
            if ch == "”" and (i == p_start or text[i - 1] == "\n") and _is_word(text[i + 1 : i + 4].lstrip(" …")[:1]):
                ch = "“"  # a line that opens with the closing mark (`”We will …”`) opens a quotation
            if ch in PAIRS:
                before = text[i - 1] if i > p_start else " "
                if ch in '‘"' and _is_word(before):
                    i += 1
                    continue  # an apostrophe or inch mark inside a word
                close = _find_close(text, ch, i + 1, p_end)
                if close == -1:
                    if text[i + 1 : p_end].strip():
                        spans.append(_Span(i + 1, p_end, number, open_ended=True))
                    break
                if close > i + 1:
                    spans.append(_Span(i + 1, close, number))
                i = close + 1
                continue
            i += 1
    return spans


def _strip_edges(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t'":
        start += 1
    while end > start and text[end - 1] in " \t'":
        end -= 1
    return start, end


@dataclass
class _Candidate:
    segments: list[tuple[int, int]]
    paragraphs: list[int]
    continued: bool = False  # continues the previous paragraph's unclosed quotation

    @property
    def start(self) -> int:
        return self.segments[0][0]

    @property
    def end(self) -> int:
        return self.segments[-1][1]


def _chain(text: str, spans: list[_Span]) -> list[_Candidate]:
    """Join multi-paragraph quotations; each segment keeps its own paragraph."""
    candidates: list[_Candidate] = []
    paragraphs = _paragraphs(text)
    i = 0
    while i < len(spans):
        span = spans[i]
        candidate = _Candidate([(span.start, span.end)], [span.para])
        while span.open_ended and i + 1 < len(spans):
            following = spans[i + 1]
            p_start = paragraphs[following.para][0]
            if following.para != span.para + 1 or following.start != p_start + 1:
                break  # the next paragraph does not open with a quote mark: the quotation ended
            if _TRANSCRIPT_LABEL.match(text, following.start):
                break  # a transcript's next speaker
            candidate.segments.append((following.start, following.end))
            candidate.paragraphs.append(following.para)
            span = following
            i += 1
        candidates.append(candidate)
        i += 1
    return candidates


# ---- the parse -----------------------------------------------------------------------------------


def _sentence_of(doc: Any, position: int) -> Any | None:
    for sent in doc.sents:
        if sent.start_char <= position < sent.end_char:
            return sent
    return None


def _direct_attribution(
    doc: Any, text: str, candidate: _Candidate, speakers: Speakers, paragraphs: Sequence[tuple[int, int]]
) -> tuple[Attribution, int] | None:
    """A speech verb outside the quotation, in the sentence where it opens or where it closes, and
    in its paragraphs; with the verb's character offset.

    Of several, the verb between the parts of a split quotation comes first (it is the attribution
    the quotation was split by), then one that names a speaker, then the nearest."""
    inside = candidate.segments
    sentences = []
    positions = [candidate.start, max(candidate.start, candidate.end - 1)]
    if re.match(r"[ \t]*[a-z]", text[candidate.end + 1 : candidate.end + 4]) or (
        text[candidate.end - 1 : candidate.end] in {"?", "!"} and re.match(r"[ \t]+\w", text[candidate.end + 1 :])
    ):
        # `“…?” she asked.` / `“…?” Lindqvist demanded.`: the words after the mark go on the sentence
        positions.append(candidate.end + 2)
    for position in positions:
        sent = _sentence_of(doc, position)
        if sent is not None and sent not in sentences:
            sentences.append(sent)
    last = paragraphs[candidate.paragraphs[-1]][1]  # a paragraph after the quotation is not its attribution
    gaps = [(inside[n][1], inside[n + 1][0]) for n in range(len(inside) - 1)]
    best: tuple[tuple[bool, bool, int], Attribution, int] | None = None
    for sent in sentences:
        for token in sent:
            if token.idx >= last or any(s <= token.idx < e for s, e in inside):
                continue
            if is_speech_verb(token) or (token.text.lower() == "according" and token.nbor(1).text.lower() == "to"):
                found = attribute(token, speakers, inside)
                if found is None:
                    continue
                distance = min(abs(token.idx - candidate.end), abs(token.idx - candidate.start))
                rank = (not within(token.idx, gaps), not (found.speaker or found.role), distance)
                if best is None or rank < best[0]:
                    best = (rank, found, token.idx)
    return (best[1], best[2]) if best else None


# `“…” ― Name` (spaces or no-break spaces about the dash; never across a line)
_DASH_SOURCE = re.compile(r"[^\S\n]*[”\"’']?[^\S\n]*(?:―|—|--)[^\S\n]*((?:[A-Z][\w.'’-]*[^\S\n]*){1,5})")


def _dash_attribution(text: str, end: int, speakers: Speakers) -> Attribution | None:
    """`“…” ― Name`: a quotation signed with a dash and a name, as under a reader's comment."""
    match = _DASH_SOURCE.match(text, end + 1 if text[end : end + 1] in QUOTE_MARKS else end)
    if match is None:
        return None
    start, stop = match.span(1)
    stop = start + len(text[start:stop].rstrip(" \t."))
    mention = speakers.named_in(start, stop)
    if mention is not None:
        group = speakers.groups[mention.group]
        return Attribution("―", group.name, mention.group, None, False, (mention.start, mention.end))
    if len(text[start:stop].split()) < 2:
        return None  # one capitalised word after a dash is as likely a place or a heading as a name
    return Attribution("―", text[start:stop], None, None, False, (start, stop))


# `"WALLACE: …`: a transcript's speaker label, a name in capitals and a colon opening the line
_TRANSCRIPT_LABEL = re.compile(r"((?:[A-Z][A-Z.'’-]+ ){0,2}[A-Z][A-Z.'’-]+):[ \t]+(?=\S)")


def _label_attribution(label: str, at: int, speakers: Speakers) -> Attribution:
    """The person a transcript label names: the mention there, or the person whose name ends with it."""
    mention = speakers.covering(at)
    if mention is not None:
        group = speakers.groups[mention.group]
        return Attribution(":", group.name, mention.group, None, False, (at, at + len(label)))
    surname = label.split()[-1].lower()
    for number, group in enumerate(speakers.groups):
        if group.type == "person" and group.name.split()[-1].lower() == surname:
            return Attribution(":", group.name, number, None, False, (at, at + len(label)))
    return Attribution(":", label.title(), None, None, False, (at, at + len(label)))


def _colon_attribution(text: str, p_start: int, start: int, end: int, speakers: Speakers) -> Attribution | None:
    """`Ebba Strand Hammers Bank Chief: ‘You Should Be Investigated.’`: a short line that opens with a
    person's name and introduces the quotation that ends it with a colon, as a headline or a
    transcript does, gives that person as the speaker."""
    prefix = text[p_start : max(p_start, start - 1)]
    if not prefix.rstrip().endswith(":") or "\n" in prefix or count_words(prefix) > 12:
        return None
    if text[end + 1 :].split("\n", 1)[0].strip(" .”’\"'"):
        return None  # words after the quotation: it does not end the line
    mention = speakers.covering(p_start)
    if mention is None or mention.start != p_start or speakers.groups[mention.group].type != "person":
        return None
    return Attribution(
        ":", speakers.groups[mention.group].name, mention.group, None, False, (mention.start, mention.end)
    )


def _boundary_before(text: str, start: int) -> bool:
    """Whether the opening mark stands at a clause edge: paragraph start, after `:`, `,`, or a speech verb."""
    head = text[: max(0, start - 1)].rstrip(" \t")
    if not head or head.endswith(("\n", ":", ",", ";", "—", "–", "(", ".", "?", "!")):
        return True
    if head.rstrip("”’\"'»").endswith((".", "?", "!")):
        return True  # after a sentence that ends in a quoted title: `… on “Morning Coffee.” “I mean …”`
    last = re.findall(r"[\w’']+$", head)
    return bool(last) and (last[0].lower() in SPEECH_VERBS or last[0].lower() in {"that", "as"})


def _boundary_after(text: str, end: int) -> bool:
    """Whether the quotation ends a clause: punctuation just inside or just after the closing mark."""
    inner = text[:end].rstrip(" '’\"”")  # a nested quotation may close just before: `…,’”`
    if inner and inner[-1] in ",.;:?!…—–":
        return True
    tail = text[end + 1 :].lstrip(" \t")
    return not tail or tail[0] in "\n,.;:?!)—–"


def _merge_split_quotes(text: str, candidates: list[_Candidate]) -> list[tuple[_Candidate, str | None]]:
    """`"We will act," she said, "and soon."` → one candidate, keeping the attribution text between."""
    merged: list[tuple[_Candidate, str | None]] = []
    for candidate in candidates:
        if merged:
            previous, _ = merged[-1]
            between = text[previous.end + 1 : candidate.start - 1]
            same_paragraph = previous.paragraphs[-1] == candidate.paragraphs[0]
            if (
                same_paragraph
                and "\n" not in between
                and count_words(between) <= 12
                and (between.strip().startswith(",") or text[previous.end - 1] == ",")
                and between.strip().endswith(",")
                and any(w.lower() in SPEECH_VERBS for w in re.findall(r"[A-Za-z]+", between))
                and not previous.continued
            ):
                previous.segments.extend(candidate.segments)
                previous.paragraphs.extend(candidate.paragraphs)
                merged[-1] = (previous, between)
                continue
        merged.append((candidate, None))
    return merged


def _part_end(text: str, part: str, close: int, following: int) -> str:
    """The part of a quotation split by its attribution, with the punctuation that ended it.

    A part keeps its own last mark (`“We will act,” she said, “and soon.”` keeps the comma), except
    a comma that stood for a full stop before an attribution that closes the sentence, when the
    next part opens a new one (`“We will act,” she said. “Soon.”` reads `We will act. Soon.`). A
    part without a mark of its own takes the one after its closing mark (`“…what happened”, she
    said. “The committee …”` reads `…what happened. The committee …`)."""
    part = part.rstrip()
    between = text[close:following].strip(" \t'’\"”“‘«»„")
    new_sentence = between[-1:] in {".", "?", "!"} and text[following : following + 1].isupper()
    if part[-1:] == "," and new_sentence:
        return part[:-1] + "."
    if not part or part[-1] in ",.;:?!…—–-":
        return part
    if new_sentence:
        return part + "."
    if between[:1] in {",", ";", ":"}:
        return part + between[:1]
    return part


def _with_end_mark(text: str, quoted: str, close: int, following: int) -> str:
    """A quotation's text, whose final comma was dropped, with the mark that ended it, before a
    part that follows."""
    quoted = quoted.rstrip()
    last = text[close - 1 : close]
    if last in {",", ";", ":"} and quoted[-1:] != last:
        quoted += last
    return _part_end(text, quoted, close, following)


def _join_parts(text: str, segments: Sequence[tuple[int, int]]) -> str:
    """The quoted words of a quotation's segments: paragraphs joined by a blank line, parts of one
    paragraph (split by the attribution between them) by a space after the part's end mark."""
    out = ""
    for number, (a, b) in enumerate(segments):
        if text[a - 1 : a + 1] == "''":
            a += 1  # the second apostrophe of a doubled opening mark (`''…''`)
        part = text[a:b].strip()
        if number == 0:
            out = part
            continue
        if not part:
            continue
        previous_end = segments[number - 1][1]
        if "\n" in text[previous_end:a]:
            out += "\n\n" + part
        else:
            out = (_part_end(text, out, previous_end, a) + " " + part) if out else part
    return out


def find_quotes(text: str, doc: Any, mentions: Sequence[Mention], groups: Sequence[NameGroup]) -> list[Quote]:
    """Direct quotations and reported speech in an article's text (`doc` is its parsed spaCy Doc)."""
    spans = find_quote_spans(text)
    speakers = Speakers(mentions, groups, [(s.start, s.end) for s in spans], text)
    candidates = _chain(text, spans)
    paragraphs = _paragraphs(text)
    direct: list[Quote] = []
    covered: list[tuple[int, int]] = []
    previous: Quote | None = None
    previous_para = -10
    previous_cue = -1  # where the cue verb of the previous quotation is
    for candidate, _between in _merge_split_quotes(text, candidates):
        start, end = candidate.start, candidate.end
        quoted = " ".join(text[s:e] for s, e in candidate.segments)
        words = count_words(quoted)
        p_start = paragraphs[candidate.paragraphs[0]][0]
        whole_paragraph = start == p_start + 1 and _boundary_after(text, end)
        if words < MIN_WORDS or _NOT_QUOTE_BEFORE.search(text[max(0, start - 40) : start - 1]):
            continue
        at_edge = _boundary_before(text, start) and _boundary_after(text, end)
        if not at_edge and not (words >= MIN_EMBEDDED_WORDS and _boundary_after(text, end)):
            continue
        label = _TRANSCRIPT_LABEL.match(text, start) if start == p_start + 1 else None
        attributed: tuple[Attribution, int] | None
        attribution: Attribution | None
        if label is not None:
            # `"PENCE: Well, look …`: a transcript line, said by the speaker its label names
            candidate.segments[0] = (label.end(), candidate.segments[0][1])
            start = candidate.start
            attributed = (_label_attribution(label.group(1), label.start(1), speakers), -1)
        else:
            attributed = _direct_attribution(doc, text, candidate, speakers, paragraphs)
        attribution, cue_at = attributed if attributed else (None, -1)
        if (
            attribution is not None
            and previous is not None
            and candidate.paragraphs[0] == previous_para
            and cue_at == previous_cue
            and _boundary_before(text, start)
        ):
            attribution = None  # `“A,” X said. “B.”`: the cue that attributes the first part, between them
        continues = (
            whole_paragraph
            and previous is not None
            and candidate.paragraphs[0] - previous_para <= 1
            and bool(previous.speaker or previous.role)
        )
        if attribution is None and not _DASH_SOURCE.search(quoted) and "\n" not in quoted:
            attribution = _dash_attribution(text, end, speakers)
        if attribution is None:
            attribution = _colon_attribution(text, p_start, start, end, speakers)
        if attribution is None and continues and previous is not None:
            attribution = Attribution(
                "continued",
                previous.speaker,
                previous.speaker_group,
                previous.role,
                previous.anonymous,
                (previous.source_start, previous.source_end)
                if previous.source_start is not None and previous.source_end is not None
                else None,
            )
        if (
            attribution is None
            and previous is not None
            and candidate.paragraphs[0] == previous_para
            and _boundary_before(text, start)
            and count_words(text[previous.end : start]) <= 40
            and "\n" not in text[previous.end : start]
            and not _DASH_SOURCE.match(text, previous.end)
        ):
            # `“A,” X said. “B.”` — the second sentence goes on with the same quotation
            s, e = _strip_edges(text, start, end)
            # the attribution between the two parts is left out; the first part keeps the punctuation
            # that ended it
            joined = f"{_with_end_mark(text, previous.text, previous.end, s)} {text[s:e].strip()}"
            merged = replace(previous, text=joined.rstrip(",;: "), end=e)
            direct[-1] = merged
            covered.extend(candidate.segments)
            previous = merged
            continue
        if attribution is None:
            continue
        s, e = _strip_edges(text, start, end)
        quote = Quote(
            kind="direct",
            text=_join_parts(text, candidate.segments).rstrip(",;: "),
            start=s,
            end=e,
            **attribution.quote_fields(),
        )
        direct.append(quote)
        covered.extend(candidate.segments)
        previous, previous_para, previous_cue = quote, candidate.paragraphs[-1], cue_at
    reported = find_reported(text, doc, speakers, covered, direct, [(span.start, span.end) for span in spans])
    return direct + reported
