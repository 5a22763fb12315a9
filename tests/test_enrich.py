"""Named entities in one article, grouped under every form the article uses."""

from __future__ import annotations

import itertools

import pytest

from newsgraph.enrich import analyse_articles
from newsgraph.enrich.analysis import join_docs, paragraphs_of, parse_selectively, unparsed_pipes
from newsgraph.enrich.cues import COMPANIONS, CUE_WORDS, FOLLOWERS, PARSE_WORDS, needs_parse
from newsgraph.enrich.grouping import Span, group_spans
from newsgraph.enrich.namekeys import clean_surface, name_key
from newsgraph.enrich.nlp import load_pipeline
from newsgraph.enrich.passages import parse_runs, sentence_starts
from newsgraph.records import NameGroup
from newsgraph.settings import Settings

from .articles import text_article


def _groups(text: str, title: str = "") -> dict[str, NameGroup]:
    (analysis,) = analyse_articles([text_article("t", text, title)])
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


def test_a_surname_two_people_share_joins_the_one_named_nearest_before_it() -> None:
    assignment, groups = group_spans(
        _spans(("Daniel Okafor", "PERSON"), ("Okafor", "PERSON"), ("Grace Okafor", "PERSON"), ("Okafor", "PERSON"))
    )
    assert len(groups) == 2, "Daniel Okafor and Grace Okafor stay two people"
    assert assignment[1] == assignment[0] and assignment[3] == assignment[2] != assignment[0]


def test_a_surname_two_people_share_is_not_guessed_before_either_is_named() -> None:
    assignment, groups = group_spans(
        _spans(("Okafor", "PERSON"), ("Daniel Okafor", "PERSON"), ("Grace Okafor", "PERSON"))
    )
    assert len(groups) == 3, "the bare surname could be either person and stays apart"
    assert groups[assignment[0]].name == "Okafor"


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
    article = text_article(
        "t", "The mayor of Lindhaven, Priya Vanterpool, opened the bridge.", title="Vanterpool opens bridge"
    )
    (analysis,) = analyse_articles([article])
    for mention in analysis.mentions:
        source = article.title if mention.field == "title" else article.text
        assert source[mention.start : mention.end] == mention.text
    fields = {m.field for m in analysis.mentions if analysis.groups[m.group].name == "Priya Vanterpool"}
    assert fields == {"title", "text"}


def test_a_surname_joins_the_full_name_it_repeats_before_a_similar_one() -> None:
    """`Rahmani` is Ali Rahmani's, though the model called his full name a place and a Hassan Rahimi,
    one letter apart, is named too; the two full names stay two people."""
    spans = _spans(
        ("Hassan Al-Rahimi", "PERSON"), ("Ali Rahmani", "GPE"), ("Rahmani", "PERSON"), ("Al-Rahimi", "PERSON")
    )
    assignment, groups = group_spans(spans)
    assert assignment[2] == assignment[1] != assignment[0]
    assert assignment[3] == assignment[0]
    assert len(groups) == 2


def test_a_misspelt_surname_is_not_fitted_to_a_name_when_another_has_it_exactly() -> None:
    spans = _spans(("Hassan Rahimi", "PERSON"), ("Ali Rahmani", "ORG"), ("Rahmani", "PERSON"), ("Rahimy", "PERSON"))
    assignment, _ = group_spans(spans)
    assert assignment[2] == assignment[1] != assignment[0], "the exact repeat, not the fuzzy fit"
    assert assignment[3] == assignment[0], "a misspelling still finds its name"


def _doc_spans(text: str, ents: list[tuple[str, str]]) -> list[Span]:
    """`_entity_spans` over a document whose entities are given: (the words, as they appear once, label)."""
    from spacy.tokens import Span as DocSpan

    from newsgraph.enrich.analysis import _entity_spans
    from newsgraph.enrich.nlp import load_pipeline

    doc = load_pipeline(Settings().model).make_doc(text)
    spans = []
    for words, label in ents:
        start = text.index(words)
        span = doc.char_span(start, start + len(words), label=label, alignment_mode="expand")
        assert span is not None, words
        spans.append(DocSpan(doc, span.start, span.end, label=label))
    doc.ents = spans
    return _entity_spans(doc, "text", doc.text)


def test_words_of_a_title_of_office_are_not_names() -> None:
    text = "Secretary of State Marta Quell met Supreme Leader Davood Asgari and the State Grain Board in Velmar."
    found = _doc_spans(
        text,
        [("State", "ORG"), ("Marta Quell", "PERSON"), ("Supreme", "ORG"), ("Davood Asgari", "PERSON"),
         ("State Grain Board", "ORG"), ("Velmar", "GPE")],
    )  # fmt: skip
    assert [s.text for s in found] == ["Marta Quell", "Davood Asgari", "State Grain Board", "Velmar"]


