"""The copies benchmark end to end: one edit type's documents written to a fresh SQLite store
(`write_batch` with `fingerprint`), matched with `match_copies`, and the copy groups scored against
the true (original, copy) pairs, origin links included."""

from __future__ import annotations

import contextlib
import itertools
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.copies_cases import Case, Doc
from benchmarks.copies_data import prf


def processed(doc: Doc, print_: Any = None, with_fingerprint: bool = True) -> Any:
    from newsgraph.corpus.copies import fingerprint
    from newsgraph.records import Article, Location, Processed, content_hash

    article = Article(
        id=doc.id,
        location=Location(f"benchmark/copies/{doc.id}"),
        format="text",
        title=doc.title,
        text=doc.text,
        source=doc.source,
        url=None,
        authors=(),
        published=doc.published,
        published_from="hint",
        language=doc.language,
    )
    return Processed(
        location=article.location,
        raw_hash=content_hash("benchmark-copies", doc.id, length=24),
        article=article,
        analysis=None,
        fingerprint=print_ if print_ is not None or not with_fingerprint else fingerprint(doc.text),
    )


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def read_groups(conn: Any) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    members = {str(a): str(g) for a, g in conn.execute("SELECT article_id, group_id FROM copy_members")}
    links = {str(c): str(o) for c, o in conn.execute("SELECT copy_id, original_id FROM copy_links")}
    originals = {str(g): str(o) for g, o in conn.execute("SELECT id, original_id FROM copy_groups")}
    return members, links, originals


def run_store(case: Case, ecb_docs: list[Doc], path: Path) -> dict[str, Any]:
    from newsgraph.store.connect import open_store
    from newsgraph.store.copies import match_copies

    remove_db(path)
    store = open_store(path)
    try:
        started = time.perf_counter()
        store.write_batch([processed(d) for d in [*case.docs, *ecb_docs]])
        written = time.perf_counter()
        report = match_copies(store)
        matched = time.perf_counter()
        members, links, group_original = read_groups(store.conn)
    finally:
        store.close()
        remove_db(path)
    return {
        "members": members,
        "links": links,
        "group_original": group_original,
        "write_s": written - started,
        "match_s": matched - written,
        "match": {k: v for k, v in report.items() if isinstance(v, int | float | str)},
    }


def score_store(case: Case, out: dict[str, Any]) -> dict[str, Any]:
    members, links, group_original = out["members"], out["links"], out["group_original"]
    mine = {d.id for d in case.docs}
    by_group: dict[str, list[str]] = defaultdict(list)
    for article, group in members.items():
        by_group[group].append(article)
    true = set(case.positives)
    detected = [(o, c) for o, c in case.positives if o in members and members.get(o) == members.get(c)]
    predicted = 0
    false_pairs = []
    for group_members in by_group.values():
        for a, b in itertools.combinations(sorted(group_members), 2):
            if a in mine or b in mine:
                predicted += 1
                if (a, b) not in true and (b, a) not in true:
                    false_pairs.append((a, b))
    tp = len(detected)
    found = set(detected)
    precision, recall, f1 = prf(tp, predicted - tp, len(case.positives) - tp)
    return {
        "pairs": len(case.positives),
        "tp": tp,
        "fp": predicted - tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "origin_link": sum(links.get(c) == o for o, c in detected),
        "origin_group": sum(group_original.get(members[c]) == o for o, c in detected),
        "missed": [c for o, c in case.positives if (o, c) not in found],
        "false_pairs": false_pairs[:50],
        "write_s": round(out["write_s"], 3),
        "match_s": round(out["match_s"], 3),
        "match": out["match"],
    }
