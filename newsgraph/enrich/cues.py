"""The words that make speech: verb lexicons, the frames a cue verb takes, and nouns of speech.

Cue lexicons for `newsgraph.enrich.quotes` (direct quotations) and `newsgraph.enrich.reported`
(reported speech). A verb is listed by its written forms, as the pipeline runs without a
lemmatizer; `verb_forms` spells the regular ones out from their bases.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any


def verb_forms(bases: str) -> frozenset[str]:
    """A verb's written forms from its base (`urge` → urge urges urged urging); irregular past
    forms are listed beside their base in the lexicons below."""
    forms: set[str] = set()
    for base in bases.split():
        stem = base[:-1] if base.endswith("e") and not base.endswith("ee") else base
        if base.endswith("y") and base[-2:-1] not in "aeiou":
            forms.update({base, base[:-1] + "ies", base[:-1] + "ied", base + "ing"})
            continue
        double = stem + stem[-1] if base in DOUBLED else stem
        forms.update({base, base + ("es" if base.endswith(("s", "sh", "ch", "x", "z")) else "s")})
        forms.update({base + "d" if base.endswith("e") else double + "ed", double + "ing"})
    return frozenset(forms)


DOUBLED = frozenset({"plan", "slam", "admit", "regret", "rebut", "beg", "prefer", "jab", "quip", "brag"})
# Verbs of saying: the cue of a direct quotation and, with a clause, of reported speech.
SPEECH_VERBS = verb_forms(
    "say tell add warn insist deny claim announce write tweet state argue note explain acknowledge admit "
    "confirm stress urge predict allege declare reply respond continue recall concede observe remark comment "
    "ask suggest contend maintain assert report estimate promise vow pledge caution complain conclude chant "
    "quip testify counter post boast brag joke scoff shout yell exclaim demand plead retort interject muse "
    "recount reiterate repeat wonder emphasize emphasise proclaim affirm reaffirm charge assure inform remind "
    "advise clarify specify speculate opine posit theorize theorise lament whisper mutter concur"
) | frozenset("said told wrote written".split())
# Verbs that attribute a claim without a speech act (`a report found that …`, `she believes …`):
# reported content, never the cue of a direct quotation.
ATTRIBUTION_VERBS = verb_forms(
    "believe think find show cite agree expect fear hope accuse indicate question recognize recognise "
    "understand learn discover reveal disclose assume worry decide rule determine realize realise signal "
    "imply hint suspect doubt envision anticipate forecast project calculate"
) | frozenset("thought found shown felt feel feels feeling understood".split())


# Stances taken in words whose object is what is said (`she criticized the ruling`, `he cited a
# study`): reported content when the object is a phrase, not a clause.
OBJECT_CUES = verb_forms(
    "cite mention discuss describe criticize criticise praise condemn attack defend endorse back support "
    "oppose reject propose question acknowledge deny announce unveil express demand blast slam mock dismiss "
    "denounce decry tout hail welcome applaud laud dispute challenge refute rebut predict recommend advocate "
    "highlight emphasize emphasise stress underscore reiterate repeat echo outline detail lament blame "
    "accuse recount describe characterize portray label brand call dub note reference invoke promote "
    "champion propound bemoan lambaste chastise reveal disclose document chronicle examine explore "
    "thank commend compliment admire despise downplay understate indicate promise pledge proclaim declare "
    "predict concede acknowledge"
) | frozenset({"said", "says", "say", "wrote", "writes", "told", "tells"})
# Stance verbs whose passive subject is what is said (`the plan was criticised by the mayor`); verbs
# of deed as much as of word (`defend`, `back`, `attack`) are left out.
PASSIVE_CUES = verb_forms(
    "criticize criticise praise condemn denounce decry describe cite mention question reject dismiss hail "
    "welcome applaud laud blast slam mock dispute challenge refute rebut characterize characterise portray "
    "label brand dub lambaste chastise commend accuse blame"
)
# Verbs that are stances only with a predicate after the object (`painted the mayor as a liar`,
# `likened the plan to theft`), not alone (`painted the walls`, `cast a vote`).
PREDICATE_CUES = verb_forms("paint cast liken link compare")
# Intentions and requests with an infinitive (`he vowed to repeal the law`, `she urged voters to …`).
INFINITIVE_CUES = verb_forms(
    "want plan vow promise pledge refuse decline agree seek intend threaten hope aim urge ask encourage "
    "warn implore beg demand offer propose prefer wish vote exhort entreat beseech instruct order advise "
    "invite challenge dare remind"
) | frozenset({"sought"})
# Verb + preposition frames whose object is the topic or target of speech (`called for a recount`,
# `spoke about the economy`, `warned of a crisis`).
PREPOSITION_CUES: dict[str, frozenset[str]] = {
    "for": verb_forms("call push argue press lobby campaign advocate plead appeal"),
    "about": verb_forms("talk speak complain warn worry boast brag joke comment write testify tweet ask")
    | frozenset({"spoke", "spoken", "wrote", "written"}),
    "of": verb_forms("speak warn accuse boast approve disapprove") | frozenset({"spoke", "spoken"}),
    "on": verb_forms("call comment insist elaborate reflect remark weigh focus") | frozenset({"spoke"}),
    "against": verb_forms("warn argue speak rail campaign protest caution testify vote") | frozenset({"spoke"}),
    "to": verb_forms("object refer point allude respond reply"),
    "at": verb_forms("hint jab lash"),
}
# Every word that can open a frame of `reported._frame_content`: other words are passed over cheaply.
FRAME_WORDS = INFINITIVE_CUES | OBJECT_CUES | PREDICATE_CUES | frozenset().union(*PREPOSITION_CUES.values())
# Cues that only introduce a quotation with quote marks (`she continued: “…”`), not reported speech.
DIRECT_ONLY = verb_forms("continue recall ask reply")
PRONOUNS = {"he": "person", "she": "person", "they": "any", "i": "person", "we": "any"}
ANONYMOUS_HEADS = frozenset(
    "official officials source sources spokesman spokeswoman spokesperson diplomat diplomats person people "
    "aide aides adviser advisers advisor insider insiders analyst analysts witness witnesses resident residents "
    "officer officers member members colleague colleagues expert experts observer observers".split()
)
QUOTE_MARKS = frozenset("“”«»„\"‘’'")
# Heads of a noun phrase that names a body or a circle of people by the person it belongs to (`the
# Trump administration`, `the Obama campaign`, `Lindqvist's lawyers`): the phrase speaks, not the person.
COLLECTIVE_HEADS = frozenset(
    "administration administrations government governments campaign campaigns team teams family families "
    "foundation foundations camp camps staff staffers office offices aide aides adviser advisers advisor "
    "advisors spokesman spokeswoman spokesperson spokespeople lawyer lawyers attorney attorneys allies ally "
    "supporters surrogates surrogate loyalists transition ministry department committee party regime cabinet "
    "circle entourage associates representatives representative estate organization organisation company "
    "firm network agency council delegation coalition movement".split()
)


# Dependency labels of a noun or modifier: `the warning`, `his remarks`, `the United States`.
NOMINAL_DEPS = frozenset({"amod", "compound", "nsubj", "nsubjpass", "dobj", "pobj", "poss", "appos", "attr"})


# Verbs of saying only with their particle (`pointed out that …`).
PARTICLE_SPEECH = {"out": verb_forms("point spell"), "up": verb_forms("sum speak"), "in": verb_forms("chime weigh")}
# Nouns of a stance whose content a copula states (`Lindqvist's view is that …`, `her argument was that …`).
STANCE_NOUNS = frozenset(
    "view views position argument contention claim belief assessment message point suggestion warning hope "
    "fear concern complaint explanation assertion stance conclusion verdict opinion answer response reply "
    "reasoning case line insistence expectation prediction promise pledge".split()
)


def is_speech_verb(token: Any) -> bool:
    """A verb of saying as a verb, not a noun (`the warning`); `as the mayor put it, “…”` counts."""
    lower = token.text.lower()
    if token.pos_ not in {"", "VERB", "AUX"} or token.dep_ in NOMINAL_DEPS:
        return False
    if lower in {"put", "puts"}:  # in an as-clause only: `she put it on the table` is no speech
        children = {(c.dep_, c.text.lower()) for c in token.children}
        return ("dobj", "it") in children and ("mark", "as") in children
    for particle, verbs in PARTICLE_SPEECH.items():
        if lower in verbs:
            return any(c.dep_ == "prt" and c.text.lower() == particle for c in token.children)
    return lower in SPEECH_VERBS


# Verbs of saying with their particle, and every word that opens a reported-speech frame.
PARTICLE_WORDS = frozenset().union(*PARTICLE_SPEECH.values())
CUE_WORDS = SPEECH_VERBS | ATTRIBUTION_VERBS | FRAME_WORDS | PARTICLE_WORDS | STANCE_NOUNS | {"according"}
# The words that make a passage carry speech wherever they stand: verbs of saying (and, beside a
# quotation, `she continued`, `as she put it`), of attribution, and stances with any object.
PARSE_WORDS = SPEECH_VERBS | ATTRIBUTION_VERBS | OBJECT_CUES | {"put", "puts"}


def _followers() -> dict[str, frozenset[str]]:
    """The other cues and the words each needs after it in its sentence to carry speech there:
    `according` its `to`; an intention its infinitive (`vowed to …`); a frame its preposition
    (`called for …`); a predicate cue its `as` or `to` (`painted the mayor as …`). Without them
    `reported` finds nothing to report, so the sentence need not be parsed for it."""
    needs: dict[str, set[str]] = defaultdict(set)
    needs["according"].add("to")
    for word in INFINITIVE_CUES:
        needs[word].add("to")
    for preposition, verbs in PREPOSITION_CUES.items():
        for word in verbs:
            needs[word].add(preposition)
    for word in PREDICATE_CUES:
        needs[word].update({"as", "to"})
    return {word: frozenset(after) for word, after in needs.items() if word not in PARSE_WORDS}


def _companions() -> dict[str, frozenset[str]]:
    """The cues that carry speech only with another word of their sentence, anywhere in it: a verb
    of saying with its particle (`pointed out`), a stance noun with its that-clause (`her view is
    that …`)."""
    needs: dict[str, set[str]] = defaultdict(set)
    for particle, verbs in PARTICLE_SPEECH.items():
        for word in verbs:
            needs[word].add(particle)
    for noun in STANCE_NOUNS:
        needs[noun].add("that")
    return {word: frozenset(beside) for word, beside in needs.items() if word not in PARSE_WORDS}


FOLLOWERS = _followers()
COMPANIONS = _companions()
_WORD = re.compile(r"[^\W\d_]+")


_NEVER_APOSTROPHES = QUOTE_MARKS - {"'", "’"}
# an apostrophe or right single quote that is not inside a word (`Iraq’s`, `don't`) can close or open a quotation
_SINGLE_MARK = re.compile(r"(?<![^\W\d_])['’]|['’](?![^\W\d_])")


def needs_parse(text: str) -> bool:
    """Whether quotation or reported-speech finding could use a dependency parse of this passage
    (a sentence, or several): it holds a quote mark, a word of saying (`said`, `warned`, `cited`),
    or a cue with the word it needs (`according to`, `vowed to`, `called for`, `her view is that`).
    An apostrophe between two letters is not a quote mark."""
    if any(mark in text for mark in _NEVER_APOSTROPHES) or _SINGLE_MARK.search(text):
        return True
    words = [word.lower() for word in _WORD.findall(text)]
    present = set(words)
    for n, word in enumerate(words):
        if word in PARSE_WORDS:
            return True
        after = FOLLOWERS.get(word)
        if after is not None and not after.isdisjoint(words[n + 1 :]):
            return True
        beside = COMPANIONS.get(word)
        if beside is not None and not beside.isdisjoint(present):
            return True
    return False
