"""Which names a resolution takes up again, so that a small batch costs little in a large store.

Names fall into groups that resolve independently (`corpus.entity_groups`), and the store keeps
each name's group (`names.group_id`) and the type it was resolved as (`names.resolved_type`). A
batch changes the ties between groups only where a name is new, where a name's settled type
changed, or where a block grew past MAX_BLOCK (it is compared no more, so the pairs only it
compared lose their ties). So the region resolved again is: the dirty names, the names whose ties
a block that has just grown too large took (`_moved`), the names those now tie to, and all the
names of every group any of them is in. Its resolution is the whole
store's, restricted to it: no name outside has a tie into it that was not there before, when the
two were in one group already.

Finding the ties of the new names reads their blocks (at most MAX_BLOCK names a key), never the
whole name table, so the region follows the batch and the groups it touches, not the store. A
name of the blocks is read (parsed) only where its type can tie it, and not at all where its group
is in the region already.

The pairs a resolution acted on are kept (`name_edges`) for the next, which then judges only the
pairs with a fresh name (`corpus.entities.Judged`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from newsgraph.corpus import entities as resolution_rules
from newsgraph.corpus.entities import NameRecord, compared, compared_keys, name_index_keys, settle_weak_types
from newsgraph.corpus.entity_groups import acts
from newsgraph.corpus.matching import MATCHING, NameForm, parse_name, refined_parent, spelt_alike
from newsgraph.store.base import Store, upsert
from newsgraph.store.forked import forked_map

_BATCH = 2000
ROUNDS = 5  # rounds of finding names whose settled type moved; then the whole store is taken
PARALLEL_MATES = 4000  # names of the blocks to read before worker processes are worth starting


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


def edges_kept(store: Store) -> bool:
    """Whether `name_edges` holds the pairs the last resolution of every name acted on, judged by
    this version's matching rules (`corpus.entities.Judged`): a store from before it, or one a
    resolver elsewhere resolved without saying, is resolved in full next."""
    row = store.conn.execute("SELECT value FROM store_state WHERE name = 'name_edges'").fetchone()
    return row is not None and row[0] == MATCHING


def stored_edges(store: Store, table: str) -> frozenset[tuple[str, str]]:
    """The pairs acted on among the names of this temporary table: both names of a pair are in one
    group, and a region holds whole groups."""
    return frozenset(
        (a, b) for a, b in store.conn.execute(f"SELECT a, b FROM name_edges WHERE a IN (SELECT id FROM {table})")
    )


def record_edges(store: Store, table: str, acting: set[tuple[str, str]] | None, full: bool) -> None:
    """Keep the pairs a resolution of these names acted on (inside its transaction), in place of
    theirs; with `full`, they are all there are. None: not known, so the next resolution is full."""
    conn = store.conn
    if full:
        conn.execute("DELETE FROM name_edges")
    else:
        for side in ("a", "b"):
            conn.execute(f"DELETE FROM name_edges WHERE {side} IN (SELECT id FROM {table})")
    if acting is None:
        conn.execute("DELETE FROM store_state WHERE name = 'name_edges'")
        return
    conn.executemany("INSERT INTO name_edges (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING", sorted(acting))
    if full:
        conn.execute(upsert("store_state", ("name", "value"), ("name",)), ("name_edges", MATCHING))


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
    large = store.id_table(
        "large_keys",
        [
            row[0]  # counted along the key index alone; most blocks are far below the limit
            for row in store.conn.execute(
                "SELECT key FROM name_keys WHERE key IN "
                f"(SELECT DISTINCT key FROM name_keys WHERE name_id IN (SELECT id FROM {table}) "
                "AND key NOT IN (SELECT key FROM oversized_keys)) GROUP BY key HAVING COUNT(*) > ?",
                (limit,),
            )
        ],
    )
    grown = [
        key
        for key, count, new in store.conn.execute(
            "SELECT k.key, COUNT(*), SUM(CASE WHEN n.entity_id IS NULL THEN 1 ELSE 0 END) FROM name_keys k "
            f"JOIN names n ON n.id = k.name_id WHERE k.key IN (SELECT id FROM {large}) GROUP BY k.key"
        )
        if int(count) - int(new) <= limit
    ]
    return sorted(grown)


def _moved(store: Store, grown: list[str]) -> set[str]:
    """The names whose ties the blocks that have just grown too large change. A block compared no
    more drops the acted pairs it alone compared, so those pairs' names may fall into smaller
    groups; a pair that shares another compared block keeps its tie, and the blocks refining a grown
    one (now compared) hold only pairs it compared already, judged then. A surname block is read by
    the lone-surname rule too (too common to be guessed), so all its names are taken."""
    if not grown:
        return set()
    members = block_members(store, grown)
    if any(key.startswith("s:") and refined_parent(key) is None for key in grown):
        return members
    table = store.id_table("grown_members", members)
    pairs = store.conn.execute(
        f"SELECT a, b FROM name_edges WHERE a IN (SELECT id FROM {table}) AND b IN (SELECT id FROM {table})"
    ).fetchall()
    ends = sorted({n for pair in pairs for n in pair})
    if not ends:
        return set()
    ends_table = store.id_table("grown_ends", ends)
    read = {
        ident: parse_name(text, kind or "org")
        for ident, text, kind in store.conn.execute(
            f"SELECT id, name, resolved_type FROM names WHERE id IN (SELECT id FROM {ends_table})"
        )
    }
    oversized = oversized_of_names(store, ends) | frozenset(grown)
    keys = {ident: compared_keys(form, oversized) for ident, form in read.items()}
    return {n for a, b in pairs if not keys[a] & keys[b] for n in (a, b)}


def block_members(store: Store, keys: Iterable[str]) -> set[str]:
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


def _groups_of(store: Store, ids: Iterable[str]) -> frozenset[str]:
    """The groups these names are in."""
    table = store.id_table("groups_of", ids)
    return frozenset(
        row[0]
        for row in store.conn.execute(
            f"SELECT DISTINCT group_id FROM names WHERE id IN (SELECT id FROM {table}) AND group_id IS NOT NULL"
        )
    )


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


def _lone_key(key: str, oversized: frozenset[str]) -> bool:
    """A family-name block the lone-surname rule reads: a surname key, not refined, not too large."""
    return key.startswith("s:") and refined_parent(key) is None and key not in oversized


def _lone_tied(lone: NameForm, other: NameForm, keys: list[str], oversized: frozenset[str]) -> bool:
    """Whether a lone surname is tied to another person name sharing these keys: a lone spelling of
    its skeleton spelt like it, or a full name whose family name it is spelt like, through a
    family-name block small enough to be guessed from."""
    if _lone(other):
        return lone.skeletons[0] == other.skeletons[0] and spelt_alike(lone.tokens[0], other.tokens[0])
    return (
        bool(other.tokens)
        and any(_lone_key(key, oversized) for key in keys)
        and spelt_alike(lone.tokens[0], other.tokens[-1])
    )


def _may_tie(own: NameForm, kind: str) -> bool:
    """Whether a name can be tied to a name of this type through a key other than a whole-name
    one: never across types, but for a lone surname and a person."""
    return own.kind == kind or (kind == "person" and _lone(own))


def _tied(keys: list[str], a: NameForm, b_kind: str, b: Callable[[], NameForm], oversized: frozenset[str]) -> bool:
    """Whether two names that share these keys are tied, as `entity_groups.name_groups` ties names
    (or more: a key of the other reading ties as well). `b` reads the other name, of type `b_kind`,
    only where the keys and the two types leave it open: most names a block shares are of another
    type, and reading them is most of the cost. A pair is judged once, whatever keys it shares."""
    if any(key.startswith("n:") for key in keys):
        return True  # one whole-name key
    if not _may_tie(a, b_kind):
        return False  # never across types
    if _lone(a):
        return _lone_tied(a, b(), keys, oversized)
    compared_pair = any(compared(key, oversized) for key in keys)
    lone_rule = a.kind == "person" and any(_lone_key(key, oversized) for key in keys)
    if not (compared_pair or lone_rule):
        return False
    other = b()
    if _lone(other):
        return lone_rule and _lone_tied(other, a, keys, oversized)
    return compared_pair and bool(a.tokens and other.tokens) and acts(a, other)  # where `acts` holds


def _reader(text: str, kind: str) -> Callable[[], NameForm]:
    """A name's form, parsed on first use."""
    form: list[NameForm] = []

    def read() -> NameForm:
        if not form:
            form.append(parse_name(text, kind))
        return form[0]

    return read


