"""The HTTP API and pages in-process over the demo corpus: data, cursors, exports, errors, security."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsgraph.cli import app as cli
from newsgraph.settings import Settings
from newsgraph.store.connect import open_store
from newsgraph.store.copies import find_article
from newsgraph.web.app import create_app

from .conftest import CORPUS

REF_KEYS = {"id", "url", "title", "source", "published"}


@pytest.fixture(scope="module")
def client(demo_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(demo_db))) as test_client:
        yield test_client


@pytest.fixture
def db_copy(demo_db: str, copy_db: Callable[[str], str]) -> str:
    return copy_db(demo_db)


def _in_order(quote: str, passage: str) -> bool:
    words = iter(re.findall(r"\w+", passage))
    return all(any(w == x for x in words) for w in re.findall(r"\w+", quote))


def _republication(demo_db: Path, manifest: dict) -> tuple[str, str, dict]:
    edited = next(c for c in manifest["copies"] if c["changes"]["numbers"])
    with open_store(demo_db) as store:
        copy = find_article(store, str(CORPUS / edited["copy"]))
        original = find_article(store, str(CORPUS / edited["original"]))
    return copy, original, edited


def _all_pages(client: TestClient, path: str, limit: int) -> list[dict]:
    items, cursor = [], None
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        body = client.get(path, params=params).json()
        items += body["items"]
        cursor = body["next"]
        if not cursor:
            return items


def test_article_listing_pages_through_every_article_once(client: TestClient, demo_db: Path) -> None:
    with open_store(demo_db) as store:
        total = store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    items = _all_pages(client, "/api/v1/articles", limit=7)
    assert len(items) == total and len({a["id"] for a in items}) == total
    dates = [a["published"] or "" for a in items]
    assert dates == sorted(dates, reverse=True), "newest first"
    assert all(set(a) >= REF_KEYS for a in items)


def test_cursor_pages_stay_stable_while_articles_arrive(db_copy: Path, settings: Settings, tmp_path: Path) -> None:
    from newsgraph.run import ingest_paths

    with TestClient(create_app(str(db_copy))) as client:
        first = client.get("/api/v1/articles", params={"limit": 10}).json()
        before = [a["id"] for a in _all_pages(client, "/api/v1/articles", limit=10)]
        folder = tmp_path / "new"
        folder.mkdir()
        body = "Flood defences in the fictional town of Kessab Vale were raised overnight by volunteers. " * 4
        for day in (1, 2):  # dated after, and long before, everything stored
            (folder / f"late-{day}.txt").write_text(f"Kessab Vale raises its flood wall, day {day}\n\n{body}")
            (folder / f"late-{day}.json").write_text(
                json.dumps({"published": f"20{30 if day == 1 else 10}-01-0{day}T08:00:00+00:00", "source": "Vale Post"})
            )
        with open_store(db_copy) as store:
            ingest_paths([folder], store, settings)
        rest, cursor = [], first["next"]
        while cursor:
            page = client.get("/api/v1/articles", params={"limit": 10, "cursor": cursor}).json()
            rest += [a["id"] for a in page["items"]]
            cursor = page["next"]
    seen = [a["id"] for a in first["items"]] + rest
    assert len(seen) == len(set(seen)), "no article shown twice"
    assert set(before) <= set(seen), "no stored article skipped"
    assert len(seen) == len(before) + 1, "the one dated before the cursor appears; the newer one sorts before page 1"


def test_filters_narrow_the_listing(client: TestClient, demo_db: Path, manifest: dict) -> None:
    copy, original, edited = _republication(demo_db, manifest)
    by_source = client.get("/api/v1/articles", params={"source": edited["copy_outlet"]}).json()["items"]
    assert by_source and {a["source"] for a in by_source} == {edited["copy_outlet"]}
    copies = client.get("/api/v1/articles", params={"kind": "copy", "limit": 500}).json()["items"]
    assert copy in {a["id"] for a in copies} and original not in {a["id"] for a in copies}
    found = client.get("/api/v1/articles", params={"q": "dam breach"}).json()["items"]
    assert found and all("snippet" in a for a in found)
    zubaidi = client.get("/api/v1/articles", params={"entity": "Haydar al-Zubaydi"}).json()["items"]
    assert zubaidi, "an entity found by another spelling"
    late = client.get("/api/v1/articles", params={"since": "2026-03-20"}).json()["items"]
    assert late and all(a["published"] >= "2026-03-20" for a in late)
    story = client.get("/api/v1/articles/" + copy).json()["story"]["id"]
    in_story = client.get("/api/v1/articles", params={"story": story}).json()["items"]
    assert copy in {a["id"] for a in in_story}


def test_search_has_facets_for_source_entity_type_and_date(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "dam"}).json()
    facets = body["facets"]
    assert facets["total"] >= len(body["items"]) > 0
    assert sum(f["count"] for f in facets["kinds"]) == facets["total"]
    assert sum(f["count"] for f in facets["months"]) == facets["total"]
    assert facets["sources"] and facets["entities"] and facets["types"]
    narrowed = client.get("/api/v1/search", params={"q": "dam", "source": facets["sources"][0]["value"]}).json()
    assert narrowed["facets"]["total"] == facets["sources"][0]["count"]


def test_article_detail_has_offsets_entities_quotes_and_its_original(
    client: TestClient, demo_db: Path, manifest: dict
) -> None:
    copy, original, _ = _republication(demo_db, manifest)
    data = client.get(f"/api/v1/articles/{copy}").json()
    text = data["text"]
    mentions = [m for m in data["mentions"] if m["field"] == "text"]
    assert mentions and all(text[m["start"] : m["end"]] == m["text"] for m in mentions)
    entity = next(m["entity"] for m in mentions if m["entity"])
    assert client.get(f"/api/v1/entities/{entity['id']}").json()["name"] == entity["name"]
    direct = [q for q in data["quotes"] if q["kind"] == "direct"]
    assert direct and all(_in_order(q["text"], text[q["start"] : q["end"]]) for q in direct), (
        "a direct quote is the article's words, in order, within its span (split parts joined)"
    )
    assert data["copy_of"]["original"]["id"] == original
    assert set(data["copy_of"]["original"]) >= REF_KEYS
    diff = client.get(f"/api/v1/articles/{copy}/diff", params={"original": original}).json()
    assert "12 → 21" in diff["summary"]["numbers"]
    marked = [seg for row in diff["rows"] for seg in (row["copy"] or []) if seg[1] == "number"]
    assert any("21" in seg[0] for seg in marked), "the side-by-side rows mark the changed number"
    origin = client.get(f"/api/v1/articles/{original}").json()
    assert copy in {link["copy"]["id"] for link in origin["copied_by"]}


def test_every_article_reference_carries_its_url(client: TestClient, demo_db: Path) -> None:
    stories = client.get("/api/v1/stories", params={"limit": 500}).json()["items"]
    story = client.get(f"/api/v1/stories/{stories[0]['id']}").json()
    refs = story["articles"] + [q["article"] for q in story["quotes"]] + [story["first_article"]]
    quotes = client.get("/api/v1/quotes").json()["items"]
    refs += [a for q in quotes for a in q["appearances"]] + [q["first"] for q in quotes]
    runner = CliRunner()
    for command in (["copies"], ["stories"]):
        out = runner.invoke(cli, [*command, "--db", str(demo_db), "--json"]).stdout
        for line in out.splitlines():
            record = json.loads(line)
            refs += record.get("articles", []) if command == ["stories"] else [record["original"]]
            refs += [link[k] for link in record.get("links", []) for k in ("copy", "original")]
    assert len(refs) > 20
    for ref in refs:
        assert set(ref) >= REF_KEYS, ref
    assert any(ref["url"] for ref in refs)


def test_entities_sources_and_quotes(client: TestClient, manifest: dict) -> None:
    found = client.get("/api/v1/entities", params={"q": "Haydar al-Zubaydi"}).json()["items"]
    assert found and found[0]["type"] == "person"
    detail = client.get(f"/api/v1/entities/{found[0]['id']}").json()
    assert {"aliases", "weeks", "co_mentions", "quotes_by", "quotes_about", "spellings"} <= set(detail)
    assert len(detail["aliases"]) >= 2 and detail["quotes_by"]
    assert all(len(r["by_source"]) == len(detail["spellings"]["sources"]) for r in detail["spellings"]["rows"])
    everyone = _all_pages(client, "/api/v1/entities", limit=9)
    assert len({e["id"] for e in everyone}) == len(everyone)
    sources = client.get("/api/v1/sources").json()["items"]
    copier = next(s for s in sources if s["copies"])
    profile = client.get(f"/api/v1/sources/{copier['name']}").json()
    assert profile["copies_from"] and sum(w["articles"] for w in profile["weeks"]) <= profile["articles"]
    said = client.get("/api/v1/quotes", params={"speaker": "Zubeidi"}).json()["items"]
    assert said and all(q["speaker_entity_id"] == found[0]["id"] for q in said)
    assert client.get("/api/v1/quotes", params={"q": "budget"}).json()["items"]


@pytest.mark.parametrize("path", ["/api/v1/articles", "/api/v1/entities", "/api/v1/quotes", "/api/v1/stories"])
def test_exports_stream_every_row(client: TestClient, path: str) -> None:
    rows = _all_pages(client, path, limit=500)
    jsonl = client.get(path, params={"format": "jsonl"})
    assert jsonl.status_code == 200 and jsonl.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [r["id"] for r in lines] == [r["id"] for r in rows]
    table = list(csv.DictReader(io.StringIO(client.get(path, params={"format": "csv"}).text)))
    assert [r["id"] for r in table] == [r["id"] for r in rows]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/articles?limit=0", 422),
        ("/api/v1/articles?limit=501", 422),
        ("/api/v1/articles?cursor=not-a-cursor", 400),
        ("/api/v1/articles?kind=other", 422),
        ("/api/v1/articles?since=yesterdayish", 400),
        ("/api/v1/articles?q=%22%29%28*", 400),
        ("/api/v1/articles?q=" + "x" * 201, 422),
        ("/api/v1/articles/no-such-article", 404),
        ("/api/v1/stories/no-such-story", 404),
        ("/api/v1/entities/no-such-entity-anywhere", 404),
        ("/api/v1/sources/No Such Outlet", 404),
        ("/api/v1/nothing-here", 404),
    ],
)
def test_bad_requests_get_a_4xx_with_a_json_reason(client: TestClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status and error["message"] and "Traceback" not in response.text


def test_pages_load_escape_and_carry_a_strict_policy(client: TestClient, demo_db: Path, manifest: dict) -> None:
    copy, _, _edited = _republication(demo_db, manifest)
    home = client.get("/")
    assert home.status_code == 200
    policy = home.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    links = set(re.findall(r'href="(/[^"]*)"', home.text))
    assert any(link.startswith("/stories/") for link in links)
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
    article = client.get(f"/articles/{copy}").text
    assert 'class="sxs"' in article and "21" in article and 'class="ent person"' in article
    for page in (home.text, article, client.get("/search?q=dam").text, client.get("/check").text):
        for tag in re.findall(r"<script[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, f"inline script: {tag}"
    missing = client.get("/articles/<script>alert(1)</script>")
    assert missing.status_code == 404 and "<script>alert(1)" not in missing.text


def test_writes_refuse_without_the_token(db_copy: Path) -> None:
    body = {"action": "rename", "a": "Haider al-Zubaidi", "b": "Haidar Zubaidi"}
    with TestClient(create_app(str(db_copy))) as client:
        assert client.post("/api/v1/entities/curate", json=body).status_code == 403
        entity = client.get("/api/v1/entities", params={"q": "Haider al-Zubaidi"}).json()["items"][0]["id"]
        assert "curate" not in client.get(f"/entities/{entity}").text
    with TestClient(create_app(str(db_copy), Settings(db=str(db_copy), api_token="s3cret"))) as client:
        assert client.post("/api/v1/entities/curate", json=body).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert client.post("/api/v1/entities/curate", json=body, headers=wrong).status_code == 401
        right = {"Authorization": "Bearer s3cret"}
        assert client.post("/api/v1/entities/curate", json=body, headers=right).status_code == 200
        renamed = client.get("/api/v1/entities", params={"q": "Haidar Zubaidi"}).json()["items"][0]
        assert renamed["name"] == "Haidar Zubaidi"
        page = client.get(f"/entities/{renamed['id']}")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        form = {"action": "rename", "value": "H. al-Zubaidi", "token": "s3cret", "csrf": token}
        foreign = client.post(
            f"/entities/{renamed['id']}/curate", data=form, headers={"Origin": "https://evil.example"}
        )
        assert foreign.status_code == 403
        forged = client.post(f"/entities/{renamed['id']}/curate", data=form | {"csrf": "x" * 43})
        assert forged.status_code == 403
        done = client.post(f"/entities/{renamed['id']}/curate", data=form, follow_redirects=False)
        assert done.status_code == 303


def test_check_names_the_original_of_an_edited_copy(client: TestClient, demo_db: Path, manifest: dict) -> None:
    _, original, _ = _republication(demo_db, manifest)
    stored = client.get(f"/api/v1/articles/{original}").json()
    text = stored["text"].replace("Duhok", "Dohuk", 1)
    answer = client.post("/api/v1/check", json={"text": text, "title": "Copied report", "source": "Test Wire"})
    assert answer.status_code == 200
    result = answer.json()
    assert original in {m["article"]["id"] for m in result["copies"]["matches"]}
    assert client.post("/api/v1/check", json={}).status_code == 400
    assert client.post("/api/v1/check", json={"text": "too short"}).status_code == 400
    page = client.post("/check", data={"text": text, "title": "Copied report", "source": "Test Wire"})
    assert page.status_code == 200 and stored["title"] in page.text


@pytest.mark.slow
def test_pages_answer_while_an_ingest_writes(db_copy: Path, settings: Settings, tmp_path: Path) -> None:
    from newsgraph.run import ingest_paths

    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS / "text", folder)
    for file in folder.glob("*.txt"):  # new texts: the same reports, edited, so copies and stories are found too
        file.write_text(file.read_text(encoding="utf-8").replace("the ", "this "), encoding="utf-8")
    failures: list[str] = []
    done = threading.Event()

    def write() -> None:
        try:
            with open_store(db_copy) as store:
                ingest_paths([folder], store, settings.replace(commit_every=1))
        finally:
            done.set()

    with TestClient(create_app(str(db_copy))) as client:
        writer = threading.Thread(target=write)
        writer.start()
        answered = 0
        while not done.is_set() and answered < 2_000:
            for path in ("/", "/api/v1/articles", "/search?q=dam", "/api/v1/stories", "/quotes"):
                response = client.get(path)
                answered += 1
                if response.status_code != 200:
                    failures.append(f"{path}: {response.status_code} {response.text[:200]}")
        writer.join()
        assert client.get("/api/v1/stats").json()["articles"] > 0
    assert answered > 5 and not failures
