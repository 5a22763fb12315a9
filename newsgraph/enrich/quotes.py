"""Who said what: direct quotations and reported speech, with speakers, roles and cues.

Direct quotations are found from the quote marks (“…”, "…", ‘…’, «…», „…“), paragraph by
paragraph: a paragraph that opens a quote without closing it continues into the next one
that opens with a mark, as news style writes a long quotation. A quote split by its
attribution (`"We will act," she said, "and soon."`) is one quote. Quoted words count as a
quotation only when they stand at a clause boundary and someone is said to say them — a
speech cue in the sentence, or a whole quoted paragraph continuing the previous speaker —
so scare quotes (`a naked “with us or against us” approach`), titles and nicknames are not.

Reported speech comes from the dependency parse: a speech verb (`said`, `told`, `warned` …)
with a clausal complement, or `according to X`.

Speakers come from the verb's subject: a named person or organisation (its in-article name
group), a pronoun resolved to the nearest person named before it, or a description kept as the
role of an anonymous source (`a senior official`). `said former senior EU diplomat Clarisse
Pasztory` gives the speaker Clarisse Pasztory with the role `former senior EU diplomat`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from newsgraph.enrich.namekeys import PERSON_TITLES
from newsgraph.records import Mention, NameGroup, Quote

QUOTES = "quotes.rules.v2"
SPEECH_VERBS = frozenset(
    "say says said saying tell tells told telling add adds added warn warns warned warning insist insists insisted "
    "deny denies denied claim claims claimed announce announces announced write writes wrote tweet tweets tweeted "
    "state states stated argue argues argued note notes noted explain explains explained acknowledge acknowledged "
    "admit admits admitted confirm confirms confirmed stress stresses stressed urge urged predict predicted "
    "allege alleged declare declared reply replied respond responded continue continued recall recalled "
    "concede conceded observe observed remark remarked comment commented ask asked suggest suggested "
    "contend contended maintain maintained assert asserted report reported estimate estimated "
    "promise promised vow vowed pledge pledged caution cautioned complain complained conclude concludes "
    "concluded chant chanted quip quipped testify testified counter countered post posted asks".split()
) | frozenset(
    "boast boasts boasted brag brags bragged joke jokes joked scoff scoffed shout shouted yell yelled "
    "exclaim exclaimed demand demands demanded plead pleaded retort retorted interject interjected "
    "muse mused recount recounted reiterate reiterated repeat repeated wonder wondered".split()
)
# Verbs that attribute a claim without a speech act (`a report found that …`, `she believes …`):
# reported content, never the cue of a direct quotation.
ATTRIBUTION_VERBS = frozenset(
    "believe believes believed think thinks thought find finds found show shows showed cite cites cited "
    "agree agrees agreed expect expects expected fear fears feared hope hopes hoped accuse accused "
    "acknowledges insisting saying telling".split()
)


def _forms(bases: str) -> frozenset[str]:
    """A verb's written forms from its base (`urge` → urge urges urged urging); irregular past
    forms are listed beside their base in the lexicons below."""
    forms: set[str] = set()
    for base in bases.split():
        stem = base[:-1] if base.endswith("e") and not base.endswith("ee") else base
        if base.endswith("y") and base[-2:-1] not in "aeiou":
            forms.update({base, base[:-1] + "ies", base[:-1] + "ied", base + "ing"})
            continue
        double = stem + stem[-1] if base in _DOUBLED else stem
        forms.update({base, base + ("es" if base.endswith(("s", "sh", "ch", "x", "z")) else "s")})
        forms.update({base + "d" if base.endswith("e") else double + "ed", double + "ing"})
    return frozenset(forms)


_DOUBLED = frozenset({"plan", "slam", "admit", "regret", "rebut", "beg", "prefer", "jab"})
# Stances taken in words whose object is what is said (`she criticized the ruling`, `he cited a
# study`): reported content when the object is a phrase, not a clause.
OBJECT_CUES = _forms(
    "cite mention discuss describe criticize criticise praise condemn attack defend endorse back support "
    "oppose reject propose question acknowledge deny announce unveil express demand blast slam mock dismiss "
    "denounce decry tout hail welcome applaud laud dispute challenge refute rebut predict recommend advocate "
    "highlight emphasize emphasise stress underscore reiterate repeat echo outline detail lament blame "
    "accuse recount describe characterize portray label brand call dub"
) | frozenset({"said", "says", "say", "wrote", "writes", "told", "tells"})
# Intentions and requests with an infinitive (`he vowed to repeal the law`, `she urged voters to …`).
INFINITIVE_CUES = _forms(
    "want plan vow promise pledge refuse decline agree seek intend threaten hope aim urge ask encourage "
    "warn implore beg demand offer propose prefer wish vote"
) | frozenset({"sought"})
# Verb + preposition frames whose object is the topic or target of speech (`called for a recount`,
# `spoke about the economy`, `warned of a crisis`).
PREPOSITION_CUES: dict[str, frozenset[str]] = {
    "for": _forms("call push argue press lobby campaign advocate plead appeal"),
    "about": _forms("talk speak complain warn worry boast brag joke comment write testify tweet ask")
    | frozenset({"spoke", "spoken", "wrote", "written"}),
    "of": _forms("speak warn accuse boast approve disapprove") | frozenset({"spoke", "spoken"}),
    "on": _forms("call comment insist elaborate reflect remark weigh focus") | frozenset({"spoke"}),
    "against": _forms("warn argue speak rail campaign protest caution testify vote") | frozenset({"spoke"}),
    "to": _forms("object refer point allude respond reply"),
    "at": _forms("hint jab lash"),
}
# Cues that only introduce a quotation with quote marks (`she continued: “…”`), not reported speech.
_DIRECT_ONLY = frozenset({"continue", "continued", "recall", "recalled", "ask", "asked", "reply", "replied"})
PRONOUNS = {"he": "person", "she": "person", "they": "any", "i": "person", "we": "any"}
ANONYMOUS_HEADS = frozenset(
    "official officials source sources spokesman spokeswoman spokesperson diplomat diplomats person people "
    "aide aides adviser advisers advisor insider insiders analyst analysts witness witnesses resident residents "
    "officer officers member members colleague colleagues expert experts observer observers".split()
)
_NOT_QUOTE_BEFORE = re.compile(
    r"(?:titled|entitled|called|dubbed|named|nicknamed|known as|so-called|the word|the term|the phrase|"
    r"the slogan|the hashtag|the motto|headlined|labelled|labeled|branded)\s*$",
    re.I,
)
PAIRS = {"“": "”", "«": "»", "„": "“”", '"': '"', "‘": "’"}
QUOTE_MARKS = frozenset("“”«»„\"‘’'")
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
            candidate.segments.append((following.start, following.end))
            candidate.paragraphs.append(following.para)
            span = following
            i += 1
        candidates.append(candidate)
        i += 1
    return candidates


# ---- the parse -----------------------------------------------------------------------------------


def _tokens_in(doc: Any, start: int, end: int) -> list[Any]:
    return [t for t in doc if t.idx >= start and t.idx + len(t.text) <= end]


def _speech_verb(token: Any) -> bool:
    return bool(token.text.lower() in SPEECH_VERBS and token.pos_ in {"", "VERB", "AUX"} and token.dep_ != "amod")


@dataclass(frozen=True)
class _Attribution:
    cue: str
    speaker: str | None
    group: int | None
    role: str | None
    anonymous: bool
    span: tuple[int, int] | None = None  # where the text names the source


class _Speakers:
    """Maps token spans to the article's named mentions and resolves pronouns."""

    def __init__(
        self,
        mentions: Sequence[Mention],
        groups: Sequence[NameGroup],
        quoted: Sequence[tuple[int, int]] = (),
        text: str = "",
    ) -> None:
        self.text = text
        self.mentions = sorted((m for m in mentions if m.field == "text"), key=lambda m: m.start)
        self.groups = groups
        self.quoted = quoted  # names inside quotation marks are not antecedents of `he` or `she`

    def covering(self, position: int) -> Mention | None:
        """The named person or organisation mention containing a character position."""
        for mention in self.mentions:
            if mention.start <= position < mention.end and self.groups[mention.group].type in {
                "person",
                "org",
                "group",
            }:
                return mention
        return None

    def named_in(self, start: int, end: int) -> Mention | None:
        inside = [
            m
            for m in self.mentions
            if m.start >= start and m.end <= end and self.groups[m.group].type in {"person", "org", "group"}
        ]
        if not inside:
            return None
        people = [m for m in inside if self.groups[m.group].type == "person"]
        return (people or inside)[-1]

    def titled_before(self, position: int, title: str) -> Mention | None:
        """The nearest person named before a position with a title just before the name."""
        pattern = re.compile(rf"(?<!vice )(?<!vice-)\b{re.escape(title)}\.?\s+(?:[A-Z][\w.'’-]*\s+){{0,3}}$", re.I)
        for mention in reversed(self.mentions):
            if mention.end > position or self.groups[mention.group].type != "person":
                continue
            if pattern.search(self.text[max(0, mention.start - 60) : mention.start]):
                return mention
        return None

    def before(self, position: int, want: str) -> Mention | None:
        for mention in reversed(self.mentions):
            if mention.end > position or any(s <= mention.start < e for s, e in self.quoted):
                continue
            kind = self.groups[mention.group].type
            if kind == "person" or (want == "any" and kind in {"org", "group"}):
                return mention
        return None