def test_quote_marks_and_stray_punctuation_are_not_part_of_a_name() -> None:
    text = "“Rahimi will stay,” said the envoy. (Velmar Radio) reported that “Ali Rahmani,” the mayor, left."
    found = _doc_spans(text, [("“Rahimi", "PERSON"), ("(Velmar Radio)", "ORG"), ("“Ali Rahmani,”", "PERSON")])
    assert [(s.text, text[s.start : s.end]) for s in found] == [
        ("Rahimi", "Rahimi"),
        ("Velmar Radio", "Velmar Radio"),
        ("Ali Rahmani", "Ali Rahmani"),
    ]


def test_a_surname_that_fits_two_names_joins_the_one_it_repeats_as_written() -> None:
    spans = _spans(("Hassan Al-Rahimi", "PERSON"), ("Ali Rahimi", "PERSON"), ("Al-Rahimi", "PERSON"))
    assignment, groups = group_spans(spans)
    assert assignment[2] == assignment[0] != assignment[1] and len(groups) == 2
    # both written the same way: the one named nearest before it
    assignment, groups = group_spans(
        _spans(("Hassan Rahimi", "PERSON"), ("Ali Rahimi", "PERSON"), ("Rahimi", "PERSON"))
    )
    assert len(groups) == 2 and assignment[2] == assignment[1] != assignment[0]


def test_a_one_word_piece_of_a_name_in_the_same_sentence_is_that_name() -> None:
    person = Span("text", 0, 16, "Hassan Al-Rahimi", "PERSON", sentence=0)
    first_name = Span("text", 40, 46, "Hassan", "GPE", sentence=0)
    assignment, groups = group_spans([person, first_name])
    assert assignment == [0, 0] and len(groups) == 1 and groups[0].type == "person"
    dam = Span("text", 4, 18, "Tel Harash Dam", "FAC", sentence=0)
    piece = Span("text", 40, 46, "Harash", "PERSON", sentence=0)
    assignment, groups = group_spans([dam, piece])
    assert assignment == [0, 0] and groups[0].type == "facility", "the piece does not vote on the type"
    # in another sentence it may be another name
    assert len(group_spans([person, Span("text", 90, 96, "Hassan", "GPE", sentence=60)])[1]) == 2
    # a place inside an organisation's or a facility's name is the place
    bank = Span("text", 0, 22, "Central Bank of Velmar", "ORG", sentence=0)
    country = Span("text", 30, 36, "Velmar", "GPE", sentence=0)
    assert sorted(g.type for g in group_spans([bank, country])[1]) == ["org", "place"]
    airport = Span("text", 0, 26, "Corvale International Airport", "FAC", sentence=0)
    city = Span("text", 40, 47, "Corvale", "GPE", sentence=0)
    assert sorted(g.type for g in group_spans([airport, city])[1]) == ["facility", "place"]


def test_only_passages_that_can_carry_speech_are_parsed() -> None:
    assert needs_parse("“We will stay,” she said.") and needs_parse("According to the ministry, the dam held.")
    assert needs_parse("Tomas Vell warned of more rain.") and not needs_parse("The river rose two metres in Aldmoor.")
    text = (
        "The river rose two metres overnight in Aldmoor.\n\n"
        "“We will rebuild every house,” said Mayor Tomas Vell of Aldmoor.\n\n"
        "Boats from Corvale reached the farms by noon."
    )
    nlp = load_pipeline(Settings().model)
    pieces = paragraphs_of(text)
    assert "".join(pieces) == text and len(pieces) == 3
    docs = parse_selectively(nlp, pieces, [parse_runs(p) for p in pieces], 8)
    parsed = [any(t.dep_ not in {"dep", "ROOT"} for t in d) for d in docs]  # not parsed: a flat tree
    assert parsed == [False, True, False], "the parse runs where speech can be"
    (analysis,) = analyse_articles([text_article("t", text)])
    names = {analysis.groups[m.group].name for m in analysis.mentions}
    assert {"Aldmoor", "Corvale", "Tomas Vell"} <= names, "entities are found in every paragraph"
    assert all(text[m.start : m.end] == m.text for m in analysis.mentions if m.field == "text")
    (quote,) = [q for q in analysis.quotes if q.kind == "direct"]
    assert quote.speaker == "Tomas Vell" and text[quote.start : quote.end].startswith("We will rebuild")


def test_a_paragraph_not_parsed_is_a_sentence_of_its_own_in_the_article() -> None:
    text = (
        "Mayor Tomas Vell said that the river would crest on Friday.\n\n"
        "Boats from Corvale reached the farms by noon. The water fell overnight.\n\n"
        "“We will rebuild,” Vell said."
    )
    pieces = paragraphs_of(text)
    assert [needs_parse(p) for p in pieces] == [True, False, True]
    (analysis,) = analyse_articles([text_article("t", text)])
    (reported,) = [q for q in analysis.quotes if q.kind == "reported"]
    assert "crest on Friday" in reported.text and "Boats" not in reported.text, "the quote ends with its paragraph"
    nlp = load_pipeline(Settings().model)
    docs = parse_selectively(nlp, pieces, [parse_runs(p) for p in pieces], 8)
    assert pieces[1] in [s.text for s in join_docs(docs).sents]


