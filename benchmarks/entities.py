"""Entity resolution: name matching on opensanctions' labelled pairs, transliteration variants,
and the speed of resolving a large synthetic corpus — each beside a rapidfuzz anchor.

Three parts, one table (rows are prefixed by part):

1. **opensanctions** — `names/opensanctions/checks.yml` (hand-written pairs) and
   `name_bench_cases.csv` (labelled pairs), each alone and the two together. Persons
   (schema `Person` → `person`) and organisations (`Company`, `Organization`, `LegalEntity` →
   `org`) only; other schemas are skipped, and so is a pair where either name has a letter
   outside the Latin script. newsgraph decides `same_entity(parse_name(a, kind),
   parse_name(b, kind))` on the names as written. The anchor is
   `fuzz.token_sort_ratio(a, b, processor=default_process) >= t`, with `t` the threshold that
   gives the best accuracy *on that same data*: the anchor is tuned on the test set, newsgraph
   is not. Accuracy, precision and recall of the match decision; the JSON lists the false
   positives and false negatives by kind as case numbers (checks.yml: 1-based position in
   `checks`; CSV: 1-based data row, header excluded), never names.

2. **variants** — a transliteration-variant set built here from the project's own files: the
   entity families of `examples/corpus/manifest.json` (name, variants, short forms) and the
   families written in `entities_families.py` (`FAMILIES`). Every name goes through what ingest
   does to a group's name (`clean_surface`, and `strip_titles` for persons), becomes a
   `NameRecord`, and all are resolved at once with `resolve_names`. Scored pairwise: a pair of
   names is predicted together when they land in one entity, truly together when they come from
   one family; precision, recall and F1 over those pairs. A name listed by two families (`Haddad` for both
   `Samir` and `Samia Haddad`) is resolved but not scored. Names marked `~` in `FAMILIES` come
   from another romanisation system, a translation or a nickname (`Mao Tse-tung` beside `Mao
   Zedong`); recall is also given separately for pairs that involve one. The anchor clusters the
   same names by `token_sort_ratio >= t` with union-find (same type only), `t` tuned for the
   best F1 on this set.

3. **speed** — a synthetic corpus (`NEWSGRAPH_BENCH_MENTIONS`, default 200,000 mentions: 20 an
   article, entities at 15,000 per 200,000 mentions with Zipf-like frequency, each with 1–4
   spellings; names built from syllable lists in Arabic, Russian and English/African styles,
   plus companies, armed groups and places) is written as `Processed` records through
   `Store.write_batch` (500 a batch) into a fresh SQLite file under the work folder, and then
   `resolve_entities(store)` runs; both timed in one fresh process pinned to one core (so no
   earlier benchmark's memory counts), which is stopped after `SPEED_TIMEOUT` seconds. Peak RSS
   is that process's, sampled with psutil every 0.1 s. The anchor is naive all-pairs clustering with
   `rapidfuzz.process.cdist(token_sort_ratio, workers=1)` + union-find on a 2,000-name sample,
   timed and extrapolated quadratically to the full name count. Pairwise precision and recall
   against the generator's truth are given for both on that sample (and for newsgraph on all
   names).

Each part has a module of its own: `entities_opensanctions.py`, `entities_variants.py` (with the
families in `entities_families.py`) and `entities_speed.py` (with the generator in
`entities_synthetic.py`); `entities_scoring.py` holds the scoring they share. This module
assembles the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT, result, skipped
from benchmarks.entities_opensanctions import opensanctions_part
from benchmarks.entities_speed import speed_part
from benchmarks.entities_variants import variants_part

NAME = "entities"
TITLE = "Entities — name matching (opensanctions), transliteration variants, resolution speed"


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    raw: dict[str, Any] = {}
    opensanctions = opensanctions_part(data_dir)
    if isinstance(opensanctions, str):
        notes.append(f"opensanctions skipped: {opensanctions}")
        raw["opensanctions"] = {"skipped": opensanctions}
    else:
        rows += opensanctions[0]
        notes += opensanctions[1]
        raw["opensanctions"] = opensanctions[2]
    variant_rows, variant_notes, raw["variants"], threshold = variants_part(REPO_ROOT)
    rows += variant_rows
    notes += variant_notes
    speed_rows, speed_notes, raw["speed"] = speed_part(work_dir, threshold)
    rows += speed_rows
    notes += speed_notes
    if not rows:
        return skipped(NAME, TITLE, "nothing to measure")
    return result(NAME, TITLE, ["newsgraph", "rapidfuzz token_sort_ratio anchor"], rows, notes, raw)