def _ties(
    store: Store,
    names: dict[str, str],
    types: dict[str, str],
    oversized: frozenset[str],
    workers: int = 1,
    covered: frozenset[str] = frozenset(),
) -> set[str]:
    """The names tied to these names (id → the type they are read as now) through the keys their
    reading gives them, as far as the region needs them: a name of a group in `covered` (groups the
    region holds already) is not judged, nor another of a group one tied name brought in, since the
    region takes whole groups. `types` gives the type of any other name whose type is not its
    stored one. Reading and judging the names of their blocks (most of the cost) is spread over
    `workers` forked processes when there are many."""
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
        own_keys[ident] = compared_keys(form, oversized)
    for ident, key in conn.execute(f"SELECT name_id, key FROM name_keys WHERE name_id IN (SELECT id FROM {table})"):
        if key.startswith(("n:", "l:")):
            own_keys[ident].add(key)
    owners: dict[str, list[str]] = defaultdict(list)  # key → these names that have it
    for ident, keys in own_keys.items():
        for key in keys:
            owners[key].append(ident)
    tying = store.id_table("tying_keys", owners)
    # a mate is read with the keys it can be tied through: a whole-name key, or a key one of these
    # names of its type has (`_may_tie`: never across types); a mate read as another type than
    # its stored one (`types`) with all its keys. Most of the blocks' names are of other types,
    # and the database leaves them out.
    kinded = store.id_table("tying_kinds", {f"{own_forms[n].kind}/{key}" for key, held in owners.items() for n in held})
    retyped = store.id_table("retyped", [ident for ident in types if ident not in texts])
    rows = conn.execute(
        "SELECT n.id, n.name, n.resolved_type, n.group_id, k.key FROM name_keys k JOIN names n ON n.id = k.name_id "
        f"WHERE k.key IN (SELECT id FROM {tying}) AND (substr(k.key, 1, 2) = 'n:' "
        f"OR COALESCE(n.resolved_type, 'org') || '/' || k.key IN (SELECT id FROM {kinded}) "
        f"OR n.id IN (SELECT id FROM {retyped})) ORDER BY n.group_id, n.id"  # a group's names together, in one run
    )
    # the names themselves are in the region already, and so is every name of a covered group
    items: list[Mate] = []
    last, kept = None, False
    for ident, text, kind, group, key in rows:
        if ident == last:  # the same mate through another key
            if kept:
                items[-1][4].append(key)
            continue
        last, kept = ident, ident not in texts and (group is None or group not in covered)
        if kept:
            items.append((ident, text, types.get(ident) or kind or "org", group, [key]))
    global _MATES
    parts = workers * 4 if len(items) >= PARALLEL_MATES else 1
    size = -(-len(items) // parts)
    _MATES = (own_forms, owners, items, oversized)  # forked workers inherit it: nothing large is pickled
    try:
        runs = [range(n * size, min(len(items), (n + 1) * size)) for n in range(parts)]
        return set().union(*forked_map(_tied_mates, runs, workers, 2))
    finally:
        _MATES = None


Mate = tuple[str, str, str, str | None, list[str]]  # id, text, type read as, group, the tying keys it has
# `_ties`'s, while it runs: the names as read, the names that have each key, the mates, oversized keys
_MATES: tuple[dict[str, NameForm], dict[str, list[str]], list[Mate], frozenset[str]] | None = None


def _tied_mates(run: range) -> list[str]:
    """The mates (of `_MATES`, these positions, a group's together) tied to a name they share a key
    with, in a worker process or here: once one name of a group is tied, the others of that group
    are not judged (the region takes the whole group)."""
    assert _MATES is not None
    own_forms, owners, mates, oversized = _MATES
    tied = []
    taken: str | None = None  # the group of the last tied mate
    for n in run:
        mate, text, kind, group, keys = mates[n]
        if group is not None and group == taken:
            continue
        # each name → the keys the mate shares with it that can tie the two (most mates are of
        # another type than the names they share keys with, and are settled here, unread)
        shared: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            whole = key.startswith("n:")
            for own in owners[key]:
                if whole or _may_tie(own_forms[own], kind):
                    shared[own].append(key)
        if not shared:
            continue
        read = _reader(text, kind)
        if any(_tied(found, own_forms[own], kind, read, oversized) for own, found in shared.items()):
            tied.append(mate)
            taken = group
    return tied


class StoredName(NamedTuple):
    """A name's resolution as stored, from before this one."""

    entity: str | None
    group: str | None
    type: str | None
    dirty: bool


def stored_names(store: Store, table: str) -> dict[str, StoredName]:
    """The stored resolution of the names of this temporary table."""
    return {
        ident: StoredName(entity, group, kind, bool(dirty))
        for ident, entity, group, kind, dirty in store.conn.execute(
            f"SELECT id, entity_id, group_id, resolved_type, dirty FROM names WHERE id IN (SELECT id FROM {table})"
        )
    }


class Region(NamedTuple):
    """What a resolution after a batch takes up again."""

    names: set[str]
    oversized: frozenset[str]  # the oversized keys among their keys
    grown: frozenset[str]  # the keys that have just become oversized
    moved: set[str]  # the names whose ties those keys took (`_moved`)
    records: list[NameRecord]  # the names as resolution takes them, types settled, in id order
    table: str  # a temporary table of the names
    stored: dict[str, StoredName]  # their resolution as stored


def incremental_region(store: Store, workers: int = 1) -> Region | None:
    """The names to resolve again after a batch; None when resolving everything costs less (most
    names are dirty) or the settled types keep moving. `workers`: processes that may judge the ties."""
    conn = store.conn
    dirty = [row[0] for row in conn.execute("SELECT id FROM names WHERE dirty = 1")]
    if not dirty:
        return Region(set(), frozenset(), frozenset(), set(), [], "", {})
    # counted up to twice the dirty names only: a small batch does not count the whole name table
    counted = conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM names LIMIT ?) AS upto", (len(dirty) * 2,))
    if len(dirty) * 2 > counted.fetchone()[0]:
        return None  # most names are new (a first ingest): the whole store at once costs less
    grown = _grown(store, dirty)
    moved = _moved(store, grown)  # their ties go: they may fall into smaller groups
    seeds = set(dirty) | moved
    also = frozenset(grown)  # oversized from now on; recorded with the resolution (`record_oversized`)
    new = [row[0] for row in conn.execute("SELECT id FROM names WHERE dirty = 1 AND entity_id IS NULL")]
    edgy = {r.id: r.type for r in name_records(store, new)}  # names whose ties are found anew, as read
    pending = dict(edgy)
    tied: set[str] = set()
    covered = _groups_of(store, seeds | set(edgy))  # groups in the region whatever the ties
    for _ in range(ROUNDS):
        oversized = (oversized_of_names(store, pending) | also) if pending else also
        tied |= _ties(store, pending, edgy, oversized, workers, covered)
        region = _group_members(store, seeds | set(edgy) | tied)
        ordered = sorted(region)
        records = settle_weak_types(name_records(store, ordered))
        table = store.id_table("region", ordered)
        stored = stored_names(store, table)
        covered = frozenset(name.group for name in stored.values() if name.group is not None)
        pending = {r.id: r.type for r in records if r.type != edgy.get(r.id, stored[r.id].type)}
        if not pending:
            return Region(region, oversized_of_names(store, region) | also, also, moved, records, table, stored)
        edgy.update(pending)
    return None
