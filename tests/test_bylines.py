"""Bylines: names split and cleaned, wire agencies credited apart, the outlet kept out, `credited` stored.

Every byline, outlet and person here is made up for these tests.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsgraph.extract import extract_article
from newsgraph.extract.bylines import (
    Byline,
    agency_name,
    credited_in_text,
    page_byline,
    parse_byline,
    read_byline,
    split_authors,
)
from newsgraph.records import Article, Location, RawDocument, SourceHints
from newsgraph.run import ingest_paths
from newsgraph.settings import Settings
from newsgraph.store import read
from newsgraph.store.articles import list_articles
from newsgraph.store.connect import open_store
from newsgraph.store.migrations import MIGRATIONS, apply_migrations
from newsgraph.web.app import create_app

BODY = (
    "The harbour council of Vellmar voted on Tuesday to rebuild the old grain pier, ending a dispute that had "
    "run for eleven years. Councillors said the works would begin in spring and take two seasons. "
    "Fishers who use the pier said they welcomed the decision but wanted a say in the design."
)


# ---- one failure kind each ------------------------------------------------------------------------


def test_roles_and_titles_are_not_names() -> None:
    assert parse_byline("By Mira Castell, Senior Correspondent").authors == ("Mira Castell",)
    assert parse_byline("Chief Political Editor Tomas Brandt").authors == ("Tomas Brandt",)
    assert parse_byline("Ines Varga Staff Writer").authors == ("Ines Varga",)
    assert parse_byline("Jonah Elwood in Port Aster").authors == ("Jonah Elwood",)
    assert parse_byline("Leonie Faber, Redakteurin").authors == ("Leonie Faber",)
    assert parse_byline("Staff Writer").authors == ()
    # a surname that is also a role word stays, and so does a desk byline a role would leave one word of
    assert parse_byline("Tom Head").authors == ("Tom Head",)
    assert parse_byline("Vellmar staff reporter").authors == ("Vellmar staff reporter",)


def test_agencies_are_credited_not_authors() -> None:
    assert parse_byline("By Jane Roe, Staff Writer | Reuters") == Byline(("Jane Roe",), ("Reuters",))
    assert parse_byline("Associated Press") == Byline((), ("AP",))
    assert parse_byline("Pia Lorenz und Karl Stein, Deutsche Presse-Agentur") == Byline(
        ("Pia Lorenz", "Karl Stein"), ("dpa",)
    )
    assert parse_byline("AFP/dpa") == Byline((), ("AFP", "dpa"))
    assert parse_byline("Noor Haddad; mit Material von dpa") == Byline(("Noor Haddad",), ("dpa",))
    assert parse_byline("Par Claire Aubin, avec AFP") == Byline(("Claire Aubin",), ("AFP",))
    assert agency_name("Agence France-Presse") == "AFP" and agency_name("Press Trust of India") == "PTI"
    assert agency_name("Vellmar Post") is None


def test_dates_and_times_are_dropped() -> None:
    assert parse_byline("By Ada Pereira Updated May 3, 2024 10:30 a.m. ET").authors == ("Ada Pereira",)
    assert parse_byline("Ada Pereira, 03.05.2024, 14:20 Uhr").authors == ("Ada Pereira",)
    assert parse_byline("Ada Pereira | 2024-05-03T14:20:00Z").authors == ("Ada Pereira",)
    assert parse_byline("Ada Pereira, Published Tuesday").authors == ("Ada Pereira",)


def test_separators_in_several_languages() -> None:
    assert parse_byline("Ines Varga and Paul Ostrow; Lena Kirsch | Omar Faye / Sara Lind & Teo Brun").authors == (
        "Ines Varga",
        "Paul Ostrow",
        "Lena Kirsch",
        "Omar Faye",
        "Sara Lind",
        "Teo Brun",
    )
    assert parse_byline("Von Anna Feld und Max Rohde").authors == ("Anna Feld", "Max Rohde")
    assert parse_byline("Par Claire Aubin et Luc Morel").authors == ("Claire Aubin", "Luc Morel")
    assert parse_byline("Por Elena Ruiz y Diego Mar").authors == ("Elena Ruiz", "Diego Mar")
    assert parse_byline("di Marco Bellini").authors == ("Marco Bellini",)
    assert parse_byline("Di Marco Bellini").authors == ("Di Marco Bellini",)  # a surname, not the word "by"
    assert parse_byline("Ines Varga; INES VARGA; ines-varga").authors == ("Ines Varga",)
    assert parse_byline("Weekend Von Lena Kirsch").authors == ("Lena Kirsch",)  # a section label, then the byline


def test_emails_links_and_handles_are_dropped() -> None:
    assert parse_byline("Nadia Brook nadia.brook@vellmar-post.example @nadiabrook").authors == ("Nadia Brook",)
    assert parse_byline("https://vellmar-post.example/authors/nadia-brook").authors == ()
    assert parse_byline("Elena Oberfeld (obe)").authors == ("Elena Oberfeld",)


def test_dateline_and_closing_credits_name_agencies() -> None:
    assert credited_in_text(f"KASSEL (Reuters) - {BODY}") == ("Reuters",)
    assert credited_in_text(f"Lyon, 4 mai (AFP/dpa) – {BODY}") == ("AFP", "dpa")
    assert credited_in_text(f"PORT ASTER, May 3 (AP) — {BODY}") == ("AP",)
    assert credited_in_text(f"{BODY}\n\nThe works start in March. — AP") == ("AP",)
    assert credited_in_text(f"{BODY}\n\nDie Arbeiten beginnen im März. (ssi/dpa)") == ("dpa",)
    # parentheses that are not a credit
    assert credited_in_text(f"The Vellmar Harbour Authority (VHA) - {BODY}") == ()
    assert credited_in_text(BODY) == ()
    byline = read_byline(["Mira Castell"], f"KASSEL (Reuters) - {BODY}")
    assert byline == Byline(("Mira Castell",), ("Reuters",))


def test_the_source_is_kept_apart_from_the_authors() -> None:
    assert read_byline(["Mira Castell", "Vellmar Post"], "", "Vellmar Post").authors == ("Mira Castell",)
    assert read_byline(["Mira Castell", "Vellmar Post Media GmbH"], "", "vellmar-post.example").authors == (
        "Mira Castell",
    )
    # a byline that names only the outlet is the outlet's desk, and stays
    assert read_byline(["Vellmar Post"], "", "Vellmar Post").authors == ("Vellmar Post",)
    # an agency's own article does not credit the agency to itself, unless the agency is all it names
    assert read_byline(["Jonah Elwood", "Reuters"], "", "Reuters") == Byline(("Jonah Elwood",), ())
    assert read_byline(["Associated Press"], "", "AP News") == Byline((), ("AP",))


def test_names_given_as_a_list_are_not_split_again() -> None:
    given = ["<b>Ines</b> Varga", "Port Aster / Vellmar desk"]
    assert read_byline(given).authors == tuple(given)
    assert read_byline(["Ines Varga", "Reuters"]) == Byline(("Ines Varga",), ("Reuters",))
    assert split_authors("By Ana Ruiz, Staff Writer, and Tom Hale | AP") == ("Ana Ruiz", "Tom Hale", "AP")


def _page(author_ld: object, meta_author: str = "", body: str = BODY) -> str:
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "Person", "@id": "#noor", "name": "Noor Haddad"},
                {
                    "@type": "NewsArticle",
                    "headline": "Vellmar votes to rebuild its grain pier",
                    "author": author_ld,
                    "image": {"@type": "ImageObject", "author": "Photo Desk"},
                },
            ],
        }
    )
    meta = f'<meta name="author" content="{meta_author}">' if meta_author else ""
    return (
        f"<html><head><title>Vellmar votes to rebuild its grain pier</title>{meta}"
        f'<script type="application/ld+json">{ld}</script></head>'
        f"<body><article><h1>Vellmar votes to rebuild its grain pier</h1><p>{body}</p><p>{BODY}</p></article>"
        "</body></html>"
    )


def test_the_page_byline_prefers_json_ld_people_over_the_publisher() -> None:
    html = _page(
        [{"@type": "Person", "name": "Mira Castell"}, {"@id": "#noor"}, {"@type": "Organization", "name": "AFP"}]
    )
    byline = page_byline(html, "Vellmar Post Media GmbH; Mira Castell", "Vellmar Post", "vellmar-post.example")
    assert byline == Byline(("Mira Castell", "Noor Haddad"), ("AFP",))
    # no JSON-LD people: the byline read from the metadata, without the outlet
    html = _page({"@type": "Organization", "name": "Vellmar Post"})
    assert page_byline(html, "Vellmar Post; Ines Varga", "Vellmar Post").authors == ("Ines Varga",)
    assert page_byline(html, None, "Vellmar Post").authors == ("Vellmar Post",)


def _extracted(html: str, settings: Settings, url: str = "https://vellmar-post.example/2024/05/pier") -> Article:
    raw = RawDocument(location=Location("page.html"), format="html", content=html.encode(), hints=SourceHints(url=url))
    article = extract_article(raw, settings)
    assert isinstance(article, Article)
    return article


def test_an_extracted_article_has_authors_and_credited_agencies(settings: Settings) -> None:
    html = _page([{"@type": "Person", "name": "Mira Castell"}], body=f"KASSEL (Reuters) - {BODY}")
    article = _extracted(html, settings)
    assert article.authors == ("Mira Castell",) and article.credited == ("Reuters",)


def _signed_page(lead: str, tail: str = "", desk: str = "Vellmar Post") -> str:
    """A page whose metadata names only the outlet, and whose body may be signed in bold."""
    return (
        f'<html><head><title>Vellmar votes to rebuild its grain pier</title><meta name="author" content="{desk}">'
        "</head><body><article><h1>Vellmar votes to rebuild its grain pier</h1>"
        f"<p>{lead}</p><p>{BODY}</p><p>{BODY.replace('pier', 'jetty')}</p><p>{tail}</p></article></body></html>"
    )


@pytest.mark.parametrize(
    ("lead", "tail", "authors"),
    [
        ("<strong>Ines Varga/Tomas Kell</strong>", "", ("Ines Varga", "Tomas Kell")),  # signed above the text
        ("", "<b>Mira da Castell</b>", ("Mira da Castell",)),  # signed below it
        ("<strong>MARTA OKONJO</strong>", "", ("MARTA OKONJO",)),
        ("Ines Varga", "", ("Vellmar Post",)),  # not set in bold: a name in the text, not a signature
        ("<strong>Ines</strong> Varga said the vote was close.", "", ("Vellmar Post",)),
        ("<strong>BREAKING NEWS</strong>", "", ("Vellmar Post",)),  # a bold kicker
        ("<strong>Vellmar Harbour Board</strong> <strong>Annual Report</strong>", "", ("Vellmar Post",)),
    ],
)
def test_a_body_signed_in_bold_names_the_authors_when_the_metadata_names_only_the_outlet(
    settings: Settings, lead: str, tail: str, authors: tuple[str, ...]
) -> None:
    assert _extracted(_signed_page(lead, tail), settings).authors == authors


def test_a_signed_body_does_not_override_a_byline_that_names_people(settings: Settings) -> None:
    assert _extracted(_signed_page("<strong>Tomas Kell</strong>", desk="Ines Varga"), settings).authors == (
        "Ines Varga",
    )


def test_an_account_named_after_the_outlet_is_the_outlet() -> None:
    html = _page([{"@type": "Person", "name": "Vellmar P"}])
    assert page_byline(html, None, "Vellmar Post", "vellmar-post.example").authors == ("Vellmar P",)
    signed = page_byline(html, None, "Vellmar Post", "vellmar-post.example", printed=("Staff", "Tomas Kell"))
    assert signed.authors == ("Tomas Kell",)


@pytest.mark.parametrize(
    ("field", "authors"),
    [
        ("<li><strong>Autorin/Autor</strong> Ines Varga</li>", ("Ines Varga",)),
        ("<dl><dt>Author:</dt><dd>Ines Varga, Tomas Kell</dd></dl>", ("Ines Varga", "Tomas Kell")),
        ("<li><strong>Author</strong> Desk, 4 May</li>", ("Vellmar Post",)),  # not names: the outlet stays
        ("", ("Vellmar Post",)),
    ],
)
def test_an_author_field_names_the_authors_when_the_metadata_spells_out_the_outlet(
    settings: Settings, field: str, authors: tuple[str, ...]
) -> None:
    html = (
        '<html><head><title>Vellmar votes to rebuild its grain pier</title><meta name="author" content="Vellmar Post">'
        f"</head><body><article><h1>Vellmar votes to rebuild its grain pier</h1><p>{BODY}</p>"
        f'<p>{BODY.replace("pier", "jetty")}</p></article><div class="details"><ul>{field}</ul></div></body></html>'
    )
    assert _extracted(html, settings, url="https://vp.example/a").authors == authors


# ---- stored, read back, shown ---------------------------------------------------------------------


@pytest.fixture
def wire_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "wire"
    folder.mkdir()
    html = _page([{"@type": "Person", "name": "Mira Castell"}, "AFP"], body=f"KASSEL (Reuters) - {BODY}")
    (folder / "pier.html").write_text(html, encoding="utf-8")
    (folder / "pier.json").write_text(
        json.dumps({"url": "https://vellmar-post.example/2024/05/pier", "source": "Vellmar Post"}), encoding="utf-8"
    )
    return folder


def test_credited_is_stored_and_read_back(db: str, wire_folder: Path, settings: Settings) -> None:
    with open_store(db) as store:
        assert ingest_paths([wire_folder], store, settings).articles == 1
        (ident,) = [row[0] for row in store.conn.execute("SELECT id FROM articles")]
        record = read.article(store, ident)
        assert record is not None
        assert record["authors"] == ["Mira Castell"] and record["credited"] == ["AFP", "Reuters"]
        (item,) = list_articles(store, text=True)["items"]
        assert item["credited"] == ["AFP", "Reuters"]
    with TestClient(create_app(db)) as client:
        assert client.get(f"/api/v1/articles/{ident}").json()["credited"] == ["AFP", "Reuters"]
        page = client.get(f"/articles/{ident}").text
        assert "by Mira Castell" in page and "credited: AFP, Reuters" in page


def test_articles_stored_before_the_column_read_back_with_no_credits() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    names = [name for name, _ in MIGRATIONS]
    apply_migrations(conn, MIGRATIONS[: names.index("0009_credited")])
    conn.execute(
        "INSERT INTO articles (id, title, text, format, location, word_count, raw_hash, extractor, ingested_at) "
        "VALUES ('a1', 'Pier', 'Text', 'text', 'pier.txt', 1, 'h', 'extract.v1', '2024-05-03T00:00:00')"
    )
    assert apply_migrations(conn) == names[names.index("0009_credited") :]
    assert conn.execute("SELECT credited FROM articles WHERE id = 'a1'").fetchone() == ("[]",)


def test_json_ld_read_from_the_parsed_page_is_the_json_ld_of_its_html() -> None:
    from trafilatura.utils import load_html

    from newsgraph.extract.jsonld import block_authors, jsonld_authors, ld_blocks

    article = {"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Orla Venn"}, {"@id": "#desk"}]}
    graph = {"@graph": [{"@id": "#desk", "@type": "Organization", "name": "Harbour Desk"}]}
    html = (
        "<html><head>"
        f'<script type="application/ld+json; charset=utf-8">{json.dumps(article)}</script>'
        '<script type="application/ld+json">{"broken": </script>'
        f'<script type="application/ld+json">{json.dumps(graph)}</script>'
        '<script type="text/javascript">var author = "Nobody";</script>'
        "</head><body><p>Text.</p></body></html>"
    )
    tree = load_html(html)
    assert tree is not None
    assert ld_blocks(tree) == [article, graph]
    assert block_authors(ld_blocks(tree)) == jsonld_authors(html) == [("Orla Venn", True), ("Harbour Desk", False)]
