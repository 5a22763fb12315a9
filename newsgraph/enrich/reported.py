"""Reported speech from the dependency parse: a cue verb's clausal complement (`said [that] …`,
`pointed out that …`), the object or infinitive of a stance or intention verb (`criticized the
ruling`, `vowed to …`, `described as “reckless” …`), the subject of a passive stance (`the plan was
criticised by …`), a stance noun's that-clause (`her view is that …`), `according to X`, and a
reported clause that runs into a quotation, which makes it a mixed one. Content stays in its
cue's paragraph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from newsgraph.enrich.cues import (
    ATTRIBUTION_VERBS,
    CUE_WORDS,
    DIRECT_ONLY,
    FRAME_WORDS,
    INFINITIVE_CUES,
    NOMINAL_DEPS,
    OBJECT_CUES,
    PARTICLE_WORDS,
    PASSIVE_CUES,
    PREDICATE_CUES,
    PREPOSITION_CUES,
    QUOTE_MARKS,
    SPEECH_VERBS,
    STANCE_NOUNS,
    is_speech_verb,
)
from newsgraph.enrich.speakers import Attribution, Speakers, attribute, attribute_subject, subject_of, within
from newsgraph.records import Quote

# Prepositions whose phrase after a stance verb's object belongs to what is said: `described it as
# reckless`, `criticized the mayor for the delay`, `accused him of lying`, `likened the plan to theft`.
OBJECT_PREPOSITIONS = frozenset({"as", "for", "of", "over", "to"})
COPULAS = frozenset({"is", "was", "are", "were", "'s", "’s", "remains", "remained"})


def find_reported(
    text: str,
    doc: Any,
    speakers: Speakers,
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
        if lower not in CUE_WORDS:
            continue  # nothing below can come of it
        if any(s - 1 <= token.idx <= e for s, e in covered) or within(token.idx, marked):
            continue
        holder = None
        if lower == "according" and token.i + 1 < len(doc) and doc[token.i + 1].text.lower() == "to":
            content = _according_content(token)
        elif lower in STANCE_NOUNS and token.dep_ == "nsubj":
            holder, content = _stance_content(token)
            if holder is None:
                continue
        elif (
            (lower in SPEECH_VERBS or lower in PARTICLE_WORDS) and lower not in DIRECT_ONLY and is_speech_verb(token)
        ) or (lower in ATTRIBUTION_VERBS and token.dep_ not in NOMINAL_DEPS):
            content = _extend_coordination(token, _clause_content(token) or _frame_content(token))
            content = _to_clause_end(token, content)
        elif lower in FRAME_WORDS and token.dep_ != "amod" and subject_of(token) is not None:
            content = _to_clause_end(token, _extend_coordination(token, _frame_content(token)))
        else:
            continue
        content = _in_paragraph(text, token, _without_cue(token, content))
        full_end = content[-1].idx + len(content[-1].text) if content else 0
        content, runs_into = _trim_content(content, quoted)
        if len(content) < 3:
            continue
        start, end = content[0].idx, content[-1].idx + len(content[-1].text)
        if runs_into is not None and lower != "according" and holder is None:
            said_by = attribute(token, speakers, _pieces(text, content))
            if said_by is not None and _mix(text, direct, runs_into, start, full_end, said_by):
                covered.append((start, end))
                continue
        if any(s <= start < e or s < end <= e or start <= s < end for s, e in covered):
            continue  # already a quotation
        pieces = _pieces(text, content)
        if holder is not None:
            attribution = attribute_subject(holder, speakers, lower)
        else:
            attribution = attribute(token, speakers, pieces)
        if attribution is None:
            continue
        span = " ".join(text[a:b] for a, b in pieces).strip(' ,"“”‘’«»')
        found.append(
            Quote(
                kind="reported",
                text=span,
                start=start,
                end=end,
                **{**attribution.quote_fields(), "cue": "according to" if lower == "according" else attribution.cue},
            )
        )
        covered.append((start, end))
    return found


def _in_paragraph(text: str, cue: Any, content: list[Any]) -> list[Any]:
    """The content words in the cue's own paragraph: a parse can hang a clause across a blank line."""
    first = text.rfind("\n\n", 0, cue.idx)
    last = text.find("\n\n", cue.idx)
    last = len(text) if last == -1 else last
    return [t for t in content if first < t.idx < last]


