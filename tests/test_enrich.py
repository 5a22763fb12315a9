"""Named entities in one article, grouped under every form the article uses."""

from __future__ import annotations

import pytest

from newsgraph.enrich import analyse_articles
from newsgraph.enrich.grouping import Span, group_spans
from newsgraph.enrich.namekeys import clean_surface, name_key
from newsgraph.records import Article, Location, NameGroup


def _article(text: str, title: str = "") -> Article:
    return Article(
        id="t",
        location=Location("t.txt"),
        format="text",
        title=title,
        text=text,
        source=None,
        url=None,
        authors=(),
        published=None,
        published_from=None,
        language="en",
    )


def _groups(text: str, title: str = "") -> dict[str, NameGroup]:
    (analysis,) = analyse_articles([_article(text, title)])
    return {g.name: g for g in analysis.groups}


def _spans(*items: tuple[str, str]) -> list[Span]:
    spans, position = [], 0
    for text, label in items:
        spans.append(Span("text", position, position + len(text), text, label))
        position += len(text) + 10
    return spans


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Mustafa al-Kadhimi", "Mustafa Kadhemi"),
        ("Kadhimi", "Khadimi"),
        ("Al-Kazemi", "Kadhimi"),
        ("Qassem Suleimani", "Qasem Soleimani"),
        ("Qassem Sulaimani", "Ghasem Soleimani"),
        ("Kata’ib Hezbollah", "Kataib Hezbollah"),
        ("Kata'ib Hezbollah", "Kataeb Hizbollah"),
        ("Haider al-Zubaidi", "Haydar Zubaydi"),
        ("Yevgeny Tarasov", "Evgeniy Tarassov"),
    ],
)
def test_transliteration_variants_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("Olaf Scholz", "Olaf Schulze"), ("EU", "UAE"), ("Bill Clinton", "Hillary Clinton")]
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_clean_surface_strips_possessives_and_articles() -> None:
    assert clean_surface("Khadimi’s") == "Khadimi"
    assert clean_surface("Achterberg's") == "Achterberg"
    assert clean_surface("the White House") == "White House"
    assert clean_surface("Kata’ib Hezbollah") == "Kata’ib Hezbollah"


def test_short_possessive_and_misspelt_forms_join_the_full_name() -> None:
    assignment, groups = group_spans(
        _spans(("Khadimi", "PERSON"), ("Mustafa al-Kadhimi", "PERSON"), ("Khadimi’s", "ORG"), ("Kadhimi", "PERSON"))
    )
    assert len(set(assignment)) == 1
    (group,) = groups
    assert group.name == "Mustafa al-Kadhimi" and group.type == "person" and group.count == 4
    assert {a.name for a in group.aliases} == {"Mustafa al-Kadhimi", "Khadimi", "Kadhimi"}


def test_ambiguous_surname_is_not_guessed() -> None:
    assignment, groups = group_spans(
        _spans(("Daniel Okafor", "PERSON"), ("Grace Okafor", "PERSON"), ("Okafor", "PERSON"))
    )
    assert len(groups) == 3, "the bare surname could be either person and stays apart"
    assert groups[assignment[2]].name == "Okafor"


def test_different_first_names_stay_apart() -> None:
    _, groups = group_spans(_spans(("Bill Clinton", "PERSON"), ("Hillary Clinton", "PERSON")))
    assert sorted(g.name for g in groups) == ["Bill Clinton", "Hillary Clinton"]


def test_acronym_joins_the_spelled_out_name() -> None:
    _, groups = group_spans(_spans(("United States", "GPE"), ("US", "GPE"), ("U.S.", "GPE")))
    assert len(groups) == 1 and groups[0].name == "United States" and groups[0].count == 3


def test_model_slips_are_mended_in_context() -> None:
    groups = _groups(
        "Fighters of Kata’ib Hezbollah fired on the base. Senator Dorothea Quill said the attack was planned. "
        "Quill’s office later issued a statement, and the Vantorian Liberty Party agreed with Quill."
    )
    assert groups["Kata’ib Hezbollah"].type == "org"
    assert groups["Dorothea Quill"].type == "person"
    assert {a.name for a in groups["Dorothea Quill"].aliases} >= {"Quill"}


def test_mentions_point_into_title_and_text() -> None:
    article = _article("The mayor of Lindhaven, Priya Vanterpool, opened the bridge.", title="Vanterpool opens bridge")
    (analysis,) = analyse_articles([article])
    for mention in analysis.mentions:
        source = article.title if mention.field == "title" else article.text
        assert source[mention.start : mention.end] == mention.text
    fields = {m.field for m in analysis.mentions if analysis.groups[m.group].name == "Priya Vanterpool"}
    assert fields == {"title", "text"}
