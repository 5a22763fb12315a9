"""Parquet export: articles, mentions, entities, quotes, copy links and stories, one folder per table.

Each export adds one part file per table, `DIR/<table>/part-<UTC time>.parquet`, so a folder of
parts reads as one table (pyarrow.dataset, pandas, DuckDB's `*.parquet` globs, Spark). A full
export goes into an empty folder, or replaces the parts already there with `overwrite`; an export
`since` a date adds parts holding only the articles ingested from then on, with their mentions,
quotes and copy links. Entities and stories are small summary tables: every export writes them in
full and removes their older parts. The schemas below are documented in docs/export.md.

Rows are read with a cursor and written in batches by a `ParquetWriter`, so memory follows the
batch, not the table. Parts are written under hidden names and renamed when all are complete, and
every table is read in one read transaction, so an export is one consistent snapshot.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newsgraph.errors import BadQuery, UserError
from newsgraph.extract.dates import normalise_date, utc_timestamp
from newsgraph.store.base import Store

FORMATS = ("parquet",)
BATCH_ROWS = 50_000
MAX_BATCH_CHARS = 32_000_000  # a batch of articles is also cut when its texts reach this many characters
SCHEMA_VERSION = "2"  # 2: articles.credited

_STRING = pa.string()
_INT = pa.int64()
_TIME = pa.timestamp("us", tz="UTC")
_STRINGS = pa.list_(pa.field("element", pa.string()))  # Parquet's name for list items, so files read back equal


def _schema(table: str, *fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema(
        [pa.field(name, kind, nullable=nullable) for name, kind, nullable in fields],
        metadata={"newsgraph.table": table, "newsgraph.schema_version": SCHEMA_VERSION},
    )


# (column, type, nullable)
SCHEMAS: dict[str, pa.Schema] = {
    "articles": _schema(
        "articles",
        ("id", _STRING, False),
        ("url", _STRING, True),
        ("title", _STRING, False),
        ("source", _STRING, True),
        ("published", _STRING, True),
        ("published_utc", _TIME, True),
        ("language", _STRING, True),
        ("authors", _STRINGS, False),
        ("credited", _STRINGS, False),
        ("sections", _STRINGS, False),
        ("word_count", _INT, False),
        ("text", _STRING, False),
        ("location", _STRING, False),
        ("ingested_at", _TIME, True),
        ("story_id", _STRING, True),
        ("copy_of", _STRING, True),
        ("copy_group", _STRING, True),
    ),
    "mentions": _schema(
        "mentions",
        ("article_id", _STRING, False),
        ("field", _STRING, False),
        ("start", _INT, False),
        ("end", _INT, False),
        ("text", _STRING, False),
        ("type", _STRING, False),
        ("name_id", _STRING, False),
        ("entity_id", _STRING, True),
    ),
    "entities": _schema(
        "entities",
        ("id", _STRING, False),
        ("name", _STRING, False),
        ("type", _STRING, False),
        ("article_count", _INT, False),
        ("mention_count", _INT, False),
        ("first_seen", _TIME, True),
        ("last_seen", _TIME, True),
        ("unresolved", pa.bool_(), False),
        ("aliases", _STRINGS, False),
    ),
    "quotes": _schema(
        "quotes",
        ("id", _STRING, False),
        ("article_id", _STRING, False),
        ("kind", _STRING, False),
        ("text", _STRING, False),
        ("start", _INT, False),
        ("end", _INT, False),
        ("speaker", _STRING, True),
        ("speaker_entity_id", _STRING, True),
        ("role", _STRING, True),
        ("cue", _STRING, True),
        ("anonymous", pa.bool_(), False),
        ("cluster_id", _STRING, True),
    ),
    "copy_links": _schema(
        "copy_links",
        ("copy_id", _STRING, False),
        ("original_id", _STRING, False),
        ("group_id", _STRING, False),
        ("kind", _STRING, False),
        ("containment_copy", pa.float64(), False),
        ("containment_original", pa.float64(), False),
        ("shared_words", _INT, False),
        ("lag_seconds", _INT, True),
        ("changes", _STRING, True),
    ),
    "stories": _schema(
        "stories",
        ("id", _STRING, False),
        ("label", _STRING, False),
        ("first_seen", _TIME, True),
        ("last_update", _TIME, True),
        ("article_count", _INT, False),
        ("source_count", _INT, False),
        ("first_article_id", _STRING, True),
        ("first_source", _STRING, True),
    ),
}

Row = tuple[Any, ...]
Progress = Callable[[str, int, bool], None]  # (table, rows so far, table finished)

_SINCE_ARTICLES = "SELECT id FROM articles WHERE ingested_at >= ?"


def _utc(value: str | None) -> datetime | None:
    """A stored timestamp (naive UTC, or with a zone) as an aware UTC datetime; None if it is not one."""
    stamp = utc_timestamp(value)
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC) if stamp else None


def _article(row: Row) -> Row:
    (ident, url, title, source, published, published_utc, language, authors, credited, sections, words, text,
     location, ingested, story, copy_of, group) = row  # fmt: skip
    return (
        ident, url, title, source, published, _utc(published_utc), language, json.loads(authors or "[]"),
        json.loads(credited or "[]"), json.loads(sections or "[]"), words, text, location, _utc(ingested), story,
        copy_of, group,
    )  # fmt: skip


def _entity(row: Row) -> Row:
    ident, name, kind, articles, mentions, first, last, unresolved, aliases = row
    names = sorted(set(json.loads(aliases or "[]")))
    return ident, name, kind, articles, mentions, _utc(first), _utc(last), bool(unresolved), names


def _quote(row: Row) -> Row:
    return (*row[:10], bool(row[10]), row[11])


def _story(row: Row) -> Row:
    ident, label, first, last, *rest = row
    return (ident, label, _utc(first), _utc(last), *rest)


@dataclass(frozen=True)
class _Table:
    name: str
    sql: str  # `{where}` takes the condition of an incremental export, or nothing
    since: str | None  # the condition on rows of articles ingested since a date; None: always in full
    convert: Callable[[Row], Row] | None = None
    weigh: Callable[[Row], int] | None = None  # characters a row holds, to bound a batch's memory


TABLES: tuple[_Table, ...] = (
    _Table(
        "articles",
        "SELECT a.id, a.url, a.title, s.name, a.published, a.published_utc, a.language, a.authors, a.credited, "
        "a.sections, "
        "a.word_count, a.text, a.location, a.ingested_at, sm.story_id, cl.original_id, cm.group_id "
        "FROM articles a LEFT JOIN sources s ON s.id = a.source_id "
        "LEFT JOIN story_members sm ON sm.article_id = a.id LEFT JOIN copy_links cl ON cl.copy_id = a.id "
        "LEFT JOIN copy_members cm ON cm.article_id = a.id {where} ORDER BY a.{rowid}",
        "a.ingested_at >= ?",
        _article,
        lambda row: len(row[11]) + len(row[2]),
    ),
    _Table(
        "mentions",
        "SELECT m.article_id, m.field, m.start, m.end, m.text, m.type, m.name_id, n.entity_id "
        "FROM mentions m LEFT JOIN names n ON n.id = m.name_id {where} ORDER BY m.{rowid}",
        f"m.article_id IN ({_SINCE_ARTICLES})",
    ),
    _Table(
        "entities",
        "SELECT e.id, e.name, e.type, e.article_count, e.mention_count, e.first_seen, e.last_seen, e.unresolved, "
        "(SELECT {names} FROM names n WHERE n.entity_id = e.id) "
        "FROM entities e {where} ORDER BY e.{rowid}",
        None,
        _entity,
    ),
    _Table(
        "quotes",
        "SELECT q.id, q.article_id, q.kind, q.text, q.start, q.end, q.speaker, n.entity_id, q.role, q.cue, "
        "q.anonymous, q.cluster_id FROM quotes q LEFT JOIN names n ON n.id = q.speaker_name_id {where} "
        "ORDER BY q.{rowid}",
        f"q.article_id IN ({_SINCE_ARTICLES})",
        _quote,
    ),
    _Table(
        "copy_links",
        "SELECT l.copy_id, l.original_id, l.group_id, l.kind, l.containment_copy, l.containment_original, "
        "l.shared_words, l.lag_seconds, l.changes FROM copy_links l {where} ORDER BY l.{rowid}",
        f"l.copy_id IN ({_SINCE_ARTICLES})",
        weigh=lambda row: len(row[8] or ""),
    ),
    _Table(
        "stories",
        "SELECT id, label, first_seen, last_update, articles, sources, first_article_id, first_source "
        "FROM stories {where} ORDER BY {rowid}",
        None,
        _story,
    ),
)


def since_timestamp(value: str) -> str:
    """`--since` as naive UTC (`2026-03-01T00:00:00`), comparable with stored `ingested_at` times."""
    stamp = utc_timestamp(normalise_date(value))
    if not stamp:
        raise BadQuery(f"--since expects a date such as 2026-03-01 or 2026-03-01T12:00, got {value!r}")
    return stamp


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []


def _prepare(folder: Path, incremental: bool, overwrite: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise UserError(f"cannot export to {folder}: it is a file, not a folder")
    if incremental or not folder.is_dir() or overwrite:
        return
    if any(folder.iterdir()):
        raise UserError(
            f"{folder} is not empty: pass --overwrite to replace the export in it, "
            "or --since DATE to add the articles ingested since then"
        )


def _part_name(folder: Path) -> str:
    """`part-<UTC time>.parquet`, the same name in every table's folder, new in all of them."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name, n = f"part-{stamp}.parquet", 1
    while any((folder / t.name / name).exists() for t in TABLES):
        name, n = f"part-{stamp}-{n}.parquet", n + 1
    return name


