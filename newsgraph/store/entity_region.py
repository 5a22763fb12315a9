"""Which names a resolution takes up again, so that a small batch costs little in a large store.

Names fall into groups that resolve independently (`corpus.entity_groups`), and the store keeps
each name's group (`names.group_id`) and the type it was resolved as (`names.resolved_type`). A
batch changes the ties between groups only where a name is new, where a name's settled type
changed, or where a block grew past MAX_BLOCK (it is compared no more). So the region resolved
again is: the dirty names, the names of every block that has just grown too large, the names those
now tie to, and all the names of every group any of them is in. Its resolution is the whole
store's, restricted to it: no name outside has a tie into it that was not there before, when the
two were in one group already.

Finding the ties of the new names reads their blocks (at most MAX_BLOCK names a key), never the
whole name table, so the region follows the batch and the groups it touches, not the store.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from newsgraph.corpus import entities as resolution_rules
from newsgraph.corpus.entities import NameRecord, compared, name_index_keys, settle_weak_types
from newsgraph.corpus.entity_groups import acts
from newsgraph.corpus.matching import MATCHING, NameForm, blocking_keys, parse_name, refined_parent
from newsgraph.store.base import Store

_BATCH = 2000
ROUNDS = 5  # rounds of finding names whose settled type moved; then the whole store is taken


def rekey(store: Store) -> bool:
    """Fill `name_keys` afresh when they were made by other blocking keys than this version's (a
    store from before an upgrade), so that resolution finds the blocks it compares; the names are
    then all resolved again, under the matching rules of this version. True when it did."""
    conn = store.conn
    row = conn.execute("SELECT value FROM store_state WHERE name = 'name_keys'").fetchone()
    if row is None or row[0] == MATCHING:
        return False
    with store.transaction():
        conn.execute("DELETE FROM name_keys")
        rows = store.stream("SELECT id, name FROM names ORDER BY id")
        while batch := rows.fetchmany(_BATCH):
            conn.executemany(
                "INSERT INTO name_keys (key, name_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(key, ident) for ident, name in batch for key in sorted(name_index_keys(name))],
            )
        conn.execute("UPDATE store_state SET value = ? WHERE name = 'name_keys'", (MATCHING,))
    return True


def oversized_overall(store: Store) -> frozenset[str]:
    """Every key whose block holds more than MAX_BLOCK names, counted afresh over the store."""
    return frozenset(
        row[0]
        for row in store.conn.execute(
            "SELECT key FROM name_keys GROUP BY key HAVING COUNT(*) > ?", (resolution_rules.MAX_BLOCK,)
        )
    )


def record_oversized(store: Store, keys: Iterable[str], full: bool) -> None:
    """Keep these keys as oversized for the batches to come (inside the resolution's transaction);
    with `full`, they are all there are."""
    if full:
        store.conn.execute("DELETE FROM oversized_keys")
    store.conn.executemany(
        "INSERT INTO oversized_keys (key) VALUES (?) ON CONFLICT DO NOTHING", [(k,) for k in sorted(keys)]
    )


def oversized_of_names(store: Store, ids: Iterable[str]) -> frozenset[str]:
    """The oversized keys among these names' keys (as `oversized_keys` holds them)."""
    table = store.id_table("key_names", ids)
    return frozenset(
        row[0]
        for row in store.conn.execute(
            "SELECT o.key FROM oversized_keys o WHERE o.key IN "
            f"(SELECT DISTINCT key FROM name_keys WHERE name_id IN (SELECT id FROM {table}))"
        )
    )


def _grown(store: Store, dirty: list[str]) -> list[str]:
    """The keys of these names whose blocks have just grown past MAX_BLOCK (the new names took them
    over); they are kept as oversized from now on. Only blocks not oversized yet are counted."""
    table = store.id_table("key_names", dirty)
    limit = resolution_rules.MAX_BLOCK
    grown = [
        key
        for key, count, new in store.conn.execute(
            "SELECT k.key, COUNT(*), SUM(CASE WHEN n.entity_id IS NULL THEN 1 ELSE 0 END) FROM name_keys k "
            "JOIN names n ON n.id = k.name_id WHERE k.key IN "
            f"(SELECT DISTINCT key FROM name_keys WHERE name_id IN (SELECT id FROM {table}) "
            "AND key NOT IN (SELECT key FROM oversized_keys)) GROUP BY k.key"
        )
        if int(count) > limit >= int(count) - int(new)
    ]
    return sorted(grown)


def _block_members(store: Store, keys: Iterable[str]) -> set[str]:
    table = store.id_table("block_keys", keys)
    return {
        row[0]
        for row in store.conn.execute(f"SELECT DISTINCT name_id FROM name_keys WHERE key IN (SELECT id FROM {table})")
    }


def _group_members(store: Store, ids: Iterable[str]) -> set[str]:
    """These names and every name of their groups."""
    table = store.id_table("group_of", ids)
    found = {row[0] for row in store.conn.execute(f"SELECT id FROM {table}")}
    found.update(
        row[0]
        for row in store.conn.execute(
            "SELECT n.id FROM names n WHERE n.group_id IN "
            f"(SELECT g.group_id FROM names g WHERE g.id IN (SELECT id FROM {table}) AND g.group_id IS NOT NULL)"
        )
    )
    return found


def name_records(store: Store, ids: list[str]) -> list[NameRecord]:
    """The names as resolution takes them: each with the type most of its articles gave it."""
    conn = store.conn
    table = store.id_table("records", ids)
    texts = dict(conn.execute(f"SELECT id, name FROM names WHERE id IN (SELECT id FROM {table})").fetchall())
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for ident, kind, articles in conn.execute(
        f"SELECT name_id, type, articles FROM name_types WHERE name_id IN (SELECT id FROM {table})"
    ):
        votes[ident][kind] += articles
    records = []
    for ident in ids:
        counts = votes[ident]
        kind = max(sorted(counts), key=lambda k: counts[k]) if counts else "org"
        records.append(NameRecord(ident, texts[ident], kind, sum(counts.values())))
    return records


def _lone(form: NameForm) -> bool:
    return form.kind == "person" and form.single and bool(form.tokens)


def _tied(key: str, a: NameForm, b: NameForm, oversized: frozenset[str]) -> bool:
    """Whether two names that share this key are tied, as `entity_groups.name_groups` ties names
    (or more: a key of the other reading ties as well)."""
    if key.startswith(("n:", "l:")):
        return True  # one whole-name key; lone surnames of one skeleton
    if key.startswith("s:") and refined_parent(key) is None and key not in oversized and (_lone(a) or _lone(b)):
        return True  # a lone surname and the names it could be the family name of
    if not compared(key, oversized) or _lone(a) or _lone(b):
        return False
    return bool(a.tokens and b.tokens) and acts(a, b)


def _ties(store: Store, names: dict[str, str], types: dict[str, str], oversized: frozenset[str]) -> set[str]:
    """The names tied to these names (id → the type they are read as now) through the keys their
    reading gives them. `types` gives the type of any other name whose type is not its stored one."""
    if not names:
        return set()
    conn = store.conn
    table = store.id_table("edgy", names)
    own_keys: dict[str, set[str]] = defaultdict(set)
    own_forms: dict[str, NameForm] = {}  # these names as read now, parsed once
    texts: dict[str, tuple[str, str | None]] = {}
    for ident, text in conn.execute(f"SELECT id, name FROM names WHERE id IN (SELECT id FROM {table})"):
        texts[ident] = (text, names[ident])
        form = own_forms[ident] = parse_name(text, names[ident])
        typed = blocking_keys(form) if form.tokens else set()
        own_keys[ident] = {k for k in typed if compared(k, oversized)}
    for ident, key in conn.execute(f"SELECT name_id, key FROM name_keys WHERE name_id IN (SELECT id FROM {table})"):
        if key.startswith(("n:", "l:")):
            own_keys[ident].add(key)
    tying = store.id_table("tying_keys", {k for keys in own_keys.values() for k in keys})
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)  # mate → (name, key)
    for own, mate, key in conn.execute(
        "SELECT k1.name_id, k2.name_id, k1.key FROM name_keys k1 JOIN name_keys k2 ON k2.key = k1.key "
        f"WHERE k1.name_id IN (SELECT id FROM {table}) AND k1.key IN (SELECT id FROM {tying}) "
        "AND k2.name_id <> k1.name_id"
    ):
        if key in own_keys[own]:
            pairs[mate].append((own, key))
    mates = store.id_table("mates", sorted(set(pairs) - set(texts)))
    for ident, text, kind in conn.execute(
        f"SELECT n.id, n.name, n.resolved_type FROM names n WHERE n.id IN (SELECT id FROM {mates})"
    ):
        texts[ident] = (text, kind)
    tied: set[str] = set()
    for mate, found in pairs.items():
        text, kind = texts[mate]
        mate_form = own_forms.get(mate) or parse_name(text, types.get(mate) or kind or "org")
        for own, key in found:
            if _tied(key, own_forms[own], mate_form, oversized):
                tied.add(mate)
                break
    return tied


