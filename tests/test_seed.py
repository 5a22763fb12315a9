"""Acceptance on the reference page (a real republished article kept outside the repository)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.enrich.namekeys import normalise_apostrophes


def _analyze(seed: Path) -> dict:
    result = CliRunner().invoke(app, ["analyze", str(seed), "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _by_type(report: dict, kind: str) -> dict[str, dict]:
    return {normalise_apostrophes(e["name"]): e for e in report["entities"] if e["type"] == kind}


def test_seed_source_headline_and_sections(seed_path: Path) -> None:
    report = _analyze(seed_path)
    assert report["source"] == "Baghdadpost"
    assert report["title"] == "Iraqi PM rallies allies to stop US closing embassy"
    assert report["sections"] == ["Iraq News", "Local News"]
    assert report["language"] == "en"
    assert report["paragraphs"] == 10


def test_seed_people_each_once_with_their_aliases(seed_path: Path) -> None:
    report = _analyze(seed_path)
    people = _by_type(report, "person")
    kadhimi = people["Mustafa al-Kadhimi"]
    assert "Khadimi" in kadhimi["aliases"] and kadhimi["count"] == 4
    assert not any(normalise_apostrophes(a).endswith("'s") for a in kadhimi["aliases"])
    assert {"Mike Pompeo", "Qassem Suleimani", "Abu Mahdi al-Muhandis", "Clarisse Pasztory"} <= set(people)
    assert "Pompeo" in people["Mike Pompeo"]["aliases"]
    assert "Trump" in people or "Donald Trump" in people
    # each person once: no alias appears under two entities
    all_aliases = [a for e in report["entities"] for a in e["aliases"]]
    assert len(all_aliases) == len(set(all_aliases))
    assert not {"Khadimi", "Pompeo", "Kadhimi"} & set(people), "short forms are not separate people"


def test_seed_organisation_and_places(seed_path: Path) -> None:
    report = _analyze(seed_path)
    assert "Kata'ib Hezbollah" in _by_type(report, "org")
    places = _by_type(report, "place")
    assert {"Iraq", "Baghdad", "Iran"} <= set(places)
    assert "US" in places or "United States" in places