def _batch(schema: pa.Schema, rows: list[Row]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    arrays = [pa.array(column, type=field.type) for column, field in zip(columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _write_table(
    store: Store,
    table: _Table,
    path: Path,
    since: str | None,
    batch_rows: int,
    progress: Progress | None,
    keep_empty: bool,
) -> int:
    """Stream one table's rows into a Parquet file at `path`; returns the rows written (no file when
    there are none and `keep_empty` is false)."""
    schema = SCHEMAS[table.name]
    where, params = ("", []) if since is None or table.since is None else (f"WHERE {table.since}", [since])
    dialect = store.dialect
    sql = table.sql.format(where=where, rowid=dialect.rowid, names=dialect.names_json("n.name"))
    cursor = store.stream(sql, params)
    writer: pq.ParquetWriter | None = None
    pending: list[Row] = []
    weight = total = 0
    try:
        while True:
            rows = cursor.fetchmany(min(1024, batch_rows - len(pending)))  # a batch is at most batch_rows
            if rows:
                if table.weigh is not None:
                    weight += sum(table.weigh(row) for row in rows)
                pending.extend(map(table.convert, rows) if table.convert else rows)
            if pending and (not rows or len(pending) >= batch_rows or weight >= MAX_BATCH_CHARS):
                writer = writer or pq.ParquetWriter(path, schema)
                writer.write_batch(_batch(schema, pending))
                total += len(pending)
                pending, weight = [], 0
                if rows and progress is not None:
                    progress(table.name, total, False)
            if not rows:
                break
        if writer is None and keep_empty:
            writer = pq.ParquetWriter(path, schema)
    finally:
        cursor.close()
        if writer is not None:
            writer.close()
    if progress is not None:
        progress(table.name, total, True)
    return total


def export_parquet(
    store: Store,
    folder: Path,
    since: str | None = None,
    batch_rows: int = BATCH_ROWS,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Export the knowledge base as Parquet under `folder`, one sub-folder of part files per table.

    Without `since`, everything is exported into an empty (or new) folder; `overwrite` lets it
    replace the parts of an earlier export there. With `since` (a date or timestamp), the articles
    ingested on or after it, with their mentions, quotes and copy links, are added as new parts;
    entities and stories are exported in full each time, replacing their older parts.
    Returns `{format, folder, since, exported_at, counts, files, removed}`.
    """
    if batch_rows < 1:
        raise BadQuery(f"batch_rows must be at least 1, got {batch_rows}")
    stamp = since_timestamp(since) if since is not None else None
    if stamp is not None and overwrite:
        raise BadQuery("--overwrite replaces a full export; leave it out with --since, which adds parts")
    folder = Path(folder)
    _prepare(folder, stamp is not None, overwrite)
    exported_at = datetime.now(UTC).isoformat(timespec="seconds")
    name = _part_name(folder)
    written: list[tuple[Path, Path]] = []  # (hidden file being written, its final name)
    counts: dict[str, int] = {}
    created: list[Path] = []
    conn = store.conn
    own = not conn.in_transaction
    try:
        if own:
            conn.execute("BEGIN")  # one snapshot for every table
        for table in TABLES:
            target = folder / table.name
            created += [d for d in (folder, target) if not d.exists() and d not in created]
            target.mkdir(parents=True, exist_ok=True)
            hidden = target / f".{name}.tmp"
            full = stamp is None or table.since is None
            counts[table.name] = _write_table(
                store, table, hidden, stamp, batch_rows, progress, keep_empty=full or not _parts(target)
            )
            if hidden.exists():
                written.append((hidden, target / name))
    except BaseException:  # an unfinished export leaves nothing behind: no parts, no folders it made
        for table in TABLES:
            (folder / table.name / f".{name}.tmp").unlink(missing_ok=True)
        for made in reversed(created):
            if made.is_dir() and not any(made.iterdir()):
                made.rmdir()
        raise
    finally:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")  # nothing was written: this only ends the read snapshot
    replaced = {t.name for t in TABLES if stamp is None or t.since is None}
    old = [p for t in TABLES if t.name in replaced for p in _parts(folder / t.name)]
    for hidden, final in written:
        os.replace(hidden, final)
    for path in old:
        path.unlink()
    return {
        "format": "parquet",
        "folder": str(folder),
        "since": stamp,
        "exported_at": exported_at,
        "counts": counts,
        "files": [str(final) for _, final in written],
        "removed": [str(p) for p in old],
    }


def columns(table: str) -> Iterable[tuple[str, str, bool]]:
    """(column, type, nullable) of an exported table, as docs/export.md lists them."""
    return ((f.name, str(f.type).replace("element: ", ""), f.nullable) for f in SCHEMAS[table])
