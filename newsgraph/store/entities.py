"""Entities in the store: running resolution over the names an ingest touched, curation rules,
and the entity views (listing, lookup by any spelling, detail).

Resolution is incremental: only the groups of names a batch touches are resolved again
(`store/entity_region.py` says which). Because `corpus.entities.resolve_names` depends only on the
names it is given and the keys too large to compare (counted over the whole store), this gives the
same entities as resolving the whole corpus at once. Within those groups, only the pairs with a
name that is new or has changed are judged again: the store keeps the pairs each resolution acted
on (`name_edges`, `corpus.entities.Judged`). And an entity whose names have not moved keeps its
stored row.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from rapidfuzz import fuzz, process

from newsgraph.corpus.entities import (
    RESOLUTION,
    Judged,
    NameRecord,
    Resolution,
    Rule,
    name_id,
    name_index_keys,
    name_norm,
    preferred_name,
    resolve_names,
    settle_weak_types,
)
from newsgraph.corpus.entity_groups import name_groups
from newsgraph.enrich.namekeys import clean_surface, normalise_apostrophes, strip_titles
from newsgraph.errors import NotFound, UserError
from newsgraph.store.base import Store, chunks, upsert
from newsgraph.store.cursor import check_limit, decode_cursor, page
from newsgraph.store.entity_region import (
    StoredName,
    edges_kept,
    incremental_region,
    name_records,
    oversized_overall,
    record_edges,
    record_oversized,
    rekey,
    stored_edges,
    stored_names,
)
from newsgraph.store.refs import article_refs

CURATION_ACTIONS = ("merge", "split", "rename")
# `resolve_names` (records, rules, oversized keys), or one run elsewhere
Resolver = Callable[[Iterable[NameRecord], Iterable[Rule], frozenset[str]], Resolution]


def _rules(store: Store) -> list[Rule]:
    return [Rule(a, x, y) for a, x, y in store.conn.execute("SELECT action, a, b FROM curation ORDER BY id")]


def _context(store: Store, ids: list[str]) -> dict[str, frozenset[str]]:
    """For each name, the other names mentioned in the same articles. In two reads, each along an
    index (a name's articles, then each article's names) and joined here: one self-join of the
    mentions made the database sort every co-mention pair, several times slower."""
    articles: dict[str, list[str]] = defaultdict(list)
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        for ident, article in store.conn.execute(
            f"SELECT DISTINCT name_id, article_id FROM mentions WHERE name_id IN ({marks})", chunk
        ):
            articles[ident].append(article)
    names_in: dict[str, frozenset[str]] = {}
    # the database gathers each article's names into one array: reading a row a mention was most of
    # the lookup's cost
    names = store.dialect.names_json("DISTINCT name_id")
    for chunk in chunks(sorted({a for found in articles.values() for a in found})):
        marks = ",".join("?" * len(chunk))
        for article, found in store.conn.execute(
            f"SELECT article_id, {names} FROM mentions WHERE article_id IN ({marks}) GROUP BY article_id", chunk
        ):
            names_in[article] = frozenset(json.loads(found))
    context = {}
    for ident in ids:
        found = set().union(*(names_in[a] for a in articles.get(ident, ())))
        found.discard(ident)
        context[ident] = frozenset(found)
    return context


def resolve_entities(
    store: Store, full: bool = False, resolver: Resolver | None = None, workers: int = 1
) -> dict[str, Any]:
    """Resolve the names new articles touched (or, with `full`, every name) into entities.
    `resolver` resolves the records elsewhere (on a cluster) instead of in groups here; `workers`
    processes may share the finding of what a batch touches."""
    started = time.perf_counter()
    found = None if rekey(store) or full or not edges_kept(store) else incremental_region(store, workers)
    if found is None:
        region = [row[0] for row in store.conn.execute("SELECT id FROM names ORDER BY id")]
        oversized = grown = oversized_overall(store)
    else:
        region, oversized, grown = sorted(found.names), found.oversized, found.grown
    if not region:
        return {"names": 0, "entities": 0, "seconds": 0.0}
    if found is None:
        table = store.id_table("region", region)
        stored = stored_names(store, table)
        records = settle_weak_types(name_records(store, region))
    else:
        table, stored, records = found.table, found.stored, found.records
    persons = {r.id for r in records if r.type == "person" and len(r.text.split()) <= 2}  # co-mentions kept
    rules = _rules(store)
    if resolver is None:  # co-mentions looked up for the names that need them only
        judged = None
        if found is not None:  # the pairs judged before need not be judged again
            fresh = frozenset(
                r.id for r in records if r.id in found.moved or stored[r.id].dirty or stored[r.id].type != r.type
            )
            judged = Judged(fresh, stored_edges(store, table))
        resolution = resolve_names(
            records,
            rules,
            oversized,
            context_of=lambda ids: _context(store, [i for i in ids if i in persons]),
            judged=judged,
        )
    else:  # a resolver elsewhere cannot ask the store
        context = _context(store, sorted(persons)) if persons else {}
        records = [NameRecord(r.id, r.text, r.type, r.articles, context.get(r.id, frozenset())) for r in records]
        resolution = resolver(records, rules, oversized)
    if any(r.id not in resolution.group_of for r in records):  # a resolver that does not say
        groups = name_groups(records, rules, oversized=oversized)
        resolution.group_of = {r.id: min(x.id for x in group) for group in groups for r in group}
    _write_resolution(store, (region, table, stored), records, resolution, grown, full=found is None)
    return {
        "names": len(region),
        "entities": len(resolution.members),
        "unresolved": len(resolution.unresolved),
        "seconds": round(time.perf_counter() - started, 2),
    }


Stored = dict[str, StoredName]


def _write_resolution(
    store: Store,
    region: tuple[list[str], str, Stored],
    records: list[NameRecord],
    resolution: Resolution,
    grown: frozenset[str],
    full: bool,
) -> None:
    """Store the resolution of these names (their ids, the temporary table holding them, and their
    resolution as stored). A full one rewrites every entity; after a batch, an entity whose names,
    their types and mentions, and its unresolved mark are all as stored is left as it is (most of a
    region's entities: only the batch's names and their neighbours move)."""
    conn = store.conn
    ids, table, stored = region
    by_id = {r.id: r for r in records}
    types = {r.id: r.type for r in records}
    old_members: dict[str, set[str]] = defaultdict(set)
    for ident, name in stored.items():
        if name.entity is not None:
            old_members[name.entity].add(ident)
    old_unresolved = dict(
        conn.execute(
            "SELECT id, unresolved FROM entities WHERE id IN "
            f"(SELECT entity_id FROM names WHERE id IN (SELECT id FROM {table}))"
        ).fetchall()
    )

    def unresolved(members: list[str]) -> int:
        return int(all(m in resolution.unresolved for m in members))

    kept = set()
    if not full:
        kept = {
            entity
            for entity, members in resolution.members.items()
            if old_members.get(entity) == set(members)
            and old_unresolved.get(entity) == unresolved(members)
            and all(not stored[m].dirty and stored[m].type == types[m] for m in members)
        }
    changed = [
        (resolution.entity_of[i], resolution.group_of[i], types[i], i)
        for i in ids
        if stored.get(i) != StoredName(resolution.entity_of[i], resolution.group_of[i], types[i], False)
    ]
    with store.transaction():
        record_oversized(store, grown, full)
        record_edges(store, table, resolution.acting, full)
        conn.executemany(
            "UPDATE names SET entity_id = ?, group_id = ?, resolved_type = ?, dirty = 0 WHERE id = ?", changed
        )
        for chunk in chunks(sorted(set(old_members) - kept)):
            marks = ",".join("?" * len(chunk))
            conn.execute(f"DELETE FROM entities WHERE id IN ({marks})", chunk)
        written = {entity: members for entity, members in resolution.members.items() if entity not in kept}
        counted = _mention_counts(store, written)
        columns = ("id", "type", "name", "article_count", "mention_count", "first_seen", "last_seen", "unresolved")
        conn.executemany(
            upsert("entities", (*columns, "method"), ("id",)),
            [_entity_values(e, [by_id[m] for m in members], resolution, counted[e]) for e, members in written.items()],
        )


Counts = tuple[int, int, str | None, str | None]  # articles, mentions, first and last publication


def _mention_counts(store: Store, entities: dict[str, list[str]]) -> dict[str, Counts]:
    """Each entity's articles, mentions and first and last publication, over its names' mentions.

    The mentions come along the name index alone, as (name, article, count) rows; the publication
    times are then read once an article however many of the entities it names. Reading an article's
    time reads its row (past its text, in overflow pages): looked up again for each entity that
    names it, as a join per entity did, it was most of the cost of writing a large store's batch.
    Entities are taken in parts of about `ENTITY_PART_NAMES` names, and the times kept for up to
    `DATES_KEPT` articles, so a whole store's resolution holds a part at a time."""
    conn = store.conn
    dates: dict[str, str | None] = {}
    out: dict[str, Counts] = {}
    for part in _parts(entities):
        pairs: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for chunk in chunks(sorted({n for e in part for n in entities[e]})):
            marks = ",".join("?" * len(chunk))
            for name, article, count in conn.execute(
                f"SELECT name_id, article_id, COUNT(*) FROM mentions WHERE name_id IN ({marks}) "
                "GROUP BY name_id, article_id",
                chunk,
            ):
                pairs[name].append((article, count))
        if len(dates) > DATES_KEPT:
            dates.clear()
        unread = sorted({a for e in part for n in entities[e] for a, _ in pairs[n]} - dates.keys())
        for chunk in chunks(unread):
            marks = ",".join("?" * len(chunk))
            dates.update(conn.execute(f"SELECT id, published_utc FROM articles WHERE id IN ({marks})", chunk))
        for entity in part:
            articles: set[str] = set()
            mentions = 0
            for name in entities[entity]:
                for article, count in pairs[name]:
                    if article in dates:  # a mention counts with its stored article, as the join did
                        articles.add(article)
                        mentions += count
            times = [t for t in (dates[a] for a in articles) if t is not None]
            out[entity] = (len(articles), mentions, min(times, default=None), max(times, default=None))
    return out


ENTITY_PART_NAMES = 20_000
DATES_KEPT = 500_000


def _parts(entities: dict[str, list[str]]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    size = 0
    for entity, names in entities.items():
        if size and size + len(names) > ENTITY_PART_NAMES:
            parts.append([])
            size = 0
        parts[-1].append(entity)
        size += len(names)
    return parts


def _entity_values(entity: str, members: list[NameRecord], resolution: Resolution, counts: Counts) -> tuple[Any, ...]:
    """An entity's row: its type by its names' articles, its name, counts and unresolved mark."""
    votes: Counter[str] = Counter()
    for member in members:
        votes[member.type] += member.articles
    kind = max(sorted(votes), key=lambda k: votes[k])
    name = resolution.renamed.get(entity) or preferred_name((m.text, m.articles) for m in members)
    unresolved = int(all(m.id in resolution.unresolved for m in members))
    return (entity, kind, name, *counts, unresolved, RESOLUTION)


# ---- curation -------------------------------------------------------------------------------------


def add_rule(store: Store, action: str, a: str, b: str = "") -> dict[str, Any]:
    """Record a curation rule and re-resolve the names it touches. Rules last: every run applies them."""
    if action not in CURATION_ACTIONS:
        raise UserError(f"unknown curation action {action!r}; use one of {', '.join(CURATION_ACTIONS)}")
    names = [a, b] if action == "merge" else [a]
    for value in names:
        if store.conn.execute("SELECT 1 FROM names WHERE id = ?", (name_id(value),)).fetchone() is None:
            raise NotFound(f"no name {value!r} in the corpus (use the exact spelling `newsgraph entity` lists)")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO curation (action, a, b, created_at) VALUES (?, ?, ?, ?)",
            (action, a, b, datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
        )
        for value in names:
            ident = name_id(value)
            conn.execute("UPDATE names SET dirty = 1 WHERE id = ?", (ident,))
            conn.execute(
                "UPDATE names SET dirty = 1 WHERE entity_id = (SELECT entity_id FROM names WHERE id = ?)", (ident,)
            )
    return resolve_entities(store)


def curate_entity(store: Store, entity: str, action: str, value: str) -> dict[str, Any]:
    """A curation rule for the entity with this id (as the entity pages offer it): its most used
    corpus spelling stands for it. Returns the resolution and the id to show next."""
    row = store.conn.execute(
        "SELECT n.name FROM names n WHERE n.entity_id = ? "
        "ORDER BY (SELECT COUNT(*) FROM mentions m WHERE m.name_id = n.id) DESC, n.name LIMIT 1",
        (entity,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no entity {entity!r}")
    result = add_rule(store, action, row[0], value)
    shown = find_entities(store, value if action == "split" else row[0], limit=1)
    return result | {"entity": shown[0] if shown else entity}


def entity_for_name(store: Store, text: str) -> str | None:
    row = store.conn.execute("SELECT entity_id FROM names WHERE id = ?", (name_id(text),)).fetchone()
    return row[0] if row and row[0] else None


# ---- views ----------------------------------------------------------------------------------------


def _aliases(store: Store, entity: str, sources: bool = True) -> list[dict[str, Any]]:
    """Every form the corpus used for the entity, with counts and (with `sources`) the sources that used it."""
    row = store.conn.execute("SELECT type FROM entities WHERE id = ?", (entity,)).fetchone()
    person = bool(row) and row[0] == "person"
    counts: Counter[str] = Counter()
    forms: dict[str, str] = {}
    used_by: dict[str, set[str]] = defaultdict(set)
    if sources:
        rows = store.conn.execute(
            "SELECT m.text, s.name, COUNT(*) FROM names n JOIN mentions m ON m.name_id = n.id "
            "JOIN articles a ON a.id = m.article_id LEFT JOIN sources s ON s.id = a.source_id "
            "WHERE n.entity_id = ? GROUP BY m.text, s.name",
            (entity,),
        )
    else:
        rows = store.conn.execute(
            "SELECT m.text, NULL, COUNT(*) FROM names n JOIN mentions m ON m.name_id = n.id "
            "WHERE n.entity_id = ? GROUP BY m.text",
            (entity,),
        )
    cleaned: dict[str, str] = {}
    for text, source, count in rows:
        if text not in cleaned:
            cleaned[text] = strip_titles(clean_surface(text)) if person else clean_surface(text)
        form = cleaned[text]
        key = name_norm(form)
        forms.setdefault(key, form)
        counts[key] += count
        if source:
            used_by[key].add(source)
    return [
        {"name": forms[key], "count": count, "sources": sorted(used_by[key])}
        for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], forms[kv[0]]))
    ]


def _entity_row(store: Store, entity: str) -> dict[str, Any] | None:
    row = store.conn.execute(
        "SELECT id, name, type, article_count, mention_count, first_seen, last_seen, unresolved FROM entities "
        "WHERE id = ?",
        (entity,),
    ).fetchone()
    if row is None:
        return None
    keys = ("id", "name", "type", "articles", "mentions", "first_seen", "last_seen", "unresolved")
    record = dict(zip(keys, row, strict=True))
    record["unresolved"] = bool(record["unresolved"])
    return record


def list_entities(store: Store, kind: str | None = None, top: int = 20) -> list[dict[str, Any]]:
    sql = "SELECT id FROM entities"
    params: list[Any] = []
    if kind:
        sql += " WHERE type = ?"
        params.append(kind)
    sql += " ORDER BY article_count DESC, mention_count DESC, name LIMIT ?"
    params.append(top)
    return _listed(store, [r[0] for r in store.conn.execute(sql, params).fetchall()])


def _listed(store: Store, ids: list[str]) -> list[dict[str, Any]]:
    """Entities as listings show them: the entity's row and its aliases with their counts."""
    result = []
    for entity in ids:
        record = _entity_row(store, entity)
        if record is not None:
            record["aliases"] = [{"name": a["name"], "count": a["count"]} for a in _aliases(store, entity, False)]
            result.append(record)
    return result


def find_entities(store: Store, text: str, limit: int = 5) -> list[str]:
    """Entities a user means by `text`: an entity id, an exact spelling, the same name transliterated,
    or a close one."""
    if len(text) <= 64 and store.conn.execute("SELECT 1 FROM entities WHERE id = ?", (text,)).fetchone():
        return [text]
    exact = entity_for_name(store, text)
    if exact:
        return [exact]
    form = clean_surface(text)
    keys = sorted(name_index_keys(form))
    candidates: dict[str, str] = {}
    for chunk in chunks(keys):
        marks = ",".join("?" * len(chunk))
        for ident, name, _entity in store.conn.execute(
            f"SELECT DISTINCT n.id, n.name, n.entity_id FROM name_keys k JOIN names n ON n.id = k.name_id "
            f"WHERE k.key IN ({marks}) AND n.entity_id IS NOT NULL",
            chunk,
        ):
            candidates[ident] = name
    if not candidates:
        return []
    wanted = normalise_apostrophes(form).lower()
    scored = process.extract(
        wanted, {i: normalise_apostrophes(n).lower() for i, n in candidates.items()}, scorer=fuzz.WRatio, limit=None
    )
    entities: list[str] = []
    for _, score, ident in scored:
        if score < 80:
            break
        entity = store.conn.execute("SELECT entity_id FROM names WHERE id = ?", (ident,)).fetchone()[0]
        if entity not in entities:
            entities.append(entity)
        if len(entities) >= limit:
            break
    return entities


def _candidates(store: Store, entity: str) -> list[dict[str, Any]]:
    """For an unresolved short name, the entities it could be."""
    rows = store.conn.execute(
        "SELECT DISTINCT e.id, e.name, e.article_count FROM names n JOIN name_keys k ON k.name_id = n.id "
        "JOIN name_keys k2 ON k2.key = k.key AND k.key LIKE 's:%' JOIN names n2 ON n2.id = k2.name_id "
        "JOIN entities e ON e.id = n2.entity_id WHERE n.entity_id = ? AND e.id != ? AND e.type = 'person' "
        "ORDER BY e.article_count DESC, e.name",
        (entity, entity),
    ).fetchall()
    return [{"id": i, "name": n, "articles": c} for i, n, c in rows]


RECENT = 500  # co-mentions and quotes about an entity are counted over its latest this many articles


def entity_detail(store: Store, entity: str, articles: int = 50, co_mentions: int = 10) -> dict[str, Any]:
    record = _entity_row(store, entity)
    if record is None:
        raise NotFound(f"no entity {entity!r}")
    conn = store.conn
    record["aliases"] = _aliases(store, entity)
    record["candidates"] = _candidates(store, entity) if record["unresolved"] else []
    mentioned = "SELECT m.article_id FROM names n JOIN mentions m ON m.name_id = n.id WHERE n.entity_id = ?"
    dated = conn.execute(
        f"SELECT a.id, a.published_utc, {store.dialect.week('a.published_utc')} FROM articles a "
        f"WHERE a.id IN ({mentioned})",
        (entity,),
    ).fetchall()
    weeks = Counter(week for _, _, week in dated if week)
    record["weeks"] = [{"week": w, "articles": c} for w, c in sorted(weeks.items())]
    newest = sorted(dated, key=lambda r: (r[1] or "", r[0]), reverse=True)[:RECENT]
    table = store.id_table("entity_recent", [r[0] for r in newest])
    record["co_mentions"] = [
        {"id": i, "name": n, "type": t, "articles": c}
        for i, n, t, c in conn.execute(
            "SELECT e.id, e.name, e.type, COUNT(DISTINCT m2.article_id) AS c FROM mentions m2 "
            "JOIN names n2 ON n2.id = m2.name_id JOIN entities e ON e.id = n2.entity_id "
            f"WHERE m2.article_id IN (SELECT id FROM {table}) AND n2.entity_id != ? "
            "GROUP BY e.id ORDER BY c DESC, e.name LIMIT ?",
            (entity, co_mentions),
        )
    ]
    record["co_mentions_over"] = len(newest)
    oldest = [r[0] for r in sorted(dated, key=lambda r: (r[1] is None, r[1] or "", r[0]))[:articles]]
    refs = article_refs(store, oldest)
    record["article_list"] = [refs[i] for i in oldest if i in refs]
    return record


def entities_page(
    store: Store, kind: str | None = None, q: str | None = None, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """Entities most mentioned first (`{items, next}`); with `q`, those any alias or near-spelling
    of `q` names, best match first (one page)."""
    check_limit(limit)
    if q:
        items = [r for r in _listed(store, find_entities(store, q, limit=limit)) if not kind or r["type"] == kind]
        return {"items": items, "next": None}
    key = decode_cursor(cursor, 2)
    where, params = ["1 = 1"], []
    if kind:
        where.append("type = ?")
        params.append(kind)
    if key is not None:
        where.append("(article_count < ? OR (article_count = ? AND id > ?))")
        params += [key[0], key[0], key[1]]
    rows = store.conn.execute(
        "SELECT id FROM entities WHERE " + " AND ".join(where) + " ORDER BY article_count DESC, id LIMIT ?",
        [*params, limit + 1],
    ).fetchall()
    return page(_listed(store, [r[0] for r in rows]), limit, lambda last: [last["articles"], last["id"]])


def entity_view(store: Store, ref: str) -> dict[str, Any]:
    """One entity by id or any spelling: `entity_detail` plus who spells it how (aliases × sources)
    and the quotes by and about it."""
    from newsgraph.store.quotes import list_quotes

    entity = next(iter(find_entities(store, ref, limit=1)), None)
    if entity is None:
        raise NotFound(f"no entity {ref!r}")
    record = entity_detail(store, entity)
    sources = sorted({s for a in record["aliases"] for s in a["sources"]})
    record["spellings"] = {
        "sources": sources,
        "rows": [
            {"name": a["name"], "count": a["count"], "by_source": [s in a["sources"] for s in sources]}
            for a in record["aliases"]
        ],
    }
    record["quotes_by"] = list_quotes(store, speaker=entity, limit=20)
    record["quotes_about"] = list_quotes(store, about=entity, limit=20, about_within=RECENT)
    return record
