"""Stories in the store: online clustering after each ingest, and the story views.

New articles are clustered in publication order. When a batch brings an article older than
some already clustered, clustering is replayed from that article's time: the stories as they
stood then are restored from their earlier members (with the TF-IDF vectors those members were
given), so the result is the same as clustering every article in one pass, in time order —
however the corpus arrived. Only the active window before the replay point is read back.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from newsgraph.corpus.stories import (
    STORIES,
    Story,
    StoryArticle,
    StoryClusterer,
    StorySettings,
    split_story,
    story_order,
    terms,
)
from newsgraph.enrich.namekeys import name_key
from newsgraph.errors import BadQuery, NotFound
from newsgraph.extract.dates import normalise_date, utc_timestamp
from newsgraph.store.base import Store, upsert
from newsgraph.store.cursor import check_limit, decode_cursor, page
from newsgraph.store.entities import find_entities

EVICT_EVERY = 500


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _features(store: Store, ids: set[str]) -> dict[str, StoryArticle]:
    conn = store.conn
    table = store.id_table("story_articles", ids)
    rows = conn.execute(
        f"SELECT id, published_utc, title, text FROM articles WHERE id IN (SELECT id FROM {table})"
    ).fetchall()
    names: dict[str, dict[str, str]] = defaultdict(dict)
    for article, name, kind in conn.execute(
        "SELECT m.article_id, n.name, m.type FROM mentions m JOIN names n ON n.id = m.name_id "
        f"WHERE m.article_id IN (SELECT id FROM {table}) AND m.field = 'text'"
    ):
        key = name_key(name)
        if key:
            names[article].setdefault(key, kind)
    copy_of = dict(
        conn.execute(
            f"SELECT copy_id, original_id FROM copy_links WHERE copy_id IN (SELECT id FROM {table})"
        ).fetchall()
    )
    return {
        ident: StoryArticle(
            ident, _when(published), title, terms(title, text), names.get(ident, {}), copy_of.get(ident)
        )
        for ident, published, title, text in rows
    }


def cluster_stories(store: Store, settings: StorySettings | None = None, full: bool = False) -> dict[str, Any]:
    """Place the articles ingested since the last run into stories (replaying from the oldest)."""
    started = time.perf_counter()
    settings = settings or StorySettings()
    conn = store.conn
    new = {
        r[0]
        for r in conn.execute(
            "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM story_members)"
            if not full
            else "SELECT id FROM articles"
        )
    }
    if not new:
        return {"articles": 0, "stories": 0, "seconds": 0.0}
    replay_from = conn.execute(
        f"SELECT MIN(published_utc) FROM articles WHERE id IN (SELECT id FROM {store.id_table('story_new', new)})"
    ).fetchone()[0]
    if full:
        replay_from = ""
    # everything from the replay point on is placed again
    if replay_from is None:  # only undated articles are new
        replay = new
    else:
        replay = new | {
            r[0]
            for r in conn.execute(
                "SELECT article_id FROM story_members m JOIN articles a ON a.id = m.article_id "
                "WHERE a.published_utc >= ? OR a.published_utc IS NULL",
                (replay_from,),
            )
        }
    clusterer = StoryClusterer(settings, keep_states=True)
    features = _features(store, replay)
    replay_table = store.id_table("story_replay", replay)
    shrunk = {  # the stories the replay takes articles from
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT story_id FROM story_members WHERE article_id IN (SELECT id FROM {replay_table})"
        )
    }
    new_terms = {t for a in features.values() for t in a.terms}
    # every key a replayed article can look up: its terms and its names
    vocabulary = frozenset(new_terms | {"E:" + e for a in features.values() for e in a.entities})
    df_terms = _restore(store, clusterer, replay_table, shrunk, new_terms, settings, vocabulary)
    ordered = sorted(features.values(), key=story_order)
    placed: dict[str, str] = {}
    vectors: dict[str, dict[str, float]] = {}
    for n, article in enumerate(ordered, start=1):
        placed[article.id] = clusterer.add(article, _new_id(article.id))
        vectors[article.id] = clusterer.vectors[article.id]
        if n % EVICT_EVERY == 0:
            clusterer.evict()
    final = {a: clusterer._live(s) for a, s in placed.items()}
    moved = _moved_by_merges(clusterer, final)
    _write(store, clusterer, features, final, moved, replay_table, shrunk, vectors, df_terms)
    return {
        "articles": len(new),
        "replayed": len(replay),
        "stories": len(set(final.values())),
        "seconds": round(time.perf_counter() - started, 2),
        "method": STORIES,
    }


def _moved_by_merges(clusterer: StoryClusterer, final: dict[str, str]) -> dict[str, str]:
    """Earlier members of the stories merged into others during the replay, each with the story it
    is in now (held or evicted); the members of every other story stay where they are."""
    return {
        member: clusterer._live(story.id)
        for story in clusterer.stories.values()
        if story.merged_into is not None
        for member in story.members
        if member not in final
    }


def resplit_stories(store: Store, settings: StorySettings | None = None) -> dict[str, Any]:
    """Maintenance: split stories that have grown over several events (see `split_story`).

    The earliest part keeps the story's id; each other part becomes a story named after its first
    article. Later articles are placed against the parts as they now stand; an ingest that replays
    clustering from before a split (an older article arriving) places the replayed articles afresh.
    """
    started = time.perf_counter()
    settings = settings or StorySettings()
    conn = store.conn
    big = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM stories WHERE articles >= ? ORDER BY id", (settings.split_min_articles,)
        ).fetchall()
    ]
    changed: dict[str, list[list[str]]] = {}
    for story_id in big:
        rows = conn.execute(
            "SELECT m.article_id, v.vector FROM story_members m JOIN articles a ON a.id = m.article_id "
            "JOIN story_vectors v ON v.article_id = m.article_id WHERE m.story_id = ? "
            "ORDER BY a.published_utc IS NULL, a.published_utc, a.id",
            (story_id,),
        ).fetchall()
        copy_of = dict(
            conn.execute(
                "SELECT l.copy_id, l.original_id FROM copy_links l JOIN story_members m ON m.article_id = l.copy_id "
                "WHERE m.story_id = ?",
                (story_id,),
            ).fetchall()
        )
        parts = split_story([r[0] for r in rows], {r[0]: json.loads(r[1]) for r in rows}, copy_of, settings)
        if len(parts) > 1:
            changed[story_id] = parts
    made = []
    with store.transaction():
        for parts in changed.values():
            for part in parts[1:]:
                new_id = _new_id(part[0])
                conn.executemany(
                    "UPDATE story_members SET story_id = ? WHERE article_id = ?", [(new_id, m) for m in part]
                )
                made.append(new_id)
        split = store.id_table("story_split", set(changed) | set(made))
        conn.execute(f"DELETE FROM story_state WHERE story_id IN (SELECT id FROM {split})")  # made again from articles
        _refresh_stories(store, set(changed) | set(made))
    return {
        "checked": len(big),
        "split": sorted(changed),
        "new_stories": sorted(made),
        "seconds": round(time.perf_counter() - started, 2),
        "method": STORIES,
    }


def _new_id(first_article: str) -> str:
    return f"s{first_article[:15]}"


def _restore(
    store: Store,
    clusterer: StoryClusterer,
    table: str,
    shrunk: set[str],
    new_terms: set[str],
    settings: StorySettings,
    vocabulary: frozenset[str] | None = None,
) -> set[str]:
    """The clusterer as it stood just before the replay point; returns the terms whose document
    frequencies it read.

    Those are the terms the replay touches only (the terms of the articles placed again, and the
    terms those were counted for before): the clusterer looks up no others, and `_write` writes
    back just these, so a batch reads and writes its own vocabulary, not the corpus's. `table` holds
    the ids of the articles placed again."""
    conn = store.conn
    counted: Counter[str] = Counter()
    replayed = 0
    for (vector_terms,) in conn.execute(
        f"SELECT terms FROM story_vectors WHERE article_id IN (SELECT id FROM {table})"
    ):
        counted.update(json.loads(vector_terms))
        replayed += 1
    touched = set(new_terms) | set(counted)
    terms_table = store.id_table("story_terms", touched)
    clusterer.df = Counter(
        dict(conn.execute(f"SELECT term, df FROM story_df WHERE term IN (SELECT id FROM {terms_table})").fetchall())
    )
    clusterer.df.subtract(counted)
    clusterer.df = +clusterer.df
    clusterer.seen = conn.execute("SELECT COUNT(*) FROM story_vectors").fetchone()[0] - replayed
    # the newest article clustered before: read down the date index, each article's membership
    # looked up by its id (`IN (SELECT article_id ...)` read every member and sorted their dates)
    newest = conn.execute(
        "SELECT a.published_utc FROM articles a WHERE a.published_utc IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM story_members m WHERE m.article_id = a.id) "
        f"AND a.id NOT IN (SELECT id FROM {table}) ORDER BY a.published_utc DESC LIMIT 1"
    ).fetchone()
    latest = newest[0] if newest else None
    clusterer.latest = _when(latest)
    if latest is None:
        return touched
    since = (datetime.fromisoformat(latest) - timedelta(days=settings.window_days)).isoformat()
    # the window's articles along the date index, then their stories (a join let SQLite read every
    # membership in story order instead, a scan that grows with the corpus)
    active = sorted(
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT story_id FROM story_members WHERE article_id IN "
            f"(SELECT id FROM articles WHERE published_utc >= ?) AND article_id NOT IN (SELECT id FROM {table})",
            (since,),
        )
    )
    if not active:
        return touched
    # a story the replay takes articles from (`shrunk`) is made again from the rest of its
    # articles; any other is put back from its saved sums, whatever its size
    active_table = store.id_table("story_active", active)
    states = dict(
        conn.execute(
            f"SELECT story_id, state FROM story_state WHERE story_id IN (SELECT id FROM {active_table}) AND method = ?",
            (STORIES,),
        ).fetchall()
    )
    # a story put back from its saved sums needs its members' ids only, in no order of theirs (the
    # sums are saved): read along the story index, without looking up each member's article
    members: dict[str, list[str]] = defaultdict(list)
    for story_id, article in conn.execute(
        f"SELECT story_id, article_id FROM story_members WHERE story_id IN (SELECT id FROM {active_table}) "
        f"AND article_id NOT IN (SELECT id FROM {table}) ORDER BY story_id, article_id"
    ):
        members[story_id].append(article)
    for story_id in active:
        if story_id in states and story_id not in shrunk:
            clusterer.restore_state(Story.from_state(story_id, members[story_id], states[story_id]), vocabulary)
    rebuilt = [story_id for story_id in active if story_id not in states or story_id in shrunk]
    if rebuilt:
        _restore_from_articles(store, clusterer, rebuilt, table)
    return touched


def _restore_from_articles(store: Store, clusterer: StoryClusterer, stories: list[str], replay_table: str) -> None:
    """Stories put back from their articles' vectors (those not replayed), in publication order."""
    table = store.id_table("story_rebuilt", stories)
    rows = store.conn.execute(
        "SELECT m.story_id, m.article_id, a.published_utc, v.vector, v.entities FROM story_members m "
        "JOIN articles a ON a.id = m.article_id JOIN story_vectors v ON v.article_id = m.article_id "
        f"WHERE m.story_id IN (SELECT id FROM {table}) AND m.article_id NOT IN (SELECT id FROM {replay_table}) "
        "ORDER BY a.published_utc NULLS FIRST, m.article_id"
    ).fetchall()
    grouped: dict[str, list[tuple[str, str | None, str, str]]] = defaultdict(list)
    for story_id, article, published, vector, entities in rows:
        grouped[story_id].append((article, published, vector, entities))
    for story_id in stories:
        members = grouped.get(story_id)
        if not members:
            continue
        dates = [datetime.fromisoformat(p) for _, p, _, _ in members if p]
        story = Story(story_id, min(dates) if dates else None, max(dates) if dates else None, [m[0] for m in members])
        clusterer.restore(story, [json.loads(m[2]) for m in members], [json.loads(m[3]) for m in members])


