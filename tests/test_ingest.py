"""Reading files and folders into raw documents, and the rejections for what cannot be read."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from newsgraph.errors import InputNotFound
from newsgraph.ingest import iter_inputs
from newsgraph.records import RawDocument, Rejection

from .conftest import FIXTURES


def test_walks_folders_in_order_and_reads_sidecars() -> None:
    items = list(iter_inputs([FIXTURES]))
    docs = [i for i in items if isinstance(i, RawDocument)]
    paths = [Path(d.location.path).name for d in docs]
    # sidecar .json files are not inputs of their own
    assert "no-meta.json" not in paths and "ministry.json" not in paths
    by_name = {Path(d.location.path).name: d for d in docs if d.location.line is None}
    assert by_name["no-meta.html"].hints.source == "Lindhaven Gazette"
    assert by_name["no-meta.html"].hints.published == "2026-03-03T18:30:00Z"
    assert by_name["ministry.txt"].format == "text"
    assert by_name["harbour-strike.html"].format == "html"
    assert items == list(iter_inputs([FIXTURES])), "the walk order is stable"


def test_jsonl_keeps_line_numbers_and_rejects_bad_lines() -> None:
    items = list(iter_inputs([FIXTURES / "jsonl" / "wire.jsonl"]))
    assert [i.location.line for i in items] == [1, 2, 3, 4]
    first, second, broken, empty = items
    assert isinstance(first, RawDocument) and first.format == "jsonl"
    assert first.hints.source == "Gulf Wire Service" and first.hints.authors == ("Samira Nasser",)
    assert isinstance(second, RawDocument) and second.format == "html"
    assert isinstance(broken, Rejection) and broken.code == "bad_json"
    assert isinstance(empty, Rejection) and empty.code == "missing_field"
    assert "neither" in empty.reason


def test_gzip_pages_and_size_cap(tmp_path: Path) -> None:
    page = (FIXTURES / "html" / "harbour-strike.html").read_bytes()
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(page))
    (tmp_path / "big.html").write_bytes(b"<p>" + b"x" * 5000 + b"</p>")
    items = {Path(i.location.path).name: i for i in iter_inputs([tmp_path], max_bytes=len(page) + 10)}
    assert isinstance(items["page.html.gz"], RawDocument) and items["page.html.gz"].content == page
    big = items["big.html"]
    assert isinstance(big, Rejection) and big.code == "too_large"
    small_cap = list(iter_inputs([tmp_path / "page.html.gz"], max_bytes=100))
    assert isinstance(small_cap[0], Rejection) and small_cap[0].code == "too_large"


def test_broken_gzip_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "broken.html.gz").write_bytes(gzip.compress(b"<html>" * 100)[:30])
    (item,) = iter_inputs([tmp_path])
    assert isinstance(item, Rejection) and item.code == "unreadable"


def test_missing_path_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound, match="no such file"):
        list(iter_inputs([tmp_path / "nope"]))


def test_named_file_of_unknown_format_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b\n")
    (item,) = iter_inputs([tmp_path / "data.csv"])
    assert isinstance(item, Rejection) and item.code == "unsupported_format"
    assert list(iter_inputs([tmp_path])) == [], "unknown formats inside folders are passed over"