def incremental_region(store: Store) -> tuple[set[str], frozenset[str], frozenset[str]] | None:
    """The names to resolve again after a batch, the oversized keys among theirs, and the keys that
    have just become oversized; None when resolving everything costs less (most names are dirty)
    or the settled types keep moving."""
    conn = store.conn
    dirty = [row[0] for row in conn.execute("SELECT id FROM names WHERE dirty = 1")]
    if not dirty:
        return set(), frozenset(), frozenset()
    if len(dirty) * 2 > conn.execute("SELECT COUNT(*) FROM names").fetchone()[0]:
        return None  # most names are new (a first ingest): the whole store at once costs less
    grown = _grown(store, dirty)
    seeds = set(dirty)
    if grown:  # ties through these blocks go: their names may fall into smaller groups
        seeds |= _block_members(store, grown)
    also = frozenset(grown)  # oversized from now on; recorded with the resolution (`record_oversized`)
    new = [row[0] for row in conn.execute("SELECT id FROM names WHERE dirty = 1 AND entity_id IS NULL")]
    edgy = {r.id: r.type for r in name_records(store, new)}  # names whose ties are found anew, as read
    pending = dict(edgy)
    tied: set[str] = set()
    for _ in range(ROUNDS):
        oversized = (oversized_of_names(store, pending) | also) if pending else also
        tied |= _ties(store, pending, edgy, oversized)
        region = _group_members(store, seeds | set(edgy) | tied)
        records = settle_weak_types(name_records(store, sorted(region)))
        stored = dict(
            conn.execute(
                "SELECT id, resolved_type FROM names WHERE id IN "
                f"(SELECT id FROM {store.id_table('region_types', region)})"
            ).fetchall()
        )
        pending = {r.id: r.type for r in records if r.type != edgy.get(r.id, stored.get(r.id))}
        if not pending:
            return region, oversized_of_names(store, region) | also, also
        edgy.update(pending)
    return None