def test_sentences_are_cut_outside_quotations_and_not_after_abbreviations_or_initials() -> None:
    text = (
        "The dam held. Mr. Vell toured the U.S. on Friday. “We held. We will hold,” said J. Orrin. "
        "“Yes.” The boats left at 3 p.m. from Corvale. 2 ferries stayed."
    )
    bounds = [0, *sentence_starts(text), len(text)]
    assert [text[a:b].strip() for a, b in itertools.pairwise(bounds)] == [
        "The dam held.",
        "Mr. Vell toured the U.S. on Friday.",
        "“We held. We will hold,” said J. Orrin.",
        "“Yes.”",
        "The boats left at 3 p.m. from Corvale.",
        "2 ferries stayed.",
    ]
    assert sentence_starts('"We held. We will hold," Vell said. Rain fell.') == [36]  # straight marks too
    assert sentence_starts("It rose. then it fell.") == [], "a small letter does not start a sentence"


def test_only_the_sentences_that_can_carry_speech_are_parsed() -> None:
    paragraph = (
        "The river rose two metres overnight in Aldmoor. Boats from Corvale reached the farms. "
        "Mayor Tomas Vell said that the town would rebuild every house.  The water fell by noon."
    )
    (run,) = parse_runs(paragraph)
    assert paragraph[run[0] : run[1]].strip() == "Mayor Tomas Vell said that the town would rebuild every house."
    nlp = load_pipeline(Settings().model)
    (doc,) = parse_selectively(nlp, [paragraph], [[run]], 8)
    alone = nlp(paragraph[run[0] : run[1]])
    inside = [t for t in doc if run[0] <= t.idx < run[1]]
    assert [(t.text, t.dep_, t.head.i - t.i) for t in inside] == [(t.text, t.dep_, t.head.i - t.i) for t in alone]
    sentences = [s.text.strip() for s in doc.sents]
    assert sentences[0].startswith("The river rose") and sentences[0].endswith("reached the farms.")
    assert sentences[-1] == "The water fell by noon.", "each stretch not parsed is a sentence of its own"
    assert [(e.text, e.label_) for e in doc.ents] == [(e.text, e.label_) for e in nlp(paragraph).ents]
    (analysis,) = analyse_articles([text_article("t", paragraph)])
    (reported,) = [q for q in analysis.quotes if q.kind == "reported"]
    assert reported.speaker == "Tomas Vell" and "rebuild every house" in reported.text
    assert "water" not in reported.text and "Boats" not in reported.text


def test_a_cue_that_needs_another_word_makes_its_sentence_parsed_only_with_that_word() -> None:
    assert not needs_parse("The council plans a new bridge over the Aldwater.")
    assert not needs_parse("Mayor Tomas Vell spoke at the opening in Corvale.")
    assert not needs_parse("The point of the new dam is a safe harbour.")
    pairs = {
        "Mayor Tomas Vell vowed to rebuild every house in Aldmoor.": "rebuild every house",
        "Mayor Tomas Vell spoke about the floods that hit Aldmoor.": "the floods",
        "Mayor Tomas Vell pointed out that the dam had held for a week.": "the dam had held",
        "Tomas Vell's view was that the dam would hold for a week.": "the dam would hold",
        "The harbour had closed, according to Mayor Tomas Vell.": "The harbour had closed",
    }
    for sentence, content in pairs.items():
        assert needs_parse(sentence), sentence
        (analysis,) = analyse_articles([text_article("t", sentence)])
        (reported,) = [q for q in analysis.quotes if q.kind == "reported"]
        assert content in reported.text and reported.speaker == "Tomas Vell", sentence
    unknown = CUE_WORDS - PARSE_WORDS - FOLLOWERS.keys() - COMPANIONS.keys()
    assert not unknown, f"cues the finder reads that never make a sentence parsed: {sorted(unknown)}"


def test_an_apostrophe_inside_a_word_is_not_a_quote_mark() -> None:
    assert not needs_parse("Aldmoor’s dam held and the town's farms stayed dry.")
    assert needs_parse("The mayor was ‘very relieved’ by noon.") and needs_parse("'We held,' the mayor wrote.")
    assert needs_parse("The farmers’ boats reached Corvale.")  # it may close a quotation: parsed


def test_a_paragraph_not_parsed_skips_the_embedding_only_the_parser_reads_and_keeps_its_entities() -> None:
    nlp = load_pipeline(Settings().model)
    assert unparsed_pipes(nlp) == ["parser", "tok2vec"], "the small model's recogniser embeds words itself"
    pieces = [
        "Flood barriers went up along the Vessa in Aldmoor and Corvale on Monday.\n\n",
        "The Harrow Institute sent engineers from Brenmouth to help Mayor Tomas Vell.",
    ]
    skipped = parse_selectively(nlp, pieces, [[], []], 8)
    full = list(nlp.pipe(pieces))
    assert all(d.tensor.size == 0 for d in skipped), "the embedding layer did not run"
    found = [[(e.start, e.end, e.label_) for e in d.ents] for d in skipped]
    assert found == [[(e.start, e.end, e.label_) for e in d.ents] for d in full]
    assert any(found), "the recogniser still found names"
