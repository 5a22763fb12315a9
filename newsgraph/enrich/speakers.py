"""Who is said to speak: the subject of a cue verb resolved to a named person or organisation,
a pronoun resolved to the person named before it, or a description kept as an anonymous role."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from newsgraph.enrich.cues import ANONYMOUS_HEADS, COLLECTIVE_HEADS, PRONOUNS, QUOTE_MARKS
from newsgraph.enrich.namekeys import PERSON_TITLES
from newsgraph.records import Mention, NameGroup


def count_words(text: str) -> int:
    return len(re.findall(r"\w+", text))


@dataclass(frozen=True)
class Attribution:
    cue: str
    speaker: str | None
    group: int | None
    role: str | None
    anonymous: bool
    span: tuple[int, int] | None = None  # where the text names the source

    def quote_fields(self) -> dict[str, Any]:
        """The Quote fields this attribution fills."""
        return {
            "speaker": self.speaker,
            "speaker_group": self.group,
            "role": self.role,
            "cue": self.cue,
            "anonymous": self.anonymous,
            "source_start": self.span[0] if self.span else None,
            "source_end": self.span[1] if self.span else None,
        }


class Speakers:
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


def within(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def subject_of(verb: Any, inside: Sequence[tuple[int, int]] = ()) -> Any | None:
    """The verb's subject; with inverted attribution (`“…,” said X`) the parser may also make a
    word of the quotation a subject, so a subject outside the quoted spans is preferred."""
    agents = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    if agents and not within(agents[0].idx, inside):
        return agents[0]  # `the plan was criticised by the mayor`: the agent is who speaks
    subjects = [c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}]
    outside = [c for c in subjects if not within(c.idx, inside)]
    if outside:
        return outside[0]
    if subjects:
        return subjects[0]
    if verb.dep_ in {"conj", "advcl"} and verb.head.i != verb.i:
        return subject_of(verb.head, inside)
    if verb.dep_ == "pcomp" and verb.head.dep_ == "prep" and verb.head.head.i != verb.head.i:
        # `sang to the crowd before asking them, “…”`: the participle shares the clause's subject
        head = verb.head.head
        if head.pos_ in {"", "VERB", "AUX"} and any(c.dep_ in {"nsubj", "nsubjpass"} for c in head.children):
            return subject_of(head, inside)
    if verb.dep_ == "acl" and verb.head.i != verb.i and not within(verb.head.idx, inside):
        # `footage of the mayor saying …`, `a suit challenging the law`: the noun the participle describes
        return verb.head
    return None


def _adjacent_source(verb: Any, speakers: Speakers, inside: Sequence[tuple[int, int]]) -> Attribution | None:
    """A name standing between a closing quote mark and its speech verb (`“…,” Chief X said`) or
    right after the verb (`“…,” said X.`), when the parse did not make it the verb's subject."""
    text = verb.doc.text
    closing = [end for _, end in inside if end <= verb.idx]
    if closing:
        start = max(closing) + 1
        between = text[start : verb.idx]
        if between.strip(" ,") and count_words(between) <= 8 and not re.search(r"[.;:!?\n“”\"]", between):
            mention = speakers.named_in(start, verb.idx)
            if mention is not None and speakers.groups[mention.group].type == "person":
                return _named(verb, speakers, mention, text[start : mention.start])
    after_start = verb.idx + len(verb.text)
    tail = re.match(r"[^,.;:!?\n“”\"]*", text[after_start : after_start + 80])
    if tail is not None and tail.group().strip():
        mention = speakers.named_in(after_start, after_start + tail.end())
        if mention is not None:
            return _named(verb, speakers, mention, text[after_start : mention.start])
    return None


def _named(verb: Any, speakers: Speakers, mention: Mention, before: str) -> Attribution:
    """The attribution to a named speaker; words between the cue and the name are its role."""
    return Attribution(
        verb.text.lower(),
        speakers.groups[mention.group].name,
        mention.group,
        _clean_role(before.split()),
        False,
        (mention.start, mention.end),
    )


def _clean_role(words: list[str]) -> str | None:
    while words and words[0].lower() in {"the", "a", "an", ",", "and"}:
        words = words[1:]
    while words and words[-1] in {",", "and"}:
        words = words[:-1]
    role = " ".join(words).strip()
    return role or None


def attribute(
    verb: Any, speakers: Speakers, inside: Sequence[tuple[int, int]], cue: str | None = None
) -> Attribution | None:
    """The speaker of a speech verb's subject (or of `according to X`)."""
    cue = cue or verb.text.lower()
    if verb.text.lower() == "according":
        pobj = next((t for t in verb.subtree if t.dep_ == "pobj"), None)
        subject = pobj
    else:
        subject = subject_of(verb, inside)
    if subject is None or within(subject.idx, inside):
        adjacent = _adjacent_source(verb, speakers, inside) if inside else None
        if adjacent is not None:
            return replace(adjacent, cue=cue)
        if subject is None:
            return Attribution(cue, None, None, None, False)
        return None  # the subject is inside the quotation: this verb belongs to the quoted words
    found = attribute_subject(_antecedent(subject), speakers, cue)
    if found is None:
        return None
    # the source as the text names it, as with a pronoun: the subject from its first word to its head
    return replace(found, span=(min(subject.left_edge.idx, subject.idx), subject.idx + len(subject.text)))


def _antecedent(subject: Any | None) -> Any | None:
    """The noun a relative pronoun stands for, as a pronoun is resolved: `Christie, who has
    campaigned …, blasted …` gives `Christie`; any other subject is itself."""
    if subject is None or subject.text.lower() not in {"who", "that", "which"}:
        return subject
    clause = subject.head
    while clause.dep_ == "conj" and clause.head.i != clause.i:
        clause = clause.head
    return clause.head if clause.dep_ == "relcl" else subject


_POSSESSIVES = {"his": "he", "her": "she", "their": "they", "my": "i", "our": "we"}


def attribute_subject(subject: Any, speakers: Speakers, cue: str) -> Attribution | None:
    """The speaker a subject phrase (or a possessor: `her view is …`) names."""
    lower = subject.text.lower()
    pronoun = PRONOUNS.get(_POSSESSIVES.get(lower, lower) if subject.dep_ == "poss" else lower)
    if pronoun is not None:
        mention = speakers.before(subject.idx, pronoun)
        if mention is None:
            return Attribution(cue, None, None, None, False)
        group = speakers.groups[mention.group]
        return Attribution(cue, group.name, mention.group, None, False)
    # the subject phrase, without relative clauses, appositions after a comma and quote marks
    words = [
        t
        for t in subject.subtree
        if t.dep_ not in {"relcl", "punct"} and t.text not in QUOTE_MARKS and not _after_comma(t, subject)
    ]
    if not words:
        return Attribution(cue, None, None, None, False)
    head = subject.text.lower()
    mention = speakers.covering(subject.idx)
    if mention is not None:
        group = speakers.groups[mention.group]
        role = _clean_role([t.text for t in words if t.idx + len(t.text) <= mention.start])
        appos = [c for c in subject.children if c.dep_ == "appos"]
        if role is None and appos:
            role = _clean_role([t.text for t in appos[0].subtree if t.dep_ != "punct"])
        return Attribution(cue, group.name, mention.group, role, False)
    phrase = _clean_role([t.text for t in words])
    if head in ANONYMOUS_HEADS or head.rstrip("s") in ANONYMOUS_HEADS:
        return Attribution(cue, None, None, phrase, True)
    phrase_start, phrase_end = words[0].idx, words[-1].idx + len(words[-1].text)
    mention = speakers.named_in(phrase_start, phrase_end)
    if mention is not None and mention.end <= subject.idx and _collective(subject):
        # `the Trump administration said`: a name modifying the head is not the speaker; the phrase is
        first = next((t for t in words if t.text.lower() not in {"the", "a", "an"}), subject)
        body = (speakers.text or subject.doc.text)[first.idx : subject.idx + len(subject.text)]
        return Attribution(cue, body, None, None, False)
    if mention is not None:
        group = speakers.groups[mention.group]
        return Attribution(
            cue, group.name, mention.group, _clean_role([t.text for t in words if t.idx < mention.start]), False
        )
    if head in PERSON_TITLES and words[0].text.lower() == "the" and len(words) <= 3:
        # `the president said`: the person last named with that title (`President Lindqvist`)
        titled = speakers.titled_before(subject.idx, head)
        if titled is not None:
            return Attribution(cue, speakers.groups[titled.group].name, titled.group, phrase, False)
    if subject.text[:1].isupper() and subject.i > subject.sent.start and head not in PERSON_TITLES:
        # a name the entity recogniser missed: keep it as written, unlinked
        name = " ".join(t.text for t in words if t.text[:1].isupper() and t.i <= subject.i)
        return Attribution(cue, name or subject.text, None, None, False)
    return Attribution(cue, None, None, phrase, any(t.text.lower() in ANONYMOUS_HEADS for t in words))


def _collective(head: Any) -> bool:
    """Whether a subject's head is a body or circle of people named after someone (`the Obama
    campaign`, `Lindqvist's aides`), not the person named: a common noun from `COLLECTIVE_HEADS`."""
    lower = head.text.lower()
    return head.pos_ != "PROPN" and not head.text[:1].isupper() and lower in COLLECTIVE_HEADS


def _after_comma(token: Any, head: Any) -> bool:
    """Whether a token of the subject's subtree follows a comma after the head (`X, who …`)."""
    if token.i <= head.i:
        return False
    return any(t.text == "," for t in head.doc[head.i : token.i])
