"""WARC and ARC input: HTML responses become articles, other records are skipped and counted, broken
records become rejections and reading goes on after them."""

from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsgraph.cli import app
from newsgraph.ingest.files import detect_format, list_inputs
from newsgraph.ingest.warc import Skipped, read_warc
from newsgraph.records import RawDocument, Rejection
from newsgraph.run.local import count_documents, ingest_paths
from newsgraph.settings import Settings
from newsgraph.store.base import Store
from newsgraph.store.connect import open_store

from .conftest import CORPUS, FIXTURES, SHARED
from .test_store import snapshot

WARC_DATA = SHARED / "warc"
HARBOUR = (FIXTURES / "html" / "harbour-strike.html").read_bytes()  # dated in its metadata
FOOTBRIDGE = (FIXTURES / "html" / "no-meta.html").read_bytes()  # no date anywhere on the page
CAPTURED = "2026-03-04T10:00:00Z"


def _chunked(data: bytes, size: int = 200) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(data[i : i + size]), data[i : i + size]) for i in range(0, len(data), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def _response(
    writer: WARCWriter, uri: str, body: bytes, status: str = "200 OK", headers: list[tuple[str, str]] | None = None
) -> None:
    http = StatusAndHeaders(status, headers if headers is not None else [("Content-Type", "text/html")], "HTTP/1.1")
    record = writer.create_warc_record(
        uri, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict={"WARC-Date": CAPTURED}
    )
    writer.write_record(record)


def write_crawl(path: Path, compress: bool = True) -> Path:
    """A small crawl: two pages (one sent chunked and gzipped), and the records that are not pages."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=compress)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "newsgraph tests"}))
        request = StatusAndHeaders(
            "GET /2026/03/02/strike HTTP/1.1", [("Host", "herald.example")], is_http_request=True
        )
        writer.write_record(
            writer.create_warc_record(
                "https://herald.example/2026/03/02/strike", "request", payload=io.BytesIO(b""), http_headers=request
            )
        )
        _response(writer, "https://herald.example/2026/03/02/strike", HARBOUR)
        _response(writer, "https://herald.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, headers=[])
        _response(writer, "https://herald.example/missing", b"<html><body>Not found</body></html>", "404 Not Found")
        _response(
            writer,
            "https://gazette.example/local/footbridge",
            _chunked(gzip.compress(FOOTBRIDGE)),
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Transfer-Encoding", "chunked"),
                ("Content-Encoding", "gzip"),
            ],
        )
        _response(
            writer, "https://herald.example/style.css", b"body { color: black }", headers=[("Content-Type", "text/css")]
        )
        writer.write_record(
            writer.create_revisit_record(
                "https://herald.example/2026/03/02/strike",
                "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "https://herald.example/2026/03/02/strike",
                CAPTURED,
            )
        )
    return path


def _outcomes(path: Path, max_bytes: int = 5_000_000) -> list[RawDocument | Rejection | Skipped]:
    return list(read_warc(path, max_bytes))


def _docs(items: list[RawDocument | Rejection | Skipped]) -> list[RawDocument]:
    return [item for item in items if isinstance(item, RawDocument)]


def _rejections(items: list[RawDocument | Rejection | Skipped]) -> list[Rejection]:
    return [item for item in items if isinstance(item, Rejection)]


def _skips(items: list[RawDocument | Rejection | Skipped]) -> Counter[str]:
    return Counter(item.reason for item in items if isinstance(item, Skipped))


# ---- records to documents ---------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False], ids=["warc.gz", "warc"])
def test_html_responses_become_documents_and_the_rest_is_skipped(tmp_path: Path, compress: bool) -> None:
    path = write_crawl(tmp_path / ("crawl.warc.gz" if compress else "crawl.warc"), compress)
    items = _outcomes(path)
    strike, footbridge = _docs(items)
    assert strike.content == HARBOUR and footbridge.content == FOOTBRIDGE, "chunking and gzip are undone"
    assert (strike.hints.url, footbridge.hints.url) == (
        "https://herald.example/2026/03/02/strike",
        "https://gazette.example/local/footbridge",
    )
    assert strike.hints.captured == CAPTURED and strike.hints.published is None
    assert _skips(items) == {"not_response": 2, "not_html": 2, "not_200": 1, "revisit": 1}
    assert _rejections(items) == []
    offsets = [item.location.line for item in items]
    assert offsets[0] == 0 and offsets == sorted(set(offsets)), "each record is known by its byte offset"
    data = path.read_bytes()
    if not compress:
        assert data[strike.location.line :].startswith(b"WARC/1.")
    else:  # the offset of the record's gzip member
        assert gzip.decompress(data[strike.location.line :]).startswith(b"WARC/1.")
    assert str(strike.location) == f"{path}:{strike.location.line}"


def test_ingest_uses_target_uri_and_falls_back_on_the_capture_date(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    path = write_crawl(tmp_path / "crawl.warc.gz")
    summary = ingest_paths([path], store, settings)
    assert (summary.articles, summary.rejected) == (2, 0)
    assert summary.as_dict()["skipped_by_reason"] == {"not_200": 1, "not_html": 2, "not_response": 2, "revisit": 1}
    assert summary.as_dict()["skipped"] == 6 and summary.documents == 2
    rows = store.conn.execute("SELECT url, published, published_from FROM articles ORDER BY url").fetchall()
    assert rows == [
        ("https://gazette.example/local/footbridge", "2026-03-04T10:00:00+00:00", "captured"),
        ("https://herald.example/2026/03/02/strike", "2026-03-02T07:45:00+01:00", "metadata"),
    ], "the page's own date wins; the capture date is only a fallback"


def test_sniffing_size_cap_and_charset(tmp_path: Path) -> None:
    latin = "<html><body><p>Caf\u00e9 cr\u00e8me</p></body></html>".encode("latin-1")
    path = tmp_path / "misc.warc"
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        _response(writer, "https://a.example/untyped", b"  <!DOCTYPE html><html><body>hi</body></html>", headers=[])
        _response(writer, "https://a.example/untyped.bin", b"GIF89a......", headers=[])
        _response(writer, "https://a.example/big", b"<html>" + b"x" * 5000 + b"</html>")
        _response(writer, "https://a.example/latin", latin, headers=[("Content-Type", "text/html; charset=ISO-8859-1")])
    untyped, latin_doc = _docs(_outcomes(path, max_bytes=4000))
    assert untyped.hints.url == "https://a.example/untyped"
    assert latin_doc.content.decode("utf-8") == latin.decode("cp1252"), "the HTTP charset is honoured"
    items = _outcomes(path, max_bytes=4000)
    assert _skips(items) == {"not_html": 1}
    (big,) = _rejections(items)
    assert big.code == "too_large" and big.location.line is not None


def _arc(records: list[tuple[str, bytes]]) -> bytes:
    """An ARC (version 1) file, written by hand: a file description, then `url date length` records."""
    spec = b"1 0 newsgraph tests\nURL IP-address Archive-date Content-type Archive-length\n"
    out = [b"filedesc://test.arc 0.0.0.0 20260304100000 text/plain %d\n%s\n" % (len(spec), spec)]
    for url, block in records:
        out.append(b"%s 192.0.2.1 20260304100000 text/html %d\n%s\n" % (url.encode(), len(block), block))
    return b"".join(out)


@pytest.mark.parametrize("compress", [True, False], ids=["arc.gz", "arc"])
def test_arc_files_are_read_too(tmp_path: Path, compress: bool) -> None:
    page = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + FOOTBRIDGE
    gone = b"HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html></html>"
    data = _arc([("https://gazette.example/local/footbridge", page), ("https://gazette.example/gone", gone)])
    path = tmp_path / ("old.arc.gz" if compress else "old.arc")
    path.write_bytes(gzip.compress(data) if compress else data)
    items = _outcomes(path)
    (doc,) = _docs(items)
    assert doc.content == FOOTBRIDGE and doc.hints.url == "https://gazette.example/local/footbridge"
    assert doc.hints.captured == "2026-03-04T10:00:00Z"
    assert _skips(items) == {"not_response": 1, "not_200": 1} and _rejections(items) == []


# ---- damage ----------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False], ids=["warc.gz", "warc"])
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_record_is_rejected_and_earlier_records_kept(tmp_path: Path, compress: bool, fraction: float) -> None:
    full = write_crawl(tmp_path / ("full.warc.gz" if compress else "full.warc"), compress)
    reference = _outcomes(full)
    second = _docs(reference)[1]
    after = next(item.location.line for item in reference if item.location.line > second.location.line)
    cut = second.location.line + int((after - second.location.line) * fraction)
    path = tmp_path / ("cut.warc.gz" if compress else "cut.warc")
    path.write_bytes(full.read_bytes()[:cut])
    items = _outcomes(path)
    (first,) = _docs(items)
    assert first.content == HARBOUR
    (rejection,) = _rejections(items)
    assert rejection.code == "bad_warc_record" and rejection.location.line == second.location.line
    assert items[-1] == rejection


@pytest.mark.parametrize("compress", [True, False], ids=["warc.gz", "warc"])
def test_cut_anywhere_never_raises_and_keeps_whole_records(tmp_path: Path, compress: bool) -> None:
    data = write_crawl(tmp_path / "full", compress).read_bytes()
    whole = {(d.location.line, d.content) for d in _docs(_outcomes(tmp_path / "full"))}
    path = tmp_path / "cut"
    for cut in range(0, len(data), 53):
        path.write_bytes(data[:cut])
        items = _outcomes(path)
        assert {(d.location.line, d.content) for d in _docs(items)} <= whole
        assert len(_rejections(items)) <= 1


def test_corrupt_gzip_member_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    full = write_crawl(tmp_path / "full.warc.gz")
    reference = _outcomes(full)
    victim = reference[3]  # the PNG response, between the two pages
    data = bytearray(full.read_bytes())
    start = victim.location.line + 20
    data[start : start + 40] = b"\xff" * 40
    path = tmp_path / "corrupt.warc.gz"
    path.write_bytes(bytes(data))
    items = _outcomes(path)
    assert [d.content for d in _docs(items)] == [HARBOUR, FOOTBRIDGE], "the page after the damage is read"
    (rejection,) = _rejections(items)
    assert rejection.code == "bad_warc_record" and rejection.location.line == victim.location.line


def test_wrong_content_length_is_rejected_and_reading_resyncs(tmp_path: Path) -> None:
    full = write_crawl(tmp_path / "full.warc", compress=False)
    reference = _outcomes(full)
    victim = reference[3]
    data = full.read_bytes()
    block = data.index(b"\r\n\r\n", victim.location.line) + 4
    damaged = data[:block] + b"X" * 30 + data[block:]  # the block is now longer than its Content-Length
    path = tmp_path / "damaged.warc"
    path.write_bytes(damaged)
    items = _outcomes(path)
    assert [d.content for d in _docs(items)] == [HARBOUR, FOOTBRIDGE]
    assert [r.location.line for r in _rejections(items)] == [victim.location.line]


def test_gzip_members_that_do_not_match_records_are_read_as_one_stream(tmp_path: Path) -> None:
    plain = write_crawl(tmp_path / "crawl.warc", compress=False).read_bytes()
    whole = tmp_path / "whole.warc.gz"  # one member for the whole file
    whole.write_bytes(gzip.compress(plain))
    split = tmp_path / "split.warc.gz"  # members cut at arbitrary places, not at records
    split.write_bytes(b"".join(gzip.compress(plain[i : i + 700]) for i in range(0, len(plain), 700)))
    for path in (whole, split):
        items = _outcomes(path)
        assert [d.content for d in _docs(items)] == [HARBOUR, FOOTBRIDGE], path.name
        assert _rejections(items) == [] and sum(_skips(items).values()) == 6
        assert len({item.location.line for item in items}) == len(items)


def test_garbage_is_one_rejection_not_a_crash(tmp_path: Path) -> None:
    for name, data in {
        "empty.warc": b"",
        "noise.warc": bytes(range(256)) * 20,
        "noise.warc.gz": b"\x1f\x8b\x08" + bytes(range(256)) * 20,
        "text.arc": b"just some words\n" * 50,
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        items = _outcomes(path)
        assert all(isinstance(item, Rejection) for item in items) and len(items) <= 1, name
        assert (len(items) == 1) == bool(data)


# ---- wiring: formats, folders, progress, resume, CLI -----------------------------------------------


def test_warc_and_arc_files_are_inputs_in_folder_order(tmp_path: Path) -> None:
    for name in ("b.warc.gz", "a.arc", "c.warc", "d.arc.gz", "notes.txt.bak", "e.warc.gz.bad"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in list_inputs([tmp_path])] == ["a.arc", "b.warc.gz", "c.warc", "d.arc.gz"]
    assert detect_format(tmp_path / "x.WARC.GZ") == "warc" and detect_format(tmp_path / "x.html") == "html"
    assert count_documents([tmp_path / "a.html", tmp_path / "b.html"]) == 2
    assert count_documents([tmp_path / "a.html", tmp_path / "b.warc.gz"]) is None, "no total for a crawl"


def _corpus_crawl(path: Path, count: int) -> Path:
    pages = sorted(p for p in (CORPUS / "html").iterdir() if p.name.endswith((".html", ".html.gz")))[:count]
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for page in pages:
            body = gzip.decompress(page.read_bytes()) if page.suffix == ".gz" else page.read_bytes()
            _response(writer, f"https://corpus.example/{page.name.split('.')[0]}", body)
    return path


def test_interrupted_ingest_resumes_without_loss_or_duplicates(
    tmp_path: Path, settings: Settings, new_db: Callable[[str], str]
) -> None:
    crawl = _corpus_crawl(tmp_path / "crawl.warc.gz", 8)
    settings = settings.replace(commit_every=2, chunk_size=1)
    with open_store(new_db("clean")) as clean:
        assert ingest_paths([crawl], clean, settings).articles == 8
        expected = snapshot(clean)

    seen = 0

    def stop_after_three(n: int) -> None:
        nonlocal seen
        seen += n
        if seen >= 3:
            raise KeyboardInterrupt

    with open_store(new_db("resumed")) as resumed:
        first = ingest_paths([crawl], resumed, settings, progress=stop_after_three)
        assert first.interrupted and 0 < first.articles < 8
        second = ingest_paths([crawl], resumed, settings)
        assert not second.interrupted
        assert second.already_done == first.articles and second.articles == 8 - first.articles
        assert snapshot(resumed) == expected


def test_cli_ingest_reports_articles_skipped_and_rejections(tmp_path: Path, new_db: Callable[[str], str]) -> None:
    crawl = write_crawl(tmp_path / "crawl.warc.gz")
    broken = tmp_path / "broken.warc"
    data = write_crawl(tmp_path / "plain.warc", compress=False).read_bytes()
    broken.write_bytes(data[: len(data) - 100])  # the last record (the revisit) loses its end
    db = new_db("cli")
    result = CliRunner().invoke(app, ["ingest", str(crawl), str(broken), "--db", db, "--processes", "1", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["articles"], summary["duplicates"]) == (2, 2)
    assert summary["skipped"] == 11 and summary["skipped_by_reason"]["revisit"] == 1
    assert summary["rejections_by_code"] == {"bad_warc_record": 1}


# ---- the shared test files (warcio's and the UK Web Archive's, broken ones included) --------------------

# file → (documents, skipped, rejections) from read_warc
SHARED_EXPECTED = {
    "ukwa-webarchive-test-suite/small-arcs-and-warcs/IAH-20080430204825-00000-blackbook-truncated.arc": (2, 7, 0),
    "ukwa-webarchive-test-suite/small-arcs-and-warcs/IAH-20080430204825-00000-blackbook-truncated.arc.gz": (2, 7, 0),
    "ukwa-webarchive-test-suite/small-arcs-and-warcs/IAH-20080430204825-00000-blackbook-truncated.warc": (2, 21, 0),
    "ukwa-webarchive-test-suite/small-arcs-and-warcs/IAH-20080430204825-00000-blackbook-truncated.warc.gz": (2, 21, 0),
    "ukwa-webarchive-test-suite/small-arcs-and-warcs/IAH-urls-wget.warc.gz": (2, 34, 0),
    "ukwa-webarchive-test-suite/wikipedia-sopa-blackout-2012/wikipedia-blackout/sopa-wikipedia-homepage.warc.gz": (
        1,
        163,
        0,
    ),
    "ukwa-webarchive-test-suite/wikipedia-sopa-blackout-2012/wikipedia-post-blackout/main-page.warc.gz": (1, 150, 0),
    "ukwa-webarchive-test-suite/wikipedia-sopa-blackout-2012/wikipedia-post-blackout/post-blackout.warc.gz": (
        1,
        116,
        0,
    ),
    "warcio/test/data/bad.arc": (0, 1, 3),
    "warcio/test/data/example-bad-non-chunked.warc.gz": (1, 5, 0),
    "warcio/test/data/example-bad.warc.gz.bad": (1, 5, 0),
    "warcio/test/data/example-digest.warc": (0, 4, 0),
    "warcio/test/data/example-iana.org-chunked.warc": (1, 2, 0),
    "warcio/test/data/example-resource.warc.gz": (0, 3, 0),
    "warcio/test/data/example-space-in-target-uri.warc.gz": (0, 2, 0),
    "warcio/test/data/example-space-in-url.arc": (0, 1, 1),
    "warcio/test/data/example-trunc.warc": (0, 3, 1),
    "warcio/test/data/example-wget-bad-target-uri.warc.gz": (1, 5, 0),
    "warcio/test/data/example-wrong-chunks.warc.gz": (1, 1, 0),
    "warcio/test/data/example.arc": (1, 1, 0),
    "warcio/test/data/example.arc.gz": (1, 1, 0),
    "warcio/test/data/example.warc": (1, 5, 0),
    "warcio/test/data/example.warc.gz": (1, 5, 0),
    "warcio/test/data/post-test.warc.gz": (0, 6, 0),
}


def _shared(name: str) -> Path:
    path = WARC_DATA / name
    if not path.is_file():
        pytest.skip(f"shared WARC file not present at {path}")
    return path


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(SHARED_EXPECTED))
def test_shared_file_reads_to_the_end(name: str) -> None:
    items = _outcomes(_shared(name))
    counts = (len(_docs(items)), sum(_skips(items).values()), len(_rejections(items)))
    assert counts == SHARED_EXPECTED[name]
    assert all(r.code == "bad_warc_record" for r in _rejections(items))


@pytest.mark.shared
def test_shared_broken_files_say_where() -> None:
    trunc = _outcomes(_shared("warcio/test/data/example-trunc.warc"))
    (rejection,) = _rejections(trunc)  # the response's Content-Length stops short of its gzip body's end
    assert rejection.location.line == 1197 and "Content-Length" in rejection.reason
    assert [s.location.line for s in trunc if isinstance(s, Skipped)][-1] > 1197, "the request after it is read"
    bad_arc = _outcomes(_shared("warcio/test/data/bad.arc"))
    assert [r.reason for r in _rejections(bad_arc)][-1] == "record has an invalid Content-Length: 'abc'"
    (page,) = _docs(_outcomes(_shared("warcio/test/data/example-wrong-chunks.warc.gz")))  # a record over 2 members
    assert page.hints.url == "http://example.com/" and b"Example Domain" in page.content
    (page,) = _docs(_outcomes(_shared("warcio/test/data/example-bad-non-chunked.warc.gz")))  # one member, 6 records
    assert page.location.line > 0 and page.hints.captured == "2017-03-06T04:02:06Z"


@pytest.mark.shared
def test_shared_files_ingest_to_completion(tmp_path: Path, settings: Settings) -> None:
    files = [_shared(name) for name in sorted(SHARED_EXPECTED) if not name.endswith(".bad")]
    with open_store(tmp_path / "shared.db") as store:
        summary = ingest_paths(files, store, settings.replace(commit_every=16))
    assert (summary.documents, summary.skipped, summary.rejections["bad_warc_record"]) == (26, 564, 5)
    assert summary.articles + summary.duplicates + summary.rejected - 5 == 21, "each page has one outcome"
    assert summary.articles >= 6, "the archive.org, iana.org, wikipedia and example.com pages"
