"""The rows of one write batch, gathered as its outcomes are read and written at its end.

A batch writes each article row at once (whether it is new decides what else is written), and
gathers the rest — inputs, rejections, fingerprints, names, name keys and type votes, quotes and
their shingles, mentions — into one `executemany` a table when the batch ends. On SQLite that is
fewer statements to prepare; on PostgreSQL it is one pipelined round trip a table instead of one
a row. Every row is the one the per-article writes made: names keep their order (a later
article's spelling can replace an all-capitals one), type votes are summed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from newsgraph.corpus.copies import COPIES, Fingerprint, sample_bytes
from newsgraph.corpus.entities import name_id, name_index_keys
from newsgraph.corpus.matching import MATCHING
from newsgraph.corpus.quotes import normalise_quote, quote_shingles
from newsgraph.records import Analysis, Processed, Rejection, content_hash
from newsgraph.store.base import Store, upsert

_INPUT = upsert("inputs", ("location", "raw_hash", "outcome", "ref"), ("location", "raw_hash"))
_REJECTION = upsert("rejections", ("id", "stage", "code", "reason", "location", "raw_hash", "created_at"), ("id",))
FINGERPRINT = (
    "INSERT INTO fingerprints (article_id, text_hash, words, samples, sample, dirty, method) "
    "VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING"
)
# a name seen again is dirty again, and a spelling in running text replaces a dateline's capitals
# (`Basra` for `BASRA`)
_NAME = (
    "INSERT INTO names (id, name, dirty) VALUES (?, ?, 1) ON CONFLICT (id) DO UPDATE SET dirty = 1, "
    "name = CASE WHEN ? = 1 AND names.name = upper(names.name) THEN excluded.name ELSE names.name END"
)
_NAME_KEY = "INSERT INTO name_keys (key, name_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
# the blocking keys' version, recorded with a store's first keys (`store.entities.rekey` reads it)
_KEYS_MADE = "INSERT INTO store_state (name, value) VALUES ('name_keys', ?) ON CONFLICT DO NOTHING"
_NAME_TYPE = (
    "INSERT INTO name_types (name_id, type, articles) VALUES (?, ?, ?) "
    "ON CONFLICT (name_id, type) DO UPDATE SET articles = name_types.articles + excluded.articles"
)
_QUOTE = (
    'INSERT INTO quotes (id, article_id, kind, text, norm, start, "end", speaker, speaker_name_id, '
    "role, cue, anonymous, dirty, method) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING"
)
_SHINGLE = "INSERT INTO quote_shingles (shingle, quote_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
_MENTION = (
    'INSERT INTO mentions (article_id, field, start, "end", text, label, type, name_id, method) '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fingerprint_row(article_id: str, print_: Fingerprint) -> tuple[Any, ...]:
    return (article_id, print_.text_hash, print_.words, len(print_.sample), sample_bytes(print_), COPIES)


@dataclass
class BatchRows:
    """What a batch will write when it ends (see the module docstring)."""

    unrejected: list[tuple[str]] = field(default_factory=list)  # locations that now yield an article
    rejections: list[tuple[Any, ...]] = field(default_factory=list)
    inputs: list[tuple[str, str, str, str]] = field(default_factory=list)
    prints: list[tuple[Any, ...]] = field(default_factory=list)
    names: list[tuple[str, str, int]] = field(default_factory=list)
    keys: set[tuple[str, str]] = field(default_factory=set)
    types: Counter[tuple[str, str]] = field(default_factory=Counter)
    quotes: list[tuple[Any, ...]] = field(default_factory=list)
    shingles: list[tuple[int, str]] = field(default_factory=list)
    mentions: list[tuple[Any, ...]] = field(default_factory=list)

    def rejection(self, rejection: Rejection) -> None:
        r = rejection
        self.rejections.append((r.id, r.stage, r.code, r.reason, str(r.location), r.raw_hash, now()))

    def input(self, item: Processed, outcome: str, ref: str) -> None:
        self.inputs.append((str(item.location), item.raw_hash, outcome, ref))

    def analysis(self, analysis: Analysis) -> None:
        """Mentions point at the name of their in-article group; each group votes for its name's type.
        Names touched are marked dirty; `resolve_entities` then places them in entities."""
        ids = []
        for group in analysis.groups:
            ident = name_id(group.name)
            ids.append(ident)
            self.names.append((ident, group.name, int(not group.name.isupper())))
            self.keys.update((key, ident) for key in name_index_keys(group.name))
            self.types[(ident, group.type)] += 1
        for quote in analysis.quotes:
            ident = content_hash("quote", analysis.article_id, quote.start, quote.kind, length=20)
            norm = normalise_quote(quote.text)
            speaker = ids[quote.speaker_group] if quote.speaker_group is not None else None
            self.quotes.append(
                (ident, analysis.article_id, quote.kind, quote.text, norm, quote.start, quote.end, quote.speaker,
                 speaker, quote.role, quote.cue, int(quote.anonymous), analysis.method)
            )  # fmt: skip
            self.shingles += [(shingle, ident) for shingle in quote_shingles(norm)]
        self.mentions += [
            (analysis.article_id, m.field, m.start, m.end, m.text, m.label, m.type, ids[m.group], analysis.method)
            for m in analysis.mentions
        ]

    def write(self, store: Store) -> None:
        """Every gathered row, a table at a time, in an order that satisfies the foreign keys. Blocking
        keys are written for names new to the store only (a stored name has its keys)."""
        conn = store.conn
        keys = sorted(self.keys)
        if keys:
            table = store.id_table("batch_names", sorted({ident for _, ident in keys}))
            stored = {row[0] for row in conn.execute(f"SELECT id FROM names WHERE id IN (SELECT id FROM {table})")}
            keys = [(key, ident) for key, ident in keys if ident not in stored]
        for sql, rows in (
            ("DELETE FROM rejections WHERE location = ?", self.unrejected),
            (_REJECTION, self.rejections),
            (_INPUT, self.inputs),
            (FINGERPRINT, self.prints),
            (_NAME, self.names),
            (_NAME_KEY, keys),
            (_KEYS_MADE, [(MATCHING,)] if keys else []),
            (_NAME_TYPE, [(n, t, c) for (n, t), c in sorted(self.types.items())]),
            (_QUOTE, self.quotes),
            (_SHINGLE, self.shingles),
            (_MENTION, self.mentions),
        ):
            if rows:
                conn.executemany(sql, rows)