def _inside(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _subject(verb: Any, inside: Sequence[tuple[int, int]] = ()) -> Any | None:
    """The verb's subject; with inverted attribution (`“…,” said X`) the parser may also make a
    word of the quotation a subject, so a subject outside the quoted spans is preferred."""
    subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
    outside = [c for c in subjects if not _inside(c.idx, inside)]
    if outside:
        return outside[0]
    if subjects:
        return subjects[0]
    if verb.dep_ in {"conj", "advcl"} and verb.head.i != verb.i:
        return _subject(verb.head, inside)
    return None


def _adjacent_source(verb: Any, speakers: _Speakers, inside: Sequence[tuple[int, int]]) -> _Attribution | None:
    """A name standing between a closing quote mark and its speech verb (`“…,” Chief X said`) or
    right after the verb (`“…,” said X.`), when the parse did not make it the verb's subject."""
    text = verb.doc.text
    closing = [end for _, end in inside if end <= verb.idx]
    if closing:
        start = max(closing) + 1
        between = text[start : verb.idx]
        if between.strip(" ,") and _words(between) <= 8 and not re.search(r"[.;:!?\n“”\"]", between):
            mention = speakers.named_in(start, verb.idx)
            if mention is not None and speakers.groups[mention.group].type == "person":
                role = _clean_role(text[start : mention.start].split())
                return _Attribution(
                    verb.text.lower(),
                    speakers.groups[mention.group].name,
                    mention.group,
                    role,
                    False,
                    (mention.start, mention.end),
                )
    after_start = verb.idx + len(verb.text)
    tail = re.match(r"[^,.;:!?\n“”\"]*", text[after_start : after_start + 80])
    if tail is not None and tail.group().strip():
        mention = speakers.named_in(after_start, after_start + tail.end())
        if mention is not None:
            role = _clean_role(text[after_start : mention.start].split())
            return _Attribution(
                verb.text.lower(),
                speakers.groups[mention.group].name,
                mention.group,
                role,
                False,
                (mention.start, mention.end),
            )
    return None


def _clean_role(words: list[str]) -> str | None:
    while words and words[0].lower() in {"the", "a", "an", ",", "and"}:
        words = words[1:]
    while words and words[-1] in {",", "and"}:
        words = words[:-1]
    role = " ".join(words).strip()
    return role or None


def _attribute(
    verb: Any, speakers: _Speakers, inside: Sequence[tuple[int, int]], cue: str | None = None
) -> _Attribution | None:
    """The speaker of a speech verb's subject (or of `according to X`)."""
    cue = cue or verb.text.lower()
    if verb.text.lower() == "according":
        pobj = next((t for t in verb.subtree if t.dep_ == "pobj"), None)
        subject = pobj
    else:
        subject = _subject(verb, inside)
    if subject is None or _inside(subject.idx, inside):
        adjacent = _adjacent_source(verb, speakers, inside) if inside else None
        if adjacent is not None:
            return replace(adjacent, cue=cue)
        if subject is None:
            return _Attribution(cue, None, None, None, False)
        return None  # the subject is inside the quotation: this verb belongs to the quoted words
    found = _attribute_subject(subject, speakers, cue)
    if found is None:
        return None
    # the source as the text names it: the subject from its first word to its head
    return replace(found, span=(min(subject.left_edge.idx, subject.idx), subject.idx + len(subject.text)))


def _attribute_subject(subject: Any, speakers: _Speakers, cue: str) -> _Attribution | None:
    pronoun = PRONOUNS.get(subject.text.lower())
    if pronoun is not None:
        mention = speakers.before(subject.idx, pronoun)
        if mention is None:
            return _Attribution(cue, None, None, None, False)
        group = speakers.groups[mention.group]
        return _Attribution(cue, group.name, mention.group, None, False)
    # the subject phrase, without relative clauses, appositions after a comma and quote marks
    words = [
        t
        for t in subject.subtree
        if t.dep_ not in {"relcl", "punct"} and t.text not in QUOTE_MARKS and not _after_comma(t, subject)
    ]
    if not words:
        return _Attribution(cue, None, None, None, False)
    head = subject.text.lower()
    mention = speakers.covering(subject.idx)
    if mention is not None:
        group = speakers.groups[mention.group]
        role = _clean_role([t.text for t in words if t.idx + len(t.text) <= mention.start])
        appos = [c for c in subject.children if c.dep_ == "appos"]
        if role is None and appos:
            role = _clean_role([t.text for t in appos[0].subtree if t.dep_ != "punct"])
        return _Attribution(cue, group.name, mention.group, role, False)
    phrase = _clean_role([t.text for t in words])
    if head in ANONYMOUS_HEADS or head.rstrip("s") in ANONYMOUS_HEADS:
        return _Attribution(cue, None, None, phrase, True)
    phrase_start, phrase_end = words[0].idx, words[-1].idx + len(words[-1].text)
    mention = speakers.named_in(phrase_start, phrase_end)
    if mention is not None:
        group = speakers.groups[mention.group]
        return _Attribution(
            cue, group.name, mention.group, _clean_role([t.text for t in words if t.idx < mention.start]), False
        )
    if head in PERSON_TITLES and words[0].text.lower() == "the" and len(words) <= 3:
        # `the president said`: the person last named with that title (`President Lindqvist`)
        titled = speakers.titled_before(subject.idx, head)
        if titled is not None:
            return _Attribution(cue, speakers.groups[titled.group].name, titled.group, phrase, False)
    if subject.text[:1].isupper() and subject.i > subject.sent.start and head not in PERSON_TITLES:
        # a name the entity recogniser missed: keep it as written, unlinked
        name = " ".join(t.text for t in words if t.text[:1].isupper() and t.i <= subject.i)
        return _Attribution(cue, name or subject.text, None, None, False)
    return _Attribution(cue, None, None, phrase, any(t.text.lower() in ANONYMOUS_HEADS for t in words))


def _after_comma(token: Any, head: Any) -> bool:
    """Whether a token of the subject's subtree follows a comma after the head (`X, who …`)."""
    if token.i <= head.i:
        return False
    return any(t.text == "," for t in head.doc[head.i : token.i])


def _sentence_of(doc: Any, position: int) -> Any | None:
    for sent in doc.sents:
        if sent.start_char <= position < sent.end_char:
            return sent
    return None


def _direct_attribution(doc: Any, text: str, candidate: _Candidate, speakers: _Speakers) -> _Attribution | None:
    """A speech verb outside the quotation, in the sentence where it opens or where it closes."""
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
    # the sentence right after the quotation, when the quote closes its own sentence: `“…” She said.`
    best: tuple[int, _Attribution] | None = None
    for sent in sentences:
        for token in sent:
            if any(s <= token.idx < e for s, e in inside):
                continue
            if _speech_verb(token) or (token.text.lower() == "according" and token.nbor(1).text.lower() == "to"):
                found = _attribute(token, speakers, inside)
                if found is None:
                    continue
                distance = min(abs(token.idx - candidate.end), abs(token.idx - candidate.start))
                if best is None or distance < best[0]:
                    best = (distance, found)
    return best[1] if best else None


_DASH_SOURCE = re.compile(r"[ \t]*[”\"’']?[ \t]*(?:―|—|--)[ \t]*((?:[A-Z][\w.'’-]*[ \t]*){1,5})")


def _dash_attribution(text: str, end: int, speakers: _Speakers) -> _Attribution | None:
    """`“…” ― Name`: a quotation signed with a dash and a name, as under a reader's comment."""
    match = _DASH_SOURCE.match(text, end + 1 if text[end : end + 1] in QUOTE_MARKS else end)
    if match is None:
        return None
    start, stop = match.span(1)
    stop = start + len(text[start:stop].rstrip(" \t."))
    mention = speakers.named_in(start, stop)
    if mention is not None:
        group = speakers.groups[mention.group]
        return _Attribution("―", group.name, mention.group, None, False, (mention.start, mention.end))
    if len(text[start:stop].split()) < 2:
        return None  # one capitalised word after a dash is as likely a place or a heading as a name
    return _Attribution("―", text[start:stop], None, None, False, (start, stop))


def _boundary_before(text: str, start: int) -> bool:
    """Whether the opening mark stands at a clause edge: paragraph start, after `:`, `,`, or a speech verb."""
    head = text[: max(0, start - 1)].rstrip(" \t")
    if not head or head.endswith(("\n", ":", ",", ";", "—", "–", "(", ".", "?", "!")):
        return True
    last = re.findall(r"[\w’']+$", head)
    return bool(last) and (last[0].lower() in SPEECH_VERBS or last[0].lower() in {"that", "as"})


def _boundary_after(text: str, end: int) -> bool:
    """Whether the quotation ends a clause: punctuation just inside or just after the closing mark."""
    inner = text[:end].rstrip(" '’\"”")  # a nested quotation may close just before: `…,’”`
    if inner and inner[-1] in ",.;:?!…—–":
        return True
    tail = text[end + 1 :].lstrip(" \t")
    return not tail or tail[0] in "\n,.;:?!)—–"


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


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
                and _words(between) <= 12
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


def find_quotes(text: str, doc: Any, mentions: Sequence[Mention], groups: Sequence[NameGroup]) -> list[Quote]:
    """Direct quotations and reported speech in an article's text (`doc` is its parsed spaCy Doc)."""
    spans = find_quote_spans(text)
    speakers = _Speakers(mentions, groups, [(s.start, s.end) for s in spans], text)
    candidates = _chain(text, spans)
    direct: list[Quote] = []
    covered: list[tuple[int, int]] = []
    previous: Quote | None = None
    previous_para = -10
    for candidate, _between in _merge_split_quotes(text, candidates):
        start, end = candidate.start, candidate.end
        quoted = " ".join(text[s:e] for s, e in candidate.segments)
        words = _words(quoted)
        p_start = _paragraphs(text)[candidate.paragraphs[0]][0]
        whole_paragraph = start == p_start + 1 and _boundary_after(text, end)
        if words < MIN_WORDS or _NOT_QUOTE_BEFORE.search(text[max(0, start - 40) : start - 1]):
            continue
        at_edge = _boundary_before(text, start) and _boundary_after(text, end)
        if not at_edge and not (words >= MIN_EMBEDDED_WORDS and _boundary_after(text, end)):
            continue
        attribution = _direct_attribution(doc, text, candidate, speakers)
        continues = (
            whole_paragraph
            and previous is not None
            and candidate.paragraphs[0] - previous_para <= 1
            and bool(previous.speaker or previous.role)
        )
        if attribution is None and not _DASH_SOURCE.search(quoted) and "\n" not in quoted:
            attribution = _dash_attribution(text, end, speakers)
        if attribution is None and continues and previous is not None:
            attribution = _Attribution(
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
            and _words(text[previous.end : start]) <= 40
            and not _DASH_SOURCE.match(text, previous.end)
        ):
            # `“A,” X said. “B.”` — the second sentence goes on with the same quotation
            s, e = _strip_edges(text, start, end)
            merged = replace(previous, text=f"{previous.text} {text[s:e].strip()}".rstrip(",;: "), end=e)
            direct[-1] = merged
            covered.extend(candidate.segments)
            previous = merged
            continue
        if attribution is None:
            continue
        s, e = _strip_edges(text, start, end)
        quote = Quote(
            kind="direct",
            text="\n\n".join(text[a:b].strip() for a, b in candidate.segments).rstrip(",;: "),
            start=s,
            end=e,
            speaker=attribution.speaker,
            speaker_group=attribution.group,
            role=attribution.role,
            cue=attribution.cue,
            anonymous=attribution.anonymous,
            source_start=attribution.span[0] if attribution.span else None,
            source_end=attribution.span[1] if attribution.span else None,
        )
        direct.append(quote)
        covered.extend(candidate.segments)
        previous, previous_para = quote, candidate.paragraphs[-1]
    reported = _reported(text, doc, speakers, covered, direct, [(span.start, span.end) for span in spans])
    return direct + reported


def _reported(
    text: str,
    doc: Any,
    speakers: _Speakers,
    covered: list[tuple[int, int]],
    direct: list[Quote],
    marked: Sequence[tuple[int, int]] = (),
) -> list[Quote]:
    """Reported speech; a reported clause that runs into a direct quotation makes it a mixed one
    (`She said the plan “will fail the farmers who trusted us.”`): the direct quote then starts
    where the reported words start. `direct` is updated in place. A cue inside quote marks
    (`marked`) belongs to the quoted speaker's own words (`“I think we will win”`), not to the article."""
    found: list[Quote] = []
    quoted = list(covered)
    for token in doc:
        lower = token.text.lower()
        if any(s - 1 <= token.idx <= e for s, e in covered) or _inside(token.idx, marked):
            continue
        if lower == "according" and token.i + 1 < len(doc) and doc[token.i + 1].text.lower() == "to":
            content = _according_content(token)
        elif (lower in SPEECH_VERBS and lower not in _DIRECT_ONLY and _speech_verb(token)) or (
            lower in ATTRIBUTION_VERBS and token.dep_ != "amod"
        ):
            content = _extend_coordination(token, _clause_content(token) or _frame_content(token))
        elif token.dep_ != "amod" and _subject(token) is not None:
            content = _extend_coordination(token, _frame_content(token))
        else:
            continue
        full_end = content[-1].idx + len(content[-1].text) if content else 0
        content, runs_into = _trim_content(content, quoted)
        if len(content) < 3:
            continue
        start, end = content[0].idx, content[-1].idx + len(content[-1].text)
        if runs_into is not None and lower != "according":
            said_by = _attribute(token, speakers, _pieces(text, content))
            if said_by is not None and _mix(text, direct, runs_into, start, full_end, said_by):
                covered.append((start, end))
                continue
        if any(s <= start < e or s < end <= e or start <= s < end for s, e in covered):
            continue  # already a quotation
        pieces = _pieces(text, content)
        attribution = _attribute(token, speakers, pieces)
        if attribution is None:
            continue
        span = " ".join(text[a:b] for a, b in pieces).strip(' ,"“”‘’«»')
        found.append(
            Quote(
                kind="reported",
                text=span,
                start=start,
                end=end,
                speaker=attribution.speaker,
                speaker_group=attribution.group,
                role=attribution.role,
                cue="according to" if lower == "according" else attribution.cue,
                anonymous=attribution.anonymous,
                source_start=attribution.span[0] if attribution.span else None,
                source_end=attribution.span[1] if attribution.span else None,
            )
        )
        covered.append((start, end))
    return found


def _pieces(text: str, content: Sequence[Any]) -> list[tuple[int, int]]:
    """The character spans of runs of consecutive content tokens: a parenthetical attribution
    (`The clinic, the mayor said, will open`) splits the content in two."""
    pieces: list[tuple[int, int]] = []
    previous = None
    for token in content:
        end = token.idx + len(token.text)
        if previous is not None and token.i == previous + 1:
            pieces[-1] = (pieces[-1][0], end)
        else:
            pieces.append((token.idx, end))
        previous = token.i
    return [(a, b) for a, b in pieces if text[a:b].strip(" ,")] or pieces


def _clause_content(verb: Any) -> list[Any]:
    """What a speech verb reports: its clausal complement (`said [that] CONTENT`, `CONTENT, X said`),
    or, when the attribution is a parenthesis (`CONTENT, X said, CONTENT.`) or closes the sentence
    after a comma (`CONTENT, experts say.`), the clause around it without the attribution."""
    doc = verb.doc
    complement = next((c for c in verb.children if c.dep_ == "ccomp" and c.i > verb.i), None)
    if complement is None:
        # `CONTENT, X said.`: a clause before the verb, set off by a comma
        complement = next(
            (
                c
                for c in verb.children
                if c.dep_ == "ccomp" and c.i < verb.i and any(t.text == "," for t in doc[c.i : verb.i])
            ),
            None,
        )
    if complement is not None:
        content = list(complement.subtree)
        if content and content[0].dep_ == "mark" and content[0].text.lower() == "that":
            content = content[1:]
        return content
    subject = _subject(verb)
    if subject is None or subject.head.i != verb.i or any(c.dep_ in {"dobj", "xcomp"} for c in verb.children):
        return []
    if verb.dep_ == "parataxis":
        attribution = {t.i for t in verb.subtree}
        return [t for t in verb.head.subtree if t.i not in attribution]
    first = min(t.i for t in subject.subtree)
    if verb.dep_ == "ROOT" and first > verb.sent.start + 1 and doc[first - 1].text == ",":
        return [t for t in verb.sent if t.i < first]
    return []


def _frame_content(verb: Any) -> list[Any]:
    """What a stance or intention verb reports: `vowed [to repeal the law]`, `urged [voters to stay
    home]`, `called for [a recount]`, `criticized [the ruling]`, `called [the plan] a “disaster”`."""
    lower = verb.text.lower()
    after = [c for c in verb.children if c.i > verb.i]
    if lower in INFINITIVE_CUES:
        xcomp = next((c for c in after if c.dep_ == "xcomp" and _is_infinitive(c)), None)
        if xcomp is not None:
            start = min(t.i for t in xcomp.subtree)
            obj = next((c for c in after if c.dep_ == "dobj" and c.i < xcomp.i), None)
            if obj is not None:
                start = min(start, min(t.i for t in obj.subtree))
            return list(verb.doc[start : max(t.i for t in xcomp.subtree) + 1])
    for child in after:
        if child.dep_ == "prep" and lower in PREPOSITION_CUES.get(child.text.lower(), ()):
            obj = next((c for c in child.children if c.dep_ in {"pobj", "pcomp"}), None)
            if obj is not None:
                return list(obj.subtree)
            break
    if lower in OBJECT_CUES:
        obj = next((c for c in after if c.dep_ == "dobj"), None)
        if obj is not None:
            last = max(t.i for t in obj.subtree)
            # `called the plan a “disaster”`, `described it as reckless`: the predicate goes with it
            for c in after:
                if c.i > last and (c.dep_ in {"oprd", "ccomp", "xcomp"} or (c.dep_ == "prep" and c.text == "as")):
                    last = max(last, max(t.i for t in c.subtree))
            return list(verb.doc[min(t.i for t in obj.subtree) : last + 1])
    return []


def _extend_coordination(verb: Any, content: list[Any]) -> list[Any]:
    """The parser often hangs the second half of a coordinated complement on the cue verb
    (`wants to cut taxes, raise tariffs and …`, `spoke of the past and how it shaped …`): a
    conjunct of the verb right after the content, joined by `and`/`or`, with no subject of its
    own (or a wh-clause), and not itself a cue, belongs to the content."""
    if not content or verb.i > content[0].i:
        return content
    doc = verb.doc
    last = content[-1].i
    for child in verb.children:
        if child.dep_ != "conj" or child.i <= last:
            continue
        joiners = [t for t in doc[last + 1 : child.i] if t.head.i == verb.i and t.dep_ == "cc"]
        if any(t.text.lower() not in {"and", "or"} for t in joiners):
            break
        lower = child.text.lower()
        wh = any(
            (c.dep_ in {"advmod", "mark", "nsubj", "dobj"} and c.text.lower().startswith("wh"))
            or c.text.lower() == "how"
            for c in child.children
        )
        own_subject = any(c.dep_ in {"nsubj", "nsubjpass"} for c in child.children)
        if (own_subject and not wh) or lower in SPEECH_VERBS or lower in ATTRIBUTION_VERBS:
            break
        last = max(t.i for t in child.subtree)
    return list(doc[content[0].i : last + 1]) if last > content[-1].i else content


def _is_infinitive(token: Any) -> bool:
    return any(c.dep_ == "aux" and c.text.lower() == "to" for c in token.children)


_LEADING_JOINERS = frozenset({"but", "and", "so", "yet", "still", "however", "that"})


def _trim_content(content: list[Any], direct: Sequence[tuple[int, int]]) -> tuple[list[Any], int | None]:
    """Content without edge punctuation and joining words, cut before a direct quotation it runs into
    (`She said the plan was fair, and added: “…”` keeps `the plan was fair`); with the position
    where that quotation starts."""
    runs_into = None
    if not content:
        return content, runs_into
    for number, token in enumerate(content):
        if number and _inside(token.idx, direct) and not _inside(content[0].idx, direct):
            runs_into = token.idx
            content = content[:number]
            while content and (content[-1].is_punct or content[-1].dep_ == "cc" or content[-1].text in QUOTE_MARKS):
                content = content[:-1]
            break
    while content and (content[0].is_punct or content[0].text.lower() in _LEADING_JOINERS):
        content = content[1:]
    while content and content[-1].is_punct and content[-1].text not in QUOTE_MARKS:
        content = content[:-1]
    return content, runs_into


def _mix(text: str, direct: list[Quote], position: int, start: int, end: int, said_by: _Attribution) -> bool:
    """Extend the direct quotation at `position` back over the reported words just before it, and
    on over reported words after it up to `end` (`said there is “a real risk” when rates rise`); the
    verb that governs the reported words names the speaker, when it names one."""
    for number, quote in enumerate(direct):
        if not quote.start - 2 <= position <= quote.end or quote.start < start:
            continue
        if "\n" in text[start : quote.start]:
            return False
        stop = quote.end
        if (
            end > quote.end + 2
            and "\n" not in text[quote.end : end]
            and not QUOTE_MARKS & set(text[quote.end + 1 : end])
        ):
            stop = end
        mixed = replace(quote, start=start, end=stop, text=text[start:stop].strip(' "“”‘’«»'))
        if said_by.speaker or said_by.role:
            mixed = replace(
                mixed,
                speaker=said_by.speaker,
                speaker_group=said_by.group,
                role=said_by.role,
                cue=said_by.cue,
                anonymous=said_by.anonymous,
                source_start=said_by.span[0] if said_by.span else None,
                source_end=said_by.span[1] if said_by.span else None,
            )
        direct[number] = mixed
        return True
    return False


def _according_content(token: Any) -> list[Any]:
    """`According to X, CONTENT.` or `CONTENT, according to X.`: the sentence without the attribution."""
    sent = token.sent
    attribution = set(t.i for t in token.subtree)
    return [t for t in sent if t.i not in attribution and not (t.is_punct and t.i in {sent.start, sent.end - 1})]