def _without_cue(cue: Any, content: list[Any]) -> list[Any]:
    """No content when the cue is among its words: a parse that hung the attribution inside what it
    reports (`“…?” she said, but the crowd …`)."""
    return [] if any(t.i == cue.i for t in content) else content


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
        # `tweeted on Friday that the plan …`: a that-clause the parser hung on the verb as an adverbial
        complement = next(
            (c for c in verb.children if c.dep_ == "advcl" and c.i > verb.i and _opens_with_that(c)), None
        )
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
    subject = subject_of(verb)
    if subject is None or subject.head.i != verb.i or any(c.dep_ in {"dobj", "xcomp"} for c in verb.children):
        return []
    if verb.dep_ == "parataxis":
        attribution = {t.i for t in verb.subtree}
        return [t for t in verb.head.subtree if t.i not in attribution]
    first = min(t.i for t in subject.subtree)
    if verb.dep_ == "ROOT" and first > verb.sent.start + 1 and doc[first - 1].text == ",":
        return [t for t in verb.sent if t.i < first]
    return []


def _opens_with_that(clause: Any) -> bool:
    first = clause.doc[min(t.i for t in clause.subtree)]
    return bool(first.text.lower() == "that" and first.head.i == clause.i)


def _frame_content(verb: Any) -> list[Any]:
    """What a stance or intention verb reports: `vowed [to repeal the law]`, `urged [voters to stay
    home]`, `called for [a recount]`, `criticized [the ruling]`, `called [the plan] a “disaster”`."""
    lower = verb.text.lower()
    after = [c for c in verb.children if c.i > verb.i]
    if lower in INFINITIVE_CUES:
        xcomp = next((c for c in after if c.dep_ == "xcomp" and is_infinitive(c)), None)
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
    if lower in PASSIVE_CUES and not any(c.dep_ == "dobj" for c in after):
        # `the plan was criticised by the mayor (as a waste)`: in the passive the subject is what is said
        passive = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        if passive is not None and any(c.dep_ == "agent" for c in after):
            content = list(passive.subtree)
            for c in after:
                if c.dep_ == "prep" and c.text.lower() in OBJECT_PREPOSITIONS:
                    content += list(c.subtree)  # `… as a waste of money`
            return content
    if lower in OBJECT_CUES or lower in PREDICATE_CUES:
        # `called Trump a liar` is often parsed with both words as predicates (oprd), no object
        obj = next((c for c in after if c.dep_ == "dobj"), None) or next((c for c in after if c.dep_ == "oprd"), None)
        as_phrase = next((c for c in after if c.dep_ == "prep" and c.text.lower() == "as"), None)
        if obj is None and as_phrase is not None and verb.dep_ == "relcl" and verb.head.i < verb.i:
            # `an explosion that the mayor described as “an intentional act”`: the object is the antecedent
            antecedent = verb.head
            head_words = [t for t in antecedent.subtree if t.i <= antecedent.i]
            return head_words + list(as_phrase.subtree)
        if obj is None and as_phrase is not None and lower in OBJECT_CUES:
            return list(as_phrase.subtree)  # `is describing as “unhinged” a post …`, parsed without an object
        if obj is not None:
            first = min(t.i for t in obj.subtree)
            if as_phrase is not None and as_phrase.i < first:
                first = as_phrase.i  # `described as “unhinged” a post that …`: the predicate comes first
            last = max(t.i for t in obj.subtree)
            # `called the plan a “disaster”`, `blamed him for it`: the predicate goes with the object
            predicate = False
            for c in after:
                if c.i > last and (
                    c.dep_ in {"oprd", "ccomp", "xcomp"} or (c.dep_ == "prep" and c.text.lower() in OBJECT_PREPOSITIONS)
                ):
                    last = max(last, max(t.i for t in c.subtree))
                    predicate = predicate or c.text.lower() in {"as", "to"}
            if lower not in OBJECT_CUES and not predicate:
                return []  # `painted the walls`, `cast a vote`
            return list(verb.doc[first : last + 1])
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


# After a comma, words that open a clause of the writer's own (`said the plan was fair, but …`).
_CLAUSE_OPENERS = frozenset({"but", "while", "although", "though", "whereas", "yet", "despite", "even"})
_BREAKS = frozenset({";", ":", "(", "—", "–", "--", "―"})


