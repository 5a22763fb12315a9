"""Who said what: direct quotations, reported speech, speakers — and what is not a quotation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.enrich import analyse_articles
from newsgraph.records import Quote

from .articles import text_article


def quotes_of(*paragraphs: str) -> list[Quote]:
    text = "\n\n".join(paragraphs)
    article = text_article("q", text)
    (analysis,) = analyse_articles([article])
    return list(analysis.quotes)


def direct(quotes: list[Quote]) -> list[Quote]:
    return [q for q in quotes if q.kind == "direct"]


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("“", "”"), ('"', '"'), ("‘", "’"), ("«", "»"), ("„", "“")],
    ids=["curly", "straight", "single", "guillemets", "low"],
)
def test_every_common_quote_mark(opening: str, closing: str) -> None:
    found = direct(
        quotes_of(f"{opening}The harbour will reopen on Monday morning,{closing} said port director Ingrid Solheim.")
    )
    assert len(found) == 1
    assert found[0].text.startswith("The harbour will reopen on Monday morning")
    assert found[0].speaker == "Ingrid Solheim" and found[0].role == "port director" and found[0].cue == "said"


def test_speaker_before_the_quotation() -> None:
    (quote,) = direct(quotes_of("Mayor Tobias Lindqvist said: “Every family will have a roof by winter.”"))
    assert quote.speaker == "Tobias Lindqvist" and quote.text == "Every family will have a roof by winter."


def test_several_sentences_are_one_quotation() -> None:
    (quote,) = direct(
        quotes_of(
            "“We counted the boats twice. Nobody was missing. The whole village came down to the shore,” "
            "said fisherman Anselm Varga."
        )
    )
    assert quote.text.startswith("We counted") and quote.text.endswith("down to the shore")
    assert "Nobody was missing." in quote.text and quote.speaker == "Anselm Varga"


def test_quotation_split_by_its_attribution_is_one_quote() -> None:
    found = direct(
        quotes_of(
            "Minister Adaeze Okonkwo-Hale spoke to reporters outside the ministry.",
            "“We will act,” she said, “and we will act before the rains come.”",
        )
    )
    assert len(found) == 1
    assert "We will act" in found[0].text and "before the rains come" in found[0].text
    assert found[0].speaker == "Adaeze Okonkwo-Hale", "the pronoun is resolved to the person named before"


def test_quotation_over_two_paragraphs_continues_the_speaker() -> None:
    found = direct(
        quotes_of(
            "“The first thing we lost was the bakery,” said shopkeeper Halima Osei, who has lived on the street for "
            "thirty years.",
            "“Then the pharmacy closed. Now the bus does not stop here, and the young people have gone.”",
        )
    )
    assert len(found) == 2
    assert {q.speaker for q in found} == {"Halima Osei"}
    assert found[1].cue == "continued" and found[1].role == "shopkeeper"


def test_unclosed_paragraph_runs_into_the_next() -> None:
    found = direct(
        quotes_of(
            "Councillor Bram Oyelaran described the night in detail. “The water rose past the second step before "
            "anyone woke up. We carried the children to the church roof.",
            "“By morning the whole square was a lake, and the lake was still rising,” he said.",
        )
    )
    assert len(found) == 1
    assert "church roof" in found[0].text and "still rising" in found[0].text
    assert found[0].speaker == "Bram Oyelaran"


def test_reported_speech_forms() -> None:
    found = quotes_of(
        "Finance minister Petra Kowalczyk said that the budget would be balanced by next year.",
        "Petra Kowalczyk told the Harbour Gazette the tax rise was temporary.",
        "According to Rasmus Dahlberg, the plan depends on higher exports.",
        "The opposition leader Milan Hrdina warned that the numbers did not add up.",
    )
    reported = [q for q in found if q.kind == "reported"]
    texts = {q.text: q for q in reported}
    assert "the budget would be balanced by next year" in texts
    assert texts["the budget would be balanced by next year"].speaker == "Petra Kowalczyk"
    assert any(q.speaker == "Rasmus Dahlberg" and q.cue == "according to" for q in reported)
    assert any(q.speaker == "Milan Hrdina" and q.cue == "warned" for q in reported)
    assert any(q.cue == "told" and "temporary" in q.text for q in reported)


def test_anonymous_sources_are_never_named() -> None:
    found = quotes_of(
        "Daniel Okafor chaired the meeting on Tuesday.",
        "“The money will not arrive before the summer,” a senior official said.",
        "Officials said that the convoy had been delayed at the border.",
    )
    assert found and all(q.speaker is None for q in found)
    assert all(q.anonymous for q in found)
    assert any(q.role and "senior official" in q.role for q in found)


def test_no_speaker_means_no_speaker() -> None:
    found = direct(quotes_of("The banner read “Homes before harbours” in red letters above the crowd."))
    assert found == []


def test_scare_quotes_titles_and_nicknames_are_not_quotations() -> None:
    found = direct(
        quotes_of(
            "The council insists that a naked “with us or against us” approach is doomed to fail.",
            "The exhibition, titled “Salt and Concrete”, opens on Friday, the curator said.",
            "The general, dubbed “the fixer” by diplomats, arrived on Monday, officials said.",
            "Critics called it a so-called “peace dividend” that never came.",
        )
    )
    assert found == []


def test_seed_page_quotations(seed_path: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(seed_path), "--json"])
    report = json.loads(result.stdout)
    found = [q for q in report["quotes"] if q["kind"] == "direct"]
    assert len(found) == 2
    first, second = found
    assert first["text"].startswith("The rocket attacks are a trigger")
    assert second["text"].startswith("Instead, Iran benefited.") and second["text"].endswith("a charade.")
    for quote in found:
        assert quote["speaker"] == "Clarisse Pasztory" and quote["role"] == "former senior EU diplomat"
    assert not any(q["text"] == "with us or against us" for q in report["quotes"])


def test_demo_quotes_by_any_spelling_and_repeated_first_first(demo_db: Path) -> None:
    runner = CliRunner()
    by_spelling = []
    for spelling in ("Haider al-Zubaidi", "Haydar al-Zubaydi", "Al-Zoubaidi"):
        result = runner.invoke(app, ["quotes", "--speaker", spelling, "--db", str(demo_db), "--json"])
        assert result.exit_code == 0
        by_spelling.append([json.loads(line)["id"] for line in result.stdout.splitlines()])
    assert by_spelling[0] and by_spelling[0] == by_spelling[1] == by_spelling[2]
    result = runner.invoke(app, ["quotes", "--search", "No family will be left", "--db", str(demo_db), "--json"])
    (repeated,) = [json.loads(line) for line in result.stdout.splitlines()]
    appearances = repeated["appearances"]
    assert [a["source"] for a in appearances] == ["Gulf Wire Service", "Meridian Policy Review"]
    assert appearances[0]["published"] < appearances[1]["published"]
    assert repeated["first"]["source"] == "Gulf Wire Service" and repeated["speaker_entity"] == "Haider al-Zubaidi"


def reported(quotes: list[Quote]) -> list[Quote]:
    return [q for q in quotes if q.kind == "reported"]


def test_inverted_attribution_after_a_two_sentence_quotation() -> None:
    (quote,) = direct(
        quotes_of(
            "“The ferry is late again. Late every single day,” said Ottilie Brannstrom, a teacher who commutes "
            "from the island."
        )
    )
    assert quote.speaker == "Ottilie Brannstrom" and "Late every single day" in quote.text


def test_question_closed_by_its_attribution_sentence() -> None:
    found = direct(
        quotes_of(
            "Councillor Wendeline Achterberg spoke at the hearing.",
            "“Who will pay for the new bridge when the tolls are gone?” Achterberg demanded.",
        )
    )
    assert len(found) == 1 and found[0].speaker == "Wendeline Achterberg" and found[0].cue == "demanded"


def test_second_sentence_after_a_long_attribution_continues_the_quote() -> None:
    (quote,) = direct(
        quotes_of(
            "“The harvest was the best in a decade,” said Ruben Oyelowo-Strand, a farmer who has grown barley "
            "on the northern slopes for nearly forty years. “Nobody expected it after the dry spring.”"
        )
    )
    assert quote.speaker == "Ruben Oyelowo-Strand" and "dry spring" in quote.text


def test_mixed_quotation_starts_at_the_reported_words() -> None:
    (quote,) = direct(
        quotes_of("Minister Halvard Quist said the new tariff “will be paid by the families who can least afford it.”")
    )
    assert quote.text.startswith("the new tariff") and quote.speaker == "Halvard Quist"


def test_parenthetical_attribution_reports_the_whole_clause() -> None:
    (quote,) = reported(quotes_of("The new clinic, Mayor Ingrid Falkenrath said, would open before the winter."))
    assert quote.speaker == "Ingrid Falkenrath"
    assert "new clinic" in quote.text and "before the winter" in quote.text and "said" not in quote.text


def test_stance_and_intention_verbs_report_what_they_govern() -> None:
    found = reported(
        quotes_of(
            "Senator Aurelio Benedetti vowed to repeal the harbour tax, cut ferry fares and expand the night buses.",
            "Governor Marisol Ekwueme called for an independent inquiry into the collapse.",
            "Councillor Piet Van Rensburg criticized the decision to close the library.",
        )
    )
    texts = {q.cue: q for q in found}
    assert "expand the night buses" in texts["vowed"].text and texts["vowed"].speaker == "Aurelio Benedetti"
    assert texts["called"].text == "an independent inquiry into the collapse"
    assert texts["criticized"].text.startswith("the decision to close the library")


def test_cue_verbs_without_a_speaker_act_are_not_reported_speech() -> None:
    found = reported(
        quotes_of(
            "The river flooded the lower town in March.",
            "Engineers repaired the bridge and painted the railings.",
            "The committee has a budget of four million.",
        )
    )
    assert found == []


def test_cues_inside_a_quotation_belong_to_the_quoted_speaker() -> None:
    found = quotes_of(
        "“I think the ferry will be running again by May, and I hope nobody doubts it,” said harbour master "
        "Teodor Lindgren."
    )
    assert len(direct(found)) == 1 and reported(found) == []


def test_the_president_is_the_person_named_with_that_title() -> None:
    found = direct(
        quotes_of(
            "President Amara Tellefsen opened the new museum on Saturday.",
            "“This building belongs to every family in the country,” the president said.",
        )
    )
    assert len(found) == 1 and found[0].speaker == "Amara Tellefsen"


def test_quotation_signed_with_a_dash_and_a_name() -> None:
    found = direct(
        quotes_of(
            "Readers told us what the night market means to them.",
            "“The night market brought the whole street back to life.” ― Josefine Marchetti-Alves",
            "“Every stall has a story, and every story has a grandmother in it.” ― Tomasz Wierzbicki",
        )
    )
    assert [q.speaker for q in found] == ["Josefine Marchetti-Alves", "Tomasz Wierzbicki"]
    assert found[0].text.endswith("back to life.") and "Every stall" not in found[0].text


def test_a_dash_and_one_capitalised_word_is_not_a_signature() -> None:
    found = direct(quotes_of("“The night market brought the whole street back to life.” ― Saturday"))
    assert found == []


def test_a_participle_adds_reported_speech_to_its_speakers_sentence() -> None:
    found = reported(
        quotes_of(
            "“The ferries will run again,” the harbour master said, adding that the northern pier would reopen by June."
        )
    )
    assert [(q.text, q.cue, q.role) for q in found] == [
        ("the northern pier would reopen by June", "adding", "harbour master")
    ]


def test_a_speech_word_used_as_a_noun_is_no_cue() -> None:
    from newsgraph.enrich.cues import is_speech_verb
    from newsgraph.enrich.nlp import load_pipeline
    from newsgraph.settings import Settings

    nlp = load_pipeline(Settings().model)
    noun = next(t for t in nlp("The warning came too late for the village.") if t.text == "warning")
    verb = next(t for t in nlp("She was warning them about the storm.") if t.text == "warning")
    assert not is_speech_verb(noun) and is_speech_verb(verb)


def test_verbs_of_finding_and_showing_report_their_clause() -> None:
    (quote,) = reported(quotes_of("Most respondents indicated that they would vote early in the spring."))
    assert quote.text == "they would vote early in the spring" and quote.cue == "indicated"
    assert reported(quotes_of("The council learned to live with the noise.")) == []


def test_a_stance_verb_keeps_the_reason_after_its_object() -> None:
    (quote,) = reported(quotes_of("The ministry criticized the port authority over the delays at the northern depot."))
    assert quote.text == "the port authority over the delays at the northern depot"


def test_paint_and_cast_are_stances_only_with_a_predicate() -> None:
    (quote,) = reported(quotes_of("Mayor Maren Holt painted the minister as a coward who hides from the voters."))
    assert quote.text == "the minister as a coward who hides from the voters" and quote.speaker == "Maren Holt"
    assert reported(quotes_of("The union painted the depot walls blue last summer.")) == []


def test_reported_content_runs_to_the_clause_end_and_stops_at_the_writers_clause() -> None:
    found = reported(
        quotes_of(
            "The Harbour Gazette hailed Mayor Tobias Lindqvist as a “builder of bridges” for the new crossings "
            "over the fjord.",
            "Finance minister Petra Kowalczyk said the levy was fair to farmers in the north, but the opposition "
            "disagreed.",
            "Minister Adaeze Okonkwo-Hale warned that the dam was failing; engineers disagreed.",
        )
    )
    assert [q.text for q in found] == [
        "Mayor Tobias Lindqvist as a “builder of bridges” for the new crossings over the fjord",
        "the levy was fair to farmers in the north",
        "the dam was failing",
    ]


def test_a_relative_pronoun_speaks_for_the_name_it_follows() -> None:
    (quote,) = reported(quotes_of("It was Ilse Brandvold who warned that the bridge would close for the whole winter."))
    assert quote.speaker == "Ilse Brandvold" and quote.text == "the bridge would close for the whole winter"


def test_a_that_clause_after_a_time_phrase_and_a_mixed_call() -> None:
    found = quotes_of(
        "Mayor Tobias Lindqvist tweeted on Friday that the ferry was “a disgrace” and “a danger.”",
        'Senator Oskar Lindqvist called the mayor a "reckless gambler" who is "unfit to run a bakery."',
    )
    assert [q.speaker for q in found] == ["Tobias Lindqvist", "Oskar Lindqvist"]
    assert found[0].text.startswith("the ferry was") and found[1].text.startswith("the mayor a")


def test_a_line_opened_with_the_closing_mark_and_a_no_break_space_signature() -> None:
    (quote,) = direct(quotes_of("”Nobody asked the fishermen what they wanted before the vote.” ―\u00a0Maren Holt"))
    assert quote.speaker == "Maren Holt" and quote.text.startswith("Nobody asked")


def test_as_someone_put_it() -> None:
    (quote,) = direct(
        quotes_of("As harbour master Ingrid Solheim put it, “Nobody sails until the wind drops below forty knots.”")
    )
    assert quote.speaker == "Ingrid Solheim" and quote.cue == "put"
    assert direct(quotes_of("She put it on the table: “the final offer stands until Friday at noon.”")) == []


# ---- split quotations, speakers of bodies, more reported frames ------------------------------------


def test_split_quotation_keeps_the_punctuation_that_ended_each_part() -> None:
    (comma,) = direct(
        quotes_of(
            "Harbour master Ingrid Solheim met the crews.", "“We will wait,” she said, “and we will sail at dawn.”"
        )
    )
    assert comma.text == "We will wait, and we will sail at dawn."
    (stop,) = direct(
        quotes_of("“We did what we could”, said Ebbe Lindahl, the ferry captain. “The inquiry will decide the rest.”")
    )
    assert stop.text == "We did what we could. The inquiry will decide the rest."
    (sentence,) = direct(
        quotes_of(
            "“The nets came up empty,” said fisherman Anselm Varga on Radio Nordkyst’s “Morning Tide.” "
            "“Nobody remembers a season like it.”"
        )
    )
    assert sentence.text == "The nets came up empty. Nobody remembers a season like it."
    assert sentence.speaker == "Anselm Varga"


def test_doubled_apostrophes_quote_and_the_next_sentence_goes_on() -> None:
    (quote,) = direct(
        quotes_of(
            "''The levy is a blunt tool,'' said Miriam Oduya, an economist at the Harbour Institute. "
            "''It punishes the small boats first.''"
        )
    )
    assert quote.text == "The levy is a blunt tool. It punishes the small boats first."
    assert quote.speaker == "Miriam Oduya"


def test_an_organisation_named_after_a_person_is_the_speaker() -> None:
    found = quotes_of(
        "Tobias Lindqvist took office in May.",
        "The Lindqvist administration threatened to close the ferry office if the strike goes on.",
        "“The numbers simply do not add up,” the Lindqvist campaign said.",
    )
    speakers = {q.kind: q for q in found}
    assert speakers["reported"].speaker == "Lindqvist administration"
    assert speakers["reported"].speaker_group is None
    assert speakers["direct"].speaker == "Lindqvist campaign"
    assert all("Tobias" not in (q.speaker or "") for q in found)


def test_the_cue_between_the_parts_names_the_speaker() -> None:
    (quote,) = direct(
        quotes_of(
            "“Promise you will keep the lights on,” Ottilie Brannstrom sings to the crowd before asking them, "
            "“where do we go from here?”",
            "“Lanterns” was written by Ebbe Lindahl after the storm of 1999.",
        )
    )
    assert quote.speaker == "Ottilie Brannstrom" and quote.cue == "asking"
    assert quote.text == "Promise you will keep the lights on, where do we go from here?"


def test_a_participle_of_saying_speaks_for_the_noun_it_describes() -> None:
    (quote,) = direct(
        quotes_of(
            "Voters met Lars Brekke on Monday.",
            "The advert ends with footage of Lars Brekke saying during the debate, “That makes me clever,” "
            "as the host pressed him.",
        )
    )
    assert quote.speaker == "Lars Brekke" and quote.cue == "saying"


def test_more_frames_of_reported_speech() -> None:
    found = quotes_of(
        "Councillor Ebba Strand pointed out that the ferry had been late every day this month.",
        "Mayor Tobias Lindqvist spoke on Monday. Lindqvist's view is that the bridge must close before winter.",
        "The harbour plan was criticised by councillor Ebba Strand as a waste of money.",
        "Senator Oskar Varga exhorted voters to stay at home on election day.",
    )
    reported = {q.cue: q for q in found if q.kind == "reported"}
    assert reported["pointed"].speaker == "Ebba Strand" and reported["pointed"].text.startswith("the ferry had been")
    assert (
        reported["view"].speaker == "Tobias Lindqvist"
        and reported["view"].text == "the bridge must close before winter"
    )
    assert reported["criticised"].speaker == "Ebba Strand" and "waste of money" in reported["criticised"].text
    assert reported["exhorted"].speaker == "Oskar Varga" and "stay at home" in reported["exhorted"].text


def test_reported_content_goes_on_after_a_colon_but_not_into_the_next_paragraph() -> None:
    found = quotes_of(
        "Economist Miriam Oduya notes that three things are happening at once: rents are rising and wages are flat.",
    )
    (quote,) = [q for q in found if q.kind == "reported"]
    assert quote.text.endswith("wages are flat") and quote.speaker == "Miriam Oduya"


def test_transcript_labels_name_each_speaker() -> None:
    found = direct(
        quotes_of(
            "Ebba Strand spoke to the host of the evening programme on Sunday.",
            '"HOST: Do you really see the two plans as equal, councillor?',
            '"STRAND: Well, look, the harbour plan has been sitting on a shelf for ten years.',
            '"But the truth is that the town needs a new ferry before it needs a new bridge.',
            '"HOST: We have to leave it there for tonight.',
        )
    )
    assert [q.speaker for q in found] == ["Host", "Ebba Strand", "Host"]
    assert found[1].text.startswith("Well, look") and "new ferry" in found[1].text
    assert not any(q.text.startswith(("HOST", "STRAND")) for q in found)


def test_a_headline_name_and_colon_give_the_speaker() -> None:
    (quote,) = direct(
        quotes_of("Ebba Strand Grills Harbour Bank Chief: ‘You Should Be Investigated.’", "The hearing went on.")
    )
    assert quote.speaker == "Ebba Strand" and quote.text == "You Should Be Investigated."


def test_described_as_reports_the_quoted_words() -> None:
    found = quotes_of(
        "Twenty people were hurt by an explosion that Mayor Ebba Strand described as “an intentional act.”",
        "Councillor Lars Brekke is describing as “reckless” a post by the harbour board.",
    )
    by_speaker = {q.speaker: q for q in found}
    assert "intentional act" in by_speaker["Ebba Strand"].text
    assert by_speaker["Ebba Strand"].text.startswith("an explosion")
    assert "reckless" in by_speaker["Lars Brekke"].text


# ---- provenance in the store ----------------------------------------------------------------------

_REPEATED = "The tide will not wait for the ferry, and neither will the people of this town."


def _quoting_page(folder: Path, n: int) -> Path:
    path = folder / f"harbour-{n:02d}.txt"
    path.write_text(
        f"Ferry crossings resume at Orlen harbour, report {n}\n\n"
        f"Dock crews at berth {n} worked through the night after storm number {n} closed the crossing.\n\n"
        f'"{_REPEATED}" said Mara Velt, the harbour master.\n',
        encoding="utf-8",
    )
    return path


def test_a_quote_repeated_in_many_articles_costs_a_batch_no_more_than_its_size(
    tmp_path: Path, settings: Any, new_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new appearance of a quote that many stored articles carry joins its cluster, and the
    provenance step judges it against the cluster, not every pair of the cluster's appearances;
    batch by batch, the clusters are those of one run."""
    from newsgraph.corpus import quotes as quote_rules
    from newsgraph.run import ingest_paths
    from newsgraph.store.connect import open_store

    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    for n in range(24):
        _quoting_page(first, n)
    _quoting_page(later, 99)
    judged: list[int] = []
    same_quote = quote_rules.same_quote

    def counted(*args: Any) -> bool:
        judged[-1] += 1
        return same_quote(*args)

    monkeypatch.setattr(quote_rules, "same_quote", counted)
    with open_store(new_db("batches")) as store:
        for folder in (first, later):
            judged.append(0)
            ingest_paths([folder], store, settings)
        clusters = store.conn.execute("SELECT cluster_id, COUNT(*) FROM quotes GROUP BY cluster_id").fetchall()
        by_batches = store.conn.execute("SELECT id, cluster_id FROM quotes ORDER BY id").fetchall()
    assert [n for _, n in clusters] == [25], "every appearance is one quote"
    assert judged[1] <= 25, f"the 25th appearance was judged {judged[1]} times (24 × 25 / 2 pairs: 300)"
    with open_store(new_db("one")) as store:
        ingest_paths([first, later], store, settings)
        assert store.conn.execute("SELECT id, cluster_id FROM quotes ORDER BY id").fetchall() == by_batches


