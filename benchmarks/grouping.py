"""Within-article name grouping on articles written for it: similar surnames, shared surnames,
titles of office, transliterated spellings, quote marks around names.

Each article below (fictional people and places, newsgraph's own words) comes with its people: for
each, every form the article uses for them. The articles go through `analyse_articles` (spaCy NER,
then grouping); a mention counts when its cleaned text is one of the listed forms. Scored over
pairs of counted mentions: precision = pairs put in one group that are one person, recall = pairs
that are one person and were put in one group. Mentions of forms the article leaves ambiguous on
purpose are listed under no person and so never count.

Anchor: the usual shortcut, mentions whose last word agrees (after lower-casing and dropping `al-`)
are one person, scored on the same mentions.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

from benchmarks import result, row
from tests.articles import text_article

NAME = "grouping"
TITLE = "Within-article grouping — similar and shared surnames, titles, spellings (written fixtures)"
TARGET_PRECISION = 0.97

ARTICLES: list[tuple[str, dict[str, list[str]]]] = [
    (
        "Hassan Al-Rahimi, the governor of Velmar province, met the trade envoy Ali Rahmani on Tuesday. "
        "Al-Rahimi said the border crossing would reopen within a week. Rahmani, who arrived from the "
        "coast on Monday, said his delegation wanted guarantees first. Rahimi later told reporters the "
        "talks had gone well, while Rahmani declined to comment.",
        {"Hassan Al-Rahimi": ["Hassan Al-Rahimi", "Al-Rahimi", "Rahimi"], "Ali Rahmani": ["Ali Rahmani", "Rahmani"]},
    ),
    (
        "Secretary of State Marta Quell flew to Orsova to meet Supreme Leader Davood Asgari. Quell said "
        "the visit was meant to calm tensions over the dam on the Teva river. Asgari received her at the "
        "palace and the two spoke for three hours. Officials close to Asgari called the meeting frank.",
        {"Marta Quell": ["Marta Quell", "Quell"], "Davood Asgari": ["Davood Asgari", "Asgari"]},
    ),
    (
        "Prime Minister Mustafa al-Kadhemi opened the new grain terminal in Port Halvard. Kadhemi said "
        "the terminal would double exports by next spring. Critics of Kadhimi say the project ran two "
        "years late. Khadimi's office rejected the claim in a statement on Friday.",
        {"Mustafa al-Kadhemi": ["Mustafa al-Kadhemi", "Kadhemi", "Kadhimi", "Khadimi"]},
    ),
    (
        "The brothers Tomas Brandl and Jakob Brandl run the last tannery in Liebau. Tomas Brandl said "
        "orders had fallen by half. His brother Jakob Brandl blamed cheap imports. The mayor, Irena "
        "Vosk, promised help; Vosk said the council would vote on a grant in June.",
        {
            "Tomas Brandl": ["Tomas Brandl"],
            "Jakob Brandl": ["Jakob Brandl"],
            "Irena Vosk": ["Irena Vosk", "Vosk"],
        },
    ),
    (
        "“Rahimi will not resign,” his spokesman Samir Haddad said. Hassan Rahimi faces a vote of "
        "confidence next week. Haddad said the governor had the support of most deputies. Karim "
        "Rahimani, who leads the opposition bloc, said he expected Rahimi to lose. Rahimani's party "
        "holds nineteen seats.",
        {
            "Hassan Rahimi": ["Hassan Rahimi", "Rahimi"],
            "Samir Haddad": ["Samir Haddad", "Haddad"],
            "Karim Rahimani": ["Karim Rahimani", "Rahimani"],
        },
    ),
    (
        "Attorney General Lucia Ferrante charged two former ministers on Thursday. Ferrante said the "
        "case concerned contracts for the Osmo bridge. Defence Minister Pavel Orlik, who was not "
        "charged, said he welcomed the investigation. Orlik added that his ministry had handed over "
        "every document Ferrante asked for.",
        {"Lucia Ferrante": ["Lucia Ferrante", "Ferrante"], "Pavel Orlik": ["Pavel Orlik", "Orlik"]},
    ),
]


def _last(name: str) -> str:
    word = name.lower().split()[-1]
    return word.removeprefix("al-")


def _score(pairs: list[tuple[bool, bool]]) -> tuple[float, float]:
    same_pred = [gold for pred, gold in pairs if pred]
    same_gold = [pred for pred, gold in pairs if gold]
    precision = sum(same_pred) / len(same_pred) if same_pred else 1.0
    recall = sum(same_gold) / len(same_gold) if same_gold else 1.0
    return precision, recall


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    from newsgraph.enrich import analyse_articles
    from newsgraph.enrich.namekeys import clean_surface, strip_titles

    articles = [text_article(f"g{i}", text) for i, (text, _) in enumerate(ARTICLES)]
    started = time.perf_counter()
    analyses = analyse_articles(articles)
    seconds = time.perf_counter() - started
    ours: list[tuple[bool, bool]] = []
    anchor: list[tuple[bool, bool]] = []
    counted = missed_forms = 0
    for (_, people), analysis in zip(ARTICLES, analyses, strict=True):
        person_of = {form: person for person, forms in people.items() for form in forms}
        mentions = []
        for m in analysis.mentions:
            form = strip_titles(clean_surface(m.text))
            if form in person_of:
                mentions.append((form, m.group, person_of[form]))
        counted += len(mentions)
        missed_forms += len(set(person_of) - {f for f, _, _ in mentions})
        for (fa, ga, pa), (fb, gb, pb) in itertools.combinations(mentions, 2):
            ours.append((ga == gb, pa == pb))
            anchor.append((_last(fa) == _last(fb), pa == pb))
    p, r = _score(ours)
    ap, ar = _score(anchor)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    af1 = 2 * ap * ar / (ap + ar) if ap + ar else 0.0
    rows = [
        row("pairwise precision", [p, ap], f"≥ {TARGET_PRECISION}", p >= TARGET_PRECISION, fmt=".3f"),
        row("pairwise recall", [r, ar], fmt=".3f"),
        row("pairwise F1", [f1, af1], fmt=".3f"),
        row("mentions counted · pairs", [f"{counted} · {len(ours)}", f"{counted} · {len(anchor)}"]),
        row("listed forms the model found no mention of", [str(missed_forms), "—"]),
    ]
    notes = [
        f"{len(ARTICLES)} articles written for this benchmark (fictional names; benchmarks/grouping.py), "
        "covering similar surnames (Rahimi / Rahmani / Rahimani), two people of one surname, titles of office "
        "before names, transliterated spellings of one name and a name inside quote marks.",
        "Fitted on: nothing was tuned on these articles, but they were written by the same team as the rules, "
        "so they are a check on the failure kinds, not a held-out measure.",
        f"analyse_articles over the {len(ARTICLES)} articles took {seconds:.1f} s (model already loaded or not).",
    ]
    raw = {"pairs": len(ours), "mentions": counted, "missed_forms": missed_forms, "seconds": seconds}
    return result(NAME, TITLE, ["newsgraph", "last-word anchor"], rows, notes, raw)
