"""Cross-document entity resolution: one entity per real person, organisation and place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.corpus.entities import NameRecord, Rule, name_id, resolve_names
from newsgraph.corpus.matching import parse_name, same_entity
from newsgraph.run import ingest_paths
from newsgraph.settings import Settings
from newsgraph.store.entities import add_rule, entity_detail, find_entities, list_entities, resolve_entities
from newsgraph.store.sqlite import Store, open_store

from .conftest import CORPUS

ENTITY_FIXTURES = Path(__file__).resolve().parent / "fixtures_entities"


def same(a: str, b: str, kind: str = "person") -> bool:
    return same_entity(parse_name(a, kind), parse_name(b, kind))


# Each letter class that transliterations swap: a pair it joins, and a near pair it must not.
LETTER_CLASSES = [
    ("dh/z/th/d", ("Mustafa al-Kadhimi", "Mustafa Kazimi"), ("Mustafa Kadhimi", "Mustafa Karimi")),
    ("q/k/gh", ("Qasem Farahani", "Ghasem Farahani"), ("Qasem Farahani", "Hashem Farahani")),
    ("kh/h", ("Khalid Nasser", "Halid Nasser"), ("Khalid Nasser", "Walid Nasser")),
    ("kh/k", ("Omar Khadimi", "Omar Kadhimi"), ("Omar Kadhimi", "Omar Hadimi")),
    ("ou/u/o/oo", ("Haider Al-Zoubaidi", "Haider Zubaidi"), ("Haider Zubaidi", "Haider Zubairi")),
    ("ei/ai/ay/e", ("Qassem Suleimani", "Qassem Sulaymani"), ("Qassem Suleimani", "Qassem Sulimovic")),
    ("ee/i", ("Sameer Rasheed", "Samir Rashid"), ("Samir Rashid", "Samir Rashad Khan")),
    ("j/dj/g", ("Djamel Belkacem", "Jamel Belkacem"), ("Jamel Belkacem", "Kamel Belkacem")),
    ("y/i", ("Yevgeny Tarasov", "Evgeniy Tarasov"), ("Yevgeny Tarasov", "Yevgeny Tarasenko")),
    ("doubled letters", ("Yevgeny Tarassov", "Yevgeny Tarasov"), ("Yevgeny Tarasov", "Yevgeny Tarakov")),
    ("apostrophes, ayn, hamza", ("Ja’far al-Sadr", "Jafar Sadr"), ("Jafar Sadr", "Jabar Sadr")),
    ("diacritics", ("Recep Erdoğan", "Recep Erdogan"), ("Recep Erdogan", "Recep Erdemir")),
    ("particles", ("Abu Mahdi al-Muhandis", "Abu Mahdi Muhandis"), ("Abu Mahdi Muhandis", "Abu Bakr Muhandis")),
]


@pytest.mark.parametrize(("rule", "positive", "negative"), LETTER_CLASSES, ids=[c[0] for c in LETTER_CLASSES])
def test_letter_classes(rule: str, positive: tuple[str, str], negative: tuple[str, str]) -> None:
    assert same(*positive), f"{rule}: {positive} should match"
    assert not same(*negative), f"{rule}: {negative} should not match"


def test_organisation_spellings() -> None:
    assert same("Kata’ib Hezbollah", "Kataeb Hizbollah", "org")
    assert same("Kata'ib Hezbollah", "Kataib Hezbollah", "org")
    assert same("Saraya al-Nour", "Saraya’a al-Noor", "org")
    assert same("European Union", "EU", "org")
    assert not same("Bank of Iraq", "Bank of Iran", "org")
    assert not same("Asaib Ahl al-Haq", "Kataib Hezbollah", "org")


def test_order_and_initials() -> None:
    assert same("Kadhimi, Mustafa", "Mustafa al-Kadhimi")
    assert same("M. al-Kadhimi", "Mustafa Kadhimi")
    assert not same("A. al-Kadhimi", "Mustafa Kadhimi")


def test_false_merge_guards() -> None:
    assert not same("Hillary Clinton", "Bill Clinton")
    assert not same("Chelsea Clinton", "Hillary Clinton")
    assert not same("Olaf Schulze", "Olaf Scholz")
    assert not same("Samir Haddad", "Samia Haddad")
    assert not same_entity(parse_name("Jordan", "person"), parse_name("Jordan", "place")), "types must agree"


def _records(*items: tuple[str, str]) -> list[NameRecord]:
    return [NameRecord(name_id(text), text, kind) for text, kind in items]


def test_surname_alone_joins_the_one_full_name_it_fits() -> None:
    result = resolve_names(_records(("Mustafa al-Kadhimi", "person"), ("Khadimi", "person"), ("Baghdad", "place")))
    assert result.entity_of[name_id("Khadimi")] == result.entity_of[name_id("Mustafa al-Kadhimi")]
    assert result.entity_of[name_id("Baghdad")] != result.entity_of[name_id("Khadimi")]


def test_names_in_other_scripts_stand_alone() -> None:
    result = resolve_names(_records(("مصطفى الكاظمي", "person"), ("Мустафа", "person"), ("Mustafa Kadhimi", "person")))
    assert len(result.members) == 3


def test_ambiguous_surname_stays_unresolved() -> None:
    records = _records(
        ("Hillary Clinton", "person"), ("Bill Clinton", "person"), ("Chelsea Clinton", "person"), ("Clinton", "person")
    )
    result = resolve_names(records)
    assert len(result.members) == 4
    assert result.unresolved == {name_id("Clinton")}


def test_co_mentions_settle_an_ambiguous_surname() -> None:
    hillary, bill = name_id("Hillary Clinton"), name_id("Bill Clinton")
    senate, state, arkansas = name_id("US Senate"), name_id("State Department"), name_id("Arkansas")
    records = [
        NameRecord(hillary, "Hillary Clinton", "person", 3, frozenset({senate, state})),
        NameRecord(bill, "Bill Clinton", "person", 3, frozenset({arkansas})),
        NameRecord(name_id("Clinton"), "Clinton", "person", 2, frozenset({senate, state})),
        NameRecord(senate, "US Senate", "org"),
        NameRecord(state, "State Department", "org"),
        NameRecord(arkansas, "Arkansas", "place"),
    ]
    result = resolve_names(records)
    assert result.entity_of[name_id("Clinton")] == result.entity_of[hillary]


def test_result_does_not_depend_on_order() -> None:
    records = _records(
        ("Haider al-Zubaidi", "person"),
        ("Haidar Zubeidi", "person"),
        ("Al-Zoubaidi", "person"),
        ("Haydar al-Zubaydi", "person"),
        ("Grace Okafor", "person"),
        ("Daniel Okafor", "person"),
        ("Okafor", "person"),
    )
    forward, backward = resolve_names(records), resolve_names(list(reversed(records)))
    assert forward.entity_of == backward.entity_of
    assert len({forward.entity_of[name_id(n)] for n in ("Haider al-Zubaidi", "Haidar Zubeidi", "Al-Zoubaidi")}) == 1


def test_curation_rules() -> None:
    records = _records(("Olaf Schulze", "person"), ("Olaf Scholz", "person"), ("Mike Pompeo", "person"))
    merged = resolve_names(records, [Rule("merge", "Olaf Schulze", "Olaf Scholz")])
    assert merged.entity_of[name_id("Olaf Schulze")] == merged.entity_of[name_id("Olaf Scholz")]
    renamed = resolve_names(records, [Rule("rename", "Mike Pompeo", "Michael R. Pompeo")])
    assert renamed.renamed[renamed.entity_of[name_id("Mike Pompeo")]] == "Michael R. Pompeo"
    split = resolve_names(
        _records(("Qassem Suleimani", "person"), ("Qasem Soleimani", "person")), [Rule("split", "Qasem Soleimani")]
    )
    assert len(split.members) == 2


# ---- in the store ---------------------------------------------------------------------------------


def _snapshot(store: Store) -> dict[str, object]:
    names = dict(store.conn.execute("SELECT name, entity_id FROM names").fetchall())
    entities = store.conn.execute(
        "SELECT id, type, name, article_count, mention_count, first_seen, last_seen, unresolved "
        "FROM entities ORDER BY id"
    ).fetchall()
    return {"names": names, "entities": entities}


def test_batches_give_the_same_entities_as_one_run(tmp_path: Path, settings: Settings) -> None:
    files = sorted(
        p for p in CORPUS.rglob("*") if p.suffix in {".html", ".txt", ".jsonl", ".gz"} and "bad" not in p.parts
    )
    with open_store(tmp_path / "one.db") as one:
        ingest_paths([CORPUS, ENTITY_FIXTURES], one, settings)
        expected = _snapshot(one)
    with open_store(tmp_path / "many.db") as many:
        batches = [files[i::6] for i in range(6)] + [[ENTITY_FIXTURES]]
        for batch in reversed(batches):
            ingest_paths(batch, many, settings)
        assert _snapshot(many) == expected
        resolve_entities(many, full=True)
        assert _snapshot(many) == expected


def test_transliteration_families_of_the_demo_corpus(demo_db: Path, manifest: dict) -> None:
    with open_store(demo_db) as store:
        for planned in manifest["entities"]:
            forms = [planned["name"], *planned.get("variants", [])]
            found = {tuple(find_entities(store, form, limit=1)) for form in forms}
            assert len(found) == 1 and () not in found, f"{planned['name']}: {found}"
            for other in planned.get("distinct_from", []):
                assert find_entities(store, other, limit=1) != list(found.pop()), f"{planned['name']} vs {other}"


def test_acceptance_organisation_spellings_and_cli(tmp_path: Path, settings: Settings) -> None:
    db = tmp_path / "e.db"
    with open_store(db) as store:
        ingest_paths([ENTITY_FIXTURES], store, settings)
    runner = CliRunner()
    first = runner.invoke(app, ["entity", "Kataeb Hizbollah", "--db", str(db), "--json"])
    second = runner.invoke(app, ["entity", "Kata’ib Hezbollah", "--db", str(db), "--json"])
    assert first.exit_code == 0 and second.exit_code == 0
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["id"] == b["id"] and a["type"] == "org" and a["articles"] == 2
    assert {"Kataeb Hizbollah", "Kata’ib Hezbollah"} <= {x["name"] for x in a["aliases"]}
    spokesman = json.loads(runner.invoke(app, ["entity", "Rasul Tahmasbi", "--db", str(db), "--json"]).stdout)
    assert {"Rasoul Tahmasebi", "Rasul Tahmasbi"} <= {x["name"] for x in spokesman["aliases"]}
    listing = runner.invoke(app, ["entities", "--type", "person", "--db", str(db), "--json"])
    people = {json.loads(line)["name"] for line in listing.stdout.splitlines()}
    assert {"Eleanor Brannigan", "Patrick Brannigan", "Siobhan Brannigan", "Olaf Schulze", "Olaf Scholz"} <= people
    missing = runner.invoke(app, ["entity", "Zzyzx Qwerty", "--db", str(db)])
    assert missing.exit_code == 2 and "no entity" in missing.stderr


def test_curation_survives_new_ingests(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "in"
    shutil.copytree(ENTITY_FIXTURES, folder)
    with open_store(tmp_path / "c.db") as store:
        ingest_paths([folder / "families.txt"], store, settings)
        add_rule(store, "merge", "Olaf Schulze", "Olaf Scholz")
        add_rule(store, "rename", "Eleanor Brannigan", "Governor Eleanor Brannigan")
        ingest_paths([folder], store, settings)
        resolve_entities(store, full=True)
        (scholz,) = find_entities(store, "Olaf Scholz")
        assert find_entities(store, "Olaf Schulze") == [scholz]
        people = {e["name"] for e in list_entities(store, "person", 50)}
        assert "Governor Eleanor Brannigan" in people and "Eleanor Brannigan" not in people
        add_rule(store, "split", "Olaf Schulze")
        assert find_entities(store, "Olaf Schulze") != find_entities(store, "Olaf Scholz")


def test_acceptance_seed_kadhimi(tmp_path: Path, seed_path: Path, settings: Settings) -> None:
    db = tmp_path / "seed.db"
    with open_store(db) as store:
        ingest_paths([CORPUS, seed_path], store, settings)
    result = CliRunner().invoke(app, ["entity", "Kadhimi", "--db", str(db), "--json"])
    assert result.exit_code == 0
    found = json.loads(result.stdout)
    assert found["type"] == "person"
    assert {"Mustafa al-Kadhimi", "Khadimi"} <= {a["name"] for a in found["aliases"]}
    with open_store(db) as store:
        detail = entity_detail(store, found["id"])
        assert detail["articles"] == 1