def _to_clause_end(cue: Any, content: list[Any]) -> list[Any]:
    """Content after its cue runs on to the end of the cue's clause: the parse often leaves a
    trailing phrase, a second conjunct or the rest of a quotation out of the complement's subtree
    (`hailed the mayor as a “builder” for the new bridges`). It stops at a semicolon, colon, dash or
    bracket, at a comma that opens a clause of the writer's (`, but`, `, while`), at a comma before
    another attribution (`, she said`, `, according to`), and at another cue verb."""
    if not content or content[0].i < cue.i:
        return content
    doc, sent = cue.doc, cue.sent
    last = content[-1].i
    i = last + 1
    while i < sent.end:
        token = doc[i]
        lower = token.text.lower()
        if token.text == ":" and _elaborates(doc, i, sent.end):
            i += 1  # `notes that three things are happening at once: rates are low, …` goes on
            continue
        if token.text in _BREAKS or token.is_space:
            break
        if "\n" in token.whitespace_:
            i += 1  # the line ends after this word
            break
        if token.text == ",":
            clause = []
            for t in doc[i + 1 : sent.end]:
                if t.text in {",", ";", ":"}:
                    break
                clause.append(t.text.lower())
            if clause[:1] and clause[0] in _CLAUSE_OPENERS:
                break
            if "according" in clause or any(w in SPEECH_VERBS for w in clause):
                break
        if i > last + 1 and (lower in SPEECH_VERBS or lower in ATTRIBUTION_VERBS) and subject_of(token) is not None:
            break
        i += 1
    return list(doc[content[0].i : i]) if i > last + 1 else content


def _elaborates(doc: Any, colon: int, end: int) -> bool:
    """Whether the words after a colon go on with the reported clause before it (`… at once: rates
    are low`) rather than open a quotation or a list of the writer's (`said: “…”`)."""
    after = doc[colon + 1 : end]
    if not len(after) or after[0].text in QUOTE_MARKS or "\n" in doc[colon].whitespace_:
        return False
    return not any(t.text in QUOTE_MARKS for t in after)


def is_infinitive(token: Any) -> bool:
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
        if number and within(token.idx, direct) and not within(content[0].idx, direct):
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


def _mix(text: str, direct: list[Quote], position: int, start: int, end: int, said_by: Attribution) -> bool:
    """Extend the direct quotation at `position` back over the reported words just before it, and
    on over reported words after it up to `end` (`said there is “a real risk” when rates rise`); the
    verb that governs the reported words names the speaker, when it names one."""
    for number, quote in enumerate(direct):
        if not quote.start - 2 <= position <= quote.end or quote.start < start:
            continue
        if "\n" in text[start : quote.start] or text[start : quote.start].rstrip(" “\"‘'«„").endswith(":"):
            return False  # a colon introduces the quotation: the words before it are the writer's
        stop = quote.end
        if (
            end > quote.end + 2
            and "\n" not in text[quote.end : end]
            and not QUOTE_MARKS & set(text[quote.end + 1 : end])
        ):
            stop = end
        mixed = replace(quote, start=start, end=stop, text=text[start:stop].strip(' "“”‘’«»'))
        if said_by.speaker or said_by.role:
            mixed = replace(mixed, **said_by.quote_fields())
        direct[number] = mixed
        return True
    return False


def _stance_content(noun: Any) -> tuple[Any | None, list[Any]]:
    """`Lindqvist's view is that CONTENT`, `the argument of her lawyers was that CONTENT`: a stance
    noun as the subject of a copula whose complement is a that-clause; with the noun's holder (its
    possessor or its `of` object), or None when it names no holder."""
    if noun.dep_ != "nsubj" or noun.head.text.lower() not in COPULAS:
        return None, []
    holder = next((c for c in noun.children if c.dep_ == "poss"), None)
    if holder is None:
        of = next((c for c in noun.children if c.dep_ == "prep" and c.text.lower() == "of"), None)
        holder = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    clause = next((c for c in noun.head.children if c.dep_ in {"ccomp", "attr", "advcl"} and c.i > noun.head.i), None)
    if holder is None or clause is None or not _opens_with_that(clause):
        return None, []
    return holder, [
        t for t in clause.subtree if not (t.dep_ == "mark" and t.text.lower() == "that" and t.head.i == clause.i)
    ]


def _according_content(token: Any) -> list[Any]:
    """`According to X, CONTENT.` or `CONTENT, according to X.`: the sentence without the attribution."""
    sent = token.sent
    attribution = set(t.i for t in token.subtree)
    return [t for t in sent if t.i not in attribution and not (t.is_punct and t.i in {sent.start, sent.end - 1})]