def _short_quote_page(folder: Path, n: int, line: str) -> None:
    (folder / f"berth-{n:02d}.txt").write_text(
        f"Harbour report {n}\n\nDock crews at berth {n} worked through the night after the storm closed the "
        f"crossing.\n\n{line}\n",
        encoding="utf-8",
    )


def test_a_quote_too_short_for_4_grams_joins_its_earlier_appearance(
    tmp_path: Path, settings: Any, new_db: Any, backend: str
) -> None:
    """A quote of fewer than four words has no 4-grams to be found by: a later batch finds its earlier
    appearance by its words (along the index of short quotes), and a quote differing by a word stays
    apart."""
    from newsgraph.run import ingest_paths
    from newsgraph.store.connect import open_store
    from newsgraph.store.quotes import SHORT_NORM

    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    _short_quote_page(first, 1, '"Not this week," said Ivo Brandt of the ferry union.')
    _short_quote_page(first, 2, '"Not this month," said Ivo Brandt of the ferry union.')
    _short_quote_page(later, 3, '"Not this week," said Ivo Brandt, the union secretary.')
    with open_store(new_db("short")) as store:
        for folder in (first, later):
            ingest_paths([folder], store, settings)
        rows = store.conn.execute("SELECT norm, cluster_id FROM quotes ORDER BY article_id").fetchall()
        indexed = {r[0] for r in store.conn.execute(f"SELECT norm FROM quotes WHERE {SHORT_NORM}")}
        if backend == "sqlite":  # the condition is the index's own, written in migration 0013: its plan uses it
            plan = store.conn.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM quotes WHERE norm = ? AND {SHORT_NORM}", ("x",)
            )
            assert any("quotes_short_norm" in row[3] for row in plan.fetchall())
    clusters: dict[str, set[str]] = {}
    for norm, cluster in rows:
        clusters.setdefault(norm, set()).add(cluster)
    assert sorted(norm for norm, _ in rows) == ["not this month", "not this week", "not this week"]
    assert len(clusters["not this week"]) == 1, "the later appearance joins the first"
    assert clusters["not this week"] != clusters["not this month"]
    assert indexed == {"not this week", "not this month"}, "the short quotes are the ones the index holds"