def _write(
    store: Store,
    clusterer: StoryClusterer,
    features: dict[str, StoryArticle],
    final: dict[str, str],
    moved: dict[str, str],
    table: str,
    shrunk: set[str],
    vectors: dict[str, dict[str, float]],
    df_terms: set[str],
) -> None:
    conn = store.conn
    with store.transaction():
        touched = set(shrunk)  # the stories of the articles placed again (`table`)
        conn.execute(f"DELETE FROM story_members WHERE article_id IN (SELECT id FROM {table})")
        conn.execute(f"DELETE FROM story_vectors WHERE article_id IN (SELECT id FROM {table})")
        conn.executemany(
            "INSERT INTO story_vectors (article_id, vector, terms, entities) VALUES (?, ?, ?, ?)",
            [
                (
                    a,
                    json.dumps({t: round(v, 6) for t, v in vectors[a].items()}),
                    json.dumps(sorted(features[a].terms)),
                    json.dumps(features[a].entities),
                )
                for a in final
            ],
        )
        conn.executemany(
            upsert("story_members", ("article_id", "story_id"), ("article_id",)),
            [*final.items(), *moved.items()],
        )
        # document frequencies of the terms the replay touched: those restored before the replay point
        # plus the replayed articles' (no other term's changed)
        terms_table = store.id_table("story_terms", df_terms)
        conn.execute(f"DELETE FROM story_df WHERE term IN (SELECT id FROM {terms_table})")
        conn.executemany(
            "INSERT INTO story_df (term, df) VALUES (?, ?)", [(t, n) for t, n in clusterer.df.items() if n > 0]
        )
        states = clusterer.changed_states()
        # with the stories merged away, whose rows go
        touched |= set(final.values()) | set(moved.values()) | set(states)
        _save_states(store, states)
        _refresh_stories(store, touched)


