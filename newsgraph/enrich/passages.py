"""Where in a paragraph the dependency parse is needed: its sentences, found without a model, and the
runs of them that can carry speech (`cues.needs_parse`).

A sentence ends at `.`, `!` or `?` (and any closing marks after it) before a space and a capital,
a digit or an opening mark, outside quotation marks, and not after an abbreviation or an initial
(`Mr.`, `U.S.`, `J.`). Inside a quotation nothing is cut: `“We held. We will hold,” she said.` is
one passage, so a quotation and its attribution are parsed together.
"""

from __future__ import annotations

import itertools
import re

from newsgraph.enrich.cues import needs_parse

# Words written with a full stop that do not end a sentence, lower-cased and without the stop.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen lt col maj capt cpt sgt cmdr adm gov sen rep rev hon st ste mt ft jr sr sq "
    "no nos vs etc inc corp ltd co bros dept est approx fig al ave blvd rd jan feb mar apr jun jul aug "
    "sep sept oct nov dec pres supt insp det pte cpl brig messrs mme mlle".split()
)
_END = re.compile(r"[.!?]+[”\"’')\]]*(?= +[“\"‘'(\[]*(\w))")
_WORD_BEFORE = re.compile(r"([^\W\d_][\w.’'-]*)$")
_OPENING = "“"
_CLOSING = "”"


def _abbreviated(text: str, end: int) -> bool:
    """Whether the full stop at `end` closes an abbreviation or an initial rather than a sentence."""
    if text[end] != ".":
        return False
    word = _WORD_BEFORE.search(text, max(0, end - 40), end)
    if word is None:
        return False
    written = word.group(1)
    return len(written) == 1 or "." in written or written.lower() in ABBREVIATIONS


def sentence_starts(text: str) -> list[int]:
    """Where the sentences of `text` after the first start, outside quotation marks."""
    starts = []
    depth = 0
    straight = False
    checked = 0
    for match in _END.finditer(text):
        for mark in text[checked : match.end()]:
            if mark == _OPENING:
                depth += 1
            elif mark == _CLOSING:
                depth = max(0, depth - 1)
            elif mark == '"':
                straight = not straight
        checked = match.end()
        if depth or straight or text[match.start(1)].islower() or _abbreviated(text, match.start()):
            continue
        start = match.end()
        while start < len(text) and text[start] == " ":
            start += 1
        starts.append(start)
    return starts


def parse_runs(text: str) -> list[tuple[int, int]]:
    """The character ranges of `text` to parse: consecutive sentences that need it, joined."""
    bounds = [0, *sentence_starts(text), len(text)]
    runs: list[tuple[int, int]] = []
    for start, end in itertools.pairwise(bounds):
        if start == end or not needs_parse(text[start:end]):
            continue
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs
