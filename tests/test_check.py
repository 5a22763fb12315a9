"""Checking a text against the knowledge base: its original and what changed, its story, names and
quotes — and nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.errors import InputNotFound, NotFound, UserError
from newsgraph.settings import Settings
from newsgraph.store.base import Store
from newsgraph.store.check import (
    check_document,
    raw_from_html,
    raw_from_path,
    raw_from_stored_url,
    raw_from_text,
)
from newsgraph.store.connect import open_reader, open_store
from tests.databases import table_counts

runner = CliRunner()
TIGRIS = "html/tigris-duhok-dam-breach-toll-rises.html"
COURIER = "text/courier-dam-horror-in-the-hills.txt"
DROPPED = "“By noon we had helicopters from the federal army and the situation improved.”"
UNRELATED = (
    "Bakers in the small harbour town of Porthcurnow say the price of flour has doubled since the autumn. "
    "The town's oldest bakery, run by the same family for four generations, now opens only three days a week, "
    "and the owners are asking the council for help with their energy bills before the summer season begins."
)


@pytest.fixture
def store(demo_db: Path) -> Iterator[Store]:
    with open_store(demo_db, create=False) as opened:
        yield opened


def _stored(store: Store, location: str) -> tuple[str, str, str, str | None]:
    row = store.conn.execute(
        "SELECT id, title, text, url FROM articles WHERE location LIKE ?", ("%" + location,)
    ).fetchone()
    assert row is not None, location
    return row[0], row[1], row[2], row[3]


def _modified_copy(store: Store, tmp_path: Path) -> tuple[Path, str]:
    """The Tigris Daily report with a name and a number changed and a sentence dropped, as a .txt file."""
    ident, _, text, _ = _stored(store, TIGRIS)
    assert "Amedi" in text and "12 villages" in text and DROPPED in text
    body = text.replace(" " + DROPPED, "").replace("Amedi", "Amadi").replace("12 villages", "14 villages")
    path = tmp_path / "rewrite.txt"
    path.write_text("Dam toll climbs in the north\n\n" + body, encoding="utf-8")
    return path, ident


def _match(result: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(m for m in result["copies"]["matches"] if m["article"]["id"] == ident)


def test_modified_copy_names_the_stored_original_and_what_changed(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path, original = _modified_copy(store, tmp_path)
    raw = raw_from_path(path, settings.max_bytes, source="Test Wire", published="2026-03-07")
    result = check_document(store, raw, settings)
    assert result["article"]["source"] == "Test Wire" and result["article"]["title"] == "Dam toll climbs in the north"
    assert result["stored"] is None
    copies = result["copies"]
    assert copies["original"]["id"] == original and copies["original"]["source"] == "Tigris Daily"
    assert copies["original"]["url"] and copies["original"]["location"].endswith(TIGRIS)
    assert not copies["checked_is_earliest"]
    match = _match(result, original)
    assert match["kind"] in {"near_duplicate", "partial"}
    assert match["containment"]["checked_in_stored"] > 0.8 and match["shared_words"] > 200
    summary = match["diff"]["summary"]
    assert "Amedi → Amadi" in summary["names"] and "12 → 14" in summary["numbers"]
    assert DROPPED in match["diff"]["removed"]
    # the Courier's copy of the same report is found too, later than the original
    courier, _, _, _ = _stored(store, COURIER)
    assert _match(result, courier)["article"]["source"] == "Capital Courier"
    # a copy joins its original's story
    assert result["story"] is not None and result["story"]["via"] == "copy"
    members = {
        r[0]
        for r in store.conn.execute("SELECT article_id FROM story_members WHERE story_id = ?", (result["story"]["id"],))
    }
    assert original in members


def test_check_writes_nothing_and_works_on_a_read_only_connection(
    demo_db: Path, settings: Settings, tmp_path: Path
) -> None:
    before = table_counts(demo_db)
    with open_store(demo_db, create=False) as store:
        path, _ = _modified_copy(store, tmp_path)
    readonly = open_reader(demo_db)  # a read-only connection: any write would fail
    try:
        result = check_document(readonly, raw_from_path(path, settings.max_bytes, source="Test Wire"), settings)
        check_document(readonly, raw_from_text(UNRELATED, title="Flour prices"), settings)
    finally:
        readonly.close()
    assert result["copies"]["original"] is not None
    assert table_counts(demo_db) == before
    assert before["articles"] > 40


def test_unrelated_text_has_no_copies(store: Store, settings: Settings) -> None:
    result = check_document(store, raw_from_text(UNRELATED, title="Flour prices double"), settings)
    assert result["copies"]["matches"] == [] and result["copies"]["original"] is None
    assert result["article"]["title"] == "Flour prices double" and result["article"]["words"] > 40


@pytest.mark.parametrize(("text", "code"), [("", "empty"), ("   \n ", "empty"), ("Too short to be news.", "too_short")])
def test_empty_or_short_text_is_a_clear_user_error(store: Store, settings: Settings, text: str, code: str) -> None:
    with pytest.raises(UserError, match=f"rejected \\({code}\\)"):
        check_document(store, raw_from_text(text), settings)


def test_entities_resolve_to_stored_entities(store: Store, settings: Settings) -> None:
    text = (
        "Prime Minister Haydar al-Zubaydi met Water Resources Minister Laila Hamdan in Baghdad on Monday to "
        "discuss the repair of small dams across the north. Al-Zubaydi said the government would publish a list "
        "of the dams most at risk before the spring rains, and Hamdan promised inspections within a month."
    )
    result = check_document(store, raw_from_text(text, title="Dams on the agenda"), settings)
    by_name = {e["name"]: e for e in result["entities"]}
    pm = next(e for name, e in by_name.items() if "Zubaydi" in name)
    assert pm["type"] == "person" and pm["entity"]["name"] == "Haider al-Zubaidi"
    assert pm["entity"]["articles"] >= 10
    minister = next(e for name, e in by_name.items() if "Hamdan" in name)
    assert minister["entity"]["name"] == "Layla Hamdan"
    assert by_name["Baghdad"]["entity"]["type"] == "place"


def test_new_report_of_a_stored_event_joins_its_story_within_the_window(store: Store, settings: Settings) -> None:
    text = (
        "Engineers from Baghdad reached the broken Tel Harash dam in Duhok province on Thursday, two days after "
        "the earthen wall collapsed and flooded villages in the valley below. Prime Minister Haider al-Zubaidi "
        "has promised compensation for families who lost homes, and Water Resources Minister Layla Hamdan said "
        "the technical committee would report on the cause of the dam failure within a week."
    )
    title = "Engineers reach broken Tel Harash dam"
    result = check_document(store, raw_from_text(text, title=title, published="2026-03-05"), settings)
    assert result["copies"]["matches"] == []
    story = result["story"]
    assert story is not None and story["via"] == "similarity" and story["score"] > settings.story_threshold
    tigris, _, _, _ = _stored(store, TIGRIS)
    members = {
        r[0] for r in store.conn.execute("SELECT article_id FROM story_members WHERE story_id = ?", (story["id"],))
    }
    assert tigris in members
    # months after every stored story went quiet, it starts a story of its own
    later = check_document(store, raw_from_text(text, title=title, published="2026-06-30"), settings)
    assert later["story"] is None


def test_copied_quote_reports_its_first_appearance(store: Store, settings: Settings) -> None:
    first_article = store.conn.execute(
        "SELECT a.id FROM quotes q JOIN articles a ON a.id = q.article_id WHERE q.norm LIKE 'no family will be left%' "
        "ORDER BY a.published_utc LIMIT 1"
    ).fetchone()[0]
    text = (
        "Visiting a relief camp outside Mosul on Sunday, the prime minister repeated the promise he first made "
        "after the dam disaster in the north. “No family will be left to face this water alone,” he told the "
        "families waiting for tents, adding that the first compensation payments would arrive within weeks."
    )
    result = check_document(store, raw_from_text(text, title="A promise repeated"), settings)
    quote = next(q for q in result["quotes"] if q["text"].startswith("No family will be left"))
    assert quote["kind"] == "direct"
    assert quote["first_appearance"]["article"]["id"] == first_article
    assert quote["first_appearance"]["article"]["source"] == "Gulf Wire Service"
    assert quote["appearances"] >= 2
    assert result["copies"]["matches"] == []


def test_stored_url_checks_the_stored_article_and_finds_its_later_copy(store: Store, settings: Settings) -> None:
    ident, _, _, url = _stored(store, TIGRIS)
    assert url
    result = check_document(store, raw_from_stored_url(store, url), settings)
    assert result["stored"]["id"] == ident
    assert result["copies"]["checked_is_earliest"] and result["copies"]["original"] is None
    courier, _, _, _ = _stored(store, COURIER)
    assert [m["article"]["id"] for m in result["copies"]["matches"]] == [courier]
    with pytest.raises(NotFound, match="no stored article has the URL"):
        raw_from_stored_url(store, "https://nowhere.example/never-ingested")


def test_uploaded_html_page_is_checked(store: Store, settings: Settings) -> None:
    _, title, text, _ = _stored(store, TIGRIS)
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    html = (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )
    result = check_document(store, raw_from_html(html, source="Mirror Site"), settings)
    assert result["copies"]["original"]["source"] == "Tigris Daily"


def test_missing_file_is_input_not_found(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(InputNotFound):
        raw_from_path(tmp_path / "nope.txt", settings.max_bytes)
    (tmp_path / "feed.jsonl").write_text("{}\n")
    with pytest.raises(UserError, match="check reads"):
        raw_from_path(tmp_path / "feed.jsonl", settings.max_bytes)


# ---- the command line -----------------------------------------------------------------------------


def test_cli_check_file_json_and_text(demo_db: Path, tmp_path: Path) -> None:
    with open_store(demo_db, create=False) as store:
        path, original = _modified_copy(store, tmp_path)
    result = runner.invoke(app, ["check", str(path), "--db", str(demo_db), "--source", "Test Wire", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["copies"]["original"]["id"] == original and data["article"]["source"] == "Test Wire"
    result = runner.invoke(app, ["check", str(path), "--db", str(demo_db)])
    assert result.exit_code == 0
    assert "Tigris Daily" in result.stdout and "Amedi → Amadi" in result.stdout and "12 → 14" in result.stdout


def test_cli_check_from_stdin(demo_db: Path, store: Store) -> None:
    _, _, text, _ = _stored(store, TIGRIS)
    result = runner.invoke(
        app, ["check", "-", "--db", str(demo_db), "--title", "Pasted", "--json"], input=text.replace("12 ", "13 ")
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["article"]["title"] == "Pasted" and data["copies"]["original"]["source"] == "Tigris Daily"
    html = f"<html><body><article><h1>Pasted page</h1>{''.join(f'<p>{p}</p>' for p in text.split(chr(10) * 2))}"
    result = runner.invoke(app, ["check", "-", "--db", str(demo_db), "--json"], input="  " + html)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["copies"]["original"]["source"] == "Tigris Daily"


def test_cli_check_user_errors_exit_2(demo_db: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "missing.txt"), "--db", str(demo_db)])
    assert result.exit_code == 2 and "no such file" in result.stderr
    result = runner.invoke(app, ["check", "-", "--db", str(demo_db)], input="tiny")
    assert result.exit_code == 2 and "too_short" in result.stderr
    (tmp_path / "a.txt").write_text(UNRELATED)
    result = runner.invoke(app, ["check", str(tmp_path / "a.txt"), "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2 and "no database" in result.stderr