def _save_states(store: Store, states: dict[str, str | None]) -> None:
    """Write the saved sums of stories that changed, and drop those of stories merged away."""
    conn = store.conn
    gone = store.id_table("story_gone", sorted(states))
    conn.execute(f"DELETE FROM story_state WHERE story_id IN (SELECT id FROM {gone})")
    conn.executemany(
        "INSERT INTO story_state (story_id, state, method) VALUES (?, ?, ?)",
        [(story, state, STORIES) for story, state in sorted(states.items()) if state is not None],
    )


def _refresh_stories(store: Store, ids: set[str]) -> None:
    """The stories' rows (label, dates, counts, first article) made again from their members; the
    label names the entities as they are named now (a story left as it was keeps its label)."""
    conn = store.conn
    table = store.id_table("story_touched", ids)
    conn.execute(f"DELETE FROM stories WHERE id IN (SELECT id FROM {table})")
    counts = conn.execute(
        "SELECT m.story_id, COUNT(*), COUNT(DISTINCT s.name), MAX(a.published_utc) FROM story_members m "
        "JOIN articles a ON a.id = m.article_id LEFT JOIN sources s ON s.id = a.source_id "
        f"WHERE m.story_id IN (SELECT id FROM {table}) GROUP BY m.story_id ORDER BY m.story_id"
    ).fetchall()
    for story, articles, sources, last in counts:
        # dated first, then by id: the first is the story's first article (the first by id if none is dated)
        first = conn.execute(
            "SELECT a.id, a.published_utc, s.name, v.vector, a.title FROM story_members m "
            "JOIN articles a ON a.id = m.article_id LEFT JOIN sources s ON s.id = a.source_id "
            "LEFT JOIN story_vectors v ON v.article_id = m.article_id WHERE m.story_id = ? "
            "ORDER BY a.published_utc IS NULL, a.published_utc, a.id LIMIT ?",
            (story, LABEL_ARTICLES),
        ).fetchall()
        first_id, first_published, first_source = first[0][:3]
        conn.execute(
            "INSERT INTO stories (id, label, first_seen, last_update, articles, sources, first_article_id, "
            "first_source, method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (story, _label(store, story, first), first_published, last, articles, sources, first_id, first_source,
             STORIES),
        )  # fmt: skip


LABEL_ARTICLES = 50  # a story is labelled by its first this many articles


def _label(store: Store, story: str, first: list[tuple[Any, ...]]) -> str:
    """The people, organisations and places most of its first articles name, and the headline of
    the most central of those (cosine with the whole story's centroid, from its saved sums). Bounded
    however large the story grows, and the same however its articles arrived. `first`: the story's
    first articles as `_refresh_stories` reads them (id, date, source, vector, title)."""
    conn = store.conn
    vectors = {row[0]: json.loads(row[3]) if row[3] else {} for row in first}
    row = conn.execute("SELECT state FROM story_state WHERE story_id = ?", (story,)).fetchone()
    centroid: Counter[str] = Counter()
    if row:
        centroid.update(json.loads(row[0])["centroid"])
    else:  # saved sums not made yet (a story just split): its first articles'
        for vector in vectors.values():
            centroid.update(vector)
    title = max(first, key=lambda r: (sum(v * centroid[t] for t, v in vectors[r[0]].items()), r[0]))[4]
    table = store.id_table("story_label", vectors)
    top = conn.execute(
        "SELECT e.name, e.type, COUNT(DISTINCT m.article_id) AS n FROM mentions m JOIN names nm ON nm.id = m.name_id "
        f"JOIN entities e ON e.id = nm.entity_id WHERE m.article_id IN (SELECT id FROM {table}) "
        "AND e.type IN ('person', 'org', 'place') GROUP BY e.id ORDER BY n DESC, e.name LIMIT 3"
    ).fetchall()
    names = ", ".join(n for n, _, _ in top)
    return f"{names} — {title}" if names else title


# ---- views ----------------------------------------------------------------------------------------


def _story_conditions(
    store: Store, since: str | None, entity: str | None, flag: str
) -> tuple[list[str], list[Any]] | None:
    """SQL conditions on `s` (stories) for the filters; None when the entity is unknown (nothing matches).
    `flag` names the since option in the error message."""
    where, params = ["1 = 1"], []
    if since:
        day = utc_timestamp(normalise_date(since))
        if not day:
            raise BadQuery(f"{flag} expects a date such as 2026-03-01, got {since!r}")
        where.append("s.last_update >= ?")
        params.append(day)
    if entity:
        found = find_entities(store, entity, limit=1)
        if not found:
            return None
        where.append(
            "s.id IN (SELECT sm.story_id FROM story_members sm JOIN mentions m ON m.article_id = sm.article_id "
            "JOIN names n ON n.id = m.name_id WHERE n.entity_id = ?)"
        )
        params.append(found[0])
    return where, params


def list_stories(
    store: Store, since: str | None = None, entity: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    found = _story_conditions(store, since, entity, "--since")
    if found is None:
        return []
    where, params = found
    rows = store.conn.execute(
        "SELECT s.id FROM stories s WHERE "
        + " AND ".join(where)
        + " ORDER BY s.articles DESC, s.last_update DESC NULLS LAST, s.id LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [story_detail(store, r[0], brief=True) for r in rows]


def story_detail(store: Store, story: str, brief: bool = False) -> dict[str, Any]:
    conn = store.conn
    row = conn.execute(
        "SELECT id, label, first_seen, last_update, articles, sources, first_article_id, first_source FROM stories "
        "WHERE id = ? OR id LIKE ?",
        (story, story.replace("%", "") + "%"),
    ).fetchone()
    if row is None:
        raise NotFound(f"no story {story!r} (see `newsgraph stories`)")
    keys = (
        "id",
        "label",
        "first_seen",
        "last_update",
        "article_count",
        "source_count",
        "first_article",
        "first_source",
    )
    record = dict(zip(keys, row, strict=True))
    members = conn.execute(
        "SELECT a.id, a.location, s.name, a.published, a.published_utc, a.title, l.original_id, a.url "
        "FROM story_members m JOIN articles a ON a.id = m.article_id LEFT JOIN sources s ON s.id = a.source_id "
        "LEFT JOIN copy_links l ON l.copy_id = a.id WHERE m.story_id = ? ORDER BY a.published_utc NULLS FIRST, a.id",
        (record["id"],),
    ).fetchall()
    record["articles"] = [
        {"id": i, "url": url, "title": title, "source": src, "published": pub, "location": loc, "copy_of": orig}
        for i, loc, src, pub, _utc, title, orig, url in members
    ]
    by_id = {a["id"]: {k: v for k, v in a.items() if k != "copy_of"} for a in record["articles"]}
    record["first_article"] = by_id.get(record["first_article"]) or record["first_article"]
    if brief:
        return record
    ids = [m[0] for m in members]
    table = store.id_table("story_view", ids)
    timeline: dict[str, Counter[str]] = defaultdict(Counter)
    for _, _, src, _, utc, _, _, _ in members:
        timeline[(utc or "undated")[:10]][src or "(unknown)"] += 1
    record["timeline"] = [{"day": d, "sources": dict(c)} for d, c in sorted(timeline.items())]
    record["top_entities"] = [
        {"id": i, "name": n, "type": t, "articles": c}
        for i, n, t, c in conn.execute(
            "SELECT e.id, e.name, e.type, COUNT(DISTINCT m.article_id) AS c FROM mentions m "
            f"JOIN names n ON n.id = m.name_id JOIN entities e ON e.id = n.entity_id WHERE m.article_id IN "
            f"(SELECT id FROM {table}) GROUP BY e.id ORDER BY c DESC, e.name LIMIT 10"
        )
    ]
    record["copies"] = [a for a in record["articles"] if a["copy_of"]]
    record["quotes"] = [
        {"text": t, "kind": k, "speaker": e or s, "speaker_entity_id": ei, "role": r, "cluster": c, "article": by_id[a]}
        for t, k, s, e, ei, r, c, a in conn.execute(
            "SELECT q.text, q.kind, q.speaker, en.name, en.id, q.role, q.cluster_id, q.article_id FROM quotes q "
            "LEFT JOIN names n ON n.id = q.speaker_name_id LEFT JOIN entities en ON en.id = n.entity_id "
            f"WHERE q.article_id IN (SELECT id FROM {table}) AND q.kind = 'direct' ORDER BY q.article_id, q.start"
        )
    ]
    return record


def stories_page(
    store: Store, since: str | None = None, entity: str | None = None, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """Stories, latest update first: `{items, next}`, each item a brief story with its articles."""
    check_limit(limit)
    key = decode_cursor(cursor, 2)
    found = _story_conditions(store, since, entity, "since")
    if found is None:
        return {"items": [], "next": None}
    where, params = found
    if key is not None:
        where.append("(COALESCE(s.last_update, '') < ? OR (COALESCE(s.last_update, '') = ? AND s.id < ?))")
        params += [key[0], key[0], key[1]]
    rows = store.conn.execute(
        "SELECT s.id, COALESCE(s.last_update, '') AS k FROM stories s WHERE "
        + " AND ".join(where)
        + " ORDER BY k DESC, s.id DESC LIMIT ?",
        [*params, limit + 1],
    ).fetchall()
    keys = dict(rows)
    items = [story_detail(store, r[0], brief=True) for r in rows]
    return page(items, limit, lambda last: [keys[last["id"]], last["id"]])


def growing_stories(store: Store, days: float = 2.0, limit: int = 10) -> list[dict[str, Any]]:
    """The stories that gained most articles in the last `days` before the newest article stored."""
    latest = store.conn.execute("SELECT MAX(published_utc) FROM articles").fetchone()[0]
    if not latest:
        return []
    start = (datetime.fromisoformat(latest) - timedelta(days=days)).isoformat()
    rows = store.conn.execute(
        "SELECT m.story_id, COUNT(*) AS n FROM story_members m JOIN articles a ON a.id = m.article_id "
        "WHERE a.published_utc >= ? GROUP BY m.story_id ORDER BY n DESC, m.story_id LIMIT ?",
        (start, limit),
    ).fetchall()
    result = []
    for story, recent in rows:
        record = story_detail(store, story, brief=True)
        record["recent_articles"] = recent
        record["recent_days"] = days
        result.append(record)
    return result
