"""The PostgreSQL backend (psycopg 3): one knowledge base on a server, shared by many writers and readers.

`PgConnection` gives the store modules the connection they know from SQLite: `execute` with `?`
parameters, cursors with `fetchone`/`fetchall`/`fetchmany`, autocommit outside the explicit
transactions `Store.transaction` opens. Writers are safe together: articles, names, mentions and
quotes are upserted by content-hash keys, a batch that deadlocks with another writer's is retried
(`Store.write_batch`), and the set-level steps run under an exclusive advisory lock, one ingest at
a time, which batches take shared: no batch is written while they run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import count
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import FloatLoader

from newsgraph.errors import DatabaseUnavailable
from newsgraph.store.base import Connection, Cursor, Store
from newsgraph.store.migrations import apply_migrations
from newsgraph.store.pg_schema import MIGRATIONS, MIN_SERVER_VERSION

SCHEMES = ("postgresql://", "postgres://")
_CORPUS_LOCK = 0x6E670001  # advisory lock keys: the set-level steps, and migrations
_MIGRATION_LOCK = 0x6E670002
_CONFIG = "newsgraph"  # the text-search configuration the schema creates
_HEADLINE = "StartSel=\x02, StopSel=\x03, MaxWords=16, MinWords=8, MaxFragments=2, FragmentDelimiter=' … '"
_streams = count()


def is_postgres(target: object) -> bool:
    return isinstance(target, str) and target.startswith(SCHEMES)


@lru_cache(maxsize=2048)
def _translated(sql: str) -> str:
    """SQLite's `?` parameters as psycopg's `%s` (and a literal `%` as `%%`), outside quoted strings."""
    out: list[str] = []
    quote = ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        if ch == "%":
            out.append("%%")
            continue
        out.append(ch)
    return "".join(out)


class PgConnection:
    """A psycopg connection that runs the store's SQL (see the module docstring)."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, parameters: Any = (), /) -> psycopg.Cursor[Any]:
        if parameters:
            return self.raw.execute(_translated(sql), parameters)
        return self.raw.execute(sql)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> psycopg.Cursor[Any]:
        cursor = self.raw.cursor()
        cursor.executemany(_translated(sql), parameters)
        return cursor

    def close(self) -> None:
        self.raw.close()


class PostgresDialect:
    name = "postgresql"
    begin = "BEGIN"
    begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ"
    query_errors: tuple[type[Exception], ...] = (psycopg.errors.SyntaxError, psycopg.errors.DataError)
    retry_errors: tuple[type[Exception], ...] = (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure)
    rowid = "ctid"
    migrations: Sequence[tuple[str, str]] = MIGRATIONS

    def week(self, expr: str) -> str:
        day = f"CAST(substr({expr}, 1, 10) AS date)"
        number = f"(EXTRACT(doy FROM {day})::int + 7 - EXTRACT(isodow FROM {day})::int) / 7"
        return f"(substr({expr}, 1, 4) || '-W' || lpad(({number})::text, 2, '0'))"

    def names_json(self, expr: str) -> str:
        return f"COALESCE(json_agg({expr}), '[]'::json)::text"

    def match_articles(self, alias: str) -> str:
        return f"{alias}.search @@ to_tsquery('{_CONFIG}', ?)"

    def match_quotes(self, alias: str) -> str:
        return f"to_tsvector('{_CONFIG}', {alias}.text) @@ to_tsquery('{_CONFIG}', ?)"

    def fts_query(self, words: Sequence[str]) -> str:
        return " & ".join(f"'{w}'" for w in words)  # \w+ words: no quote can break the syntax

    def snippets(self, store: Store, query: str, ids: Sequence[str]) -> dict[str, str]:
        table = store.id_table("snippets", ids)
        return dict(
            store.conn.execute(
                f"SELECT a.id, ts_headline('{_CONFIG}', a.text, to_tsquery('{_CONFIG}', ?), ?) FROM articles a "
                f"WHERE a.id IN (SELECT id FROM {table})",
                (query, _HEADLINE),
            ).fetchall()
        )

    def search(self, store: Store, query: str, raw: bool, where: str, params: Sequence[Any], limit: int) -> list[Any]:
        tsquery = f"websearch_to_tsquery('{_CONFIG}', ?)" if raw else f"to_tsquery('{_CONFIG}', ?)"
        return store.conn.execute(
            f"WITH hits AS (SELECT a.id, ts_rank(a.search, {tsquery}) AS score FROM articles a "
            f"LEFT JOIN sources s ON s.id = a.source_id WHERE a.search @@ {tsquery} {where} "
            "ORDER BY score DESC, a.id LIMIT ?) "
            f"SELECT a.id, a.title, s.name, a.published, a.url, a.location, "
            f"ts_headline('{_CONFIG}', a.text, {tsquery}, ?), h.score FROM hits h JOIN articles a ON a.id = h.id "
            "LEFT JOIN sources s ON s.id = a.source_id ORDER BY h.score DESC, a.id",
            [query, query, *params, limit, query, _HEADLINE],
        ).fetchall()

    def stream(self, conn: Connection, sql: str, params: Sequence[Any]) -> Cursor:
        assert isinstance(conn, PgConnection)
        # a server-side cursor; outside a transaction it is held (WITH HOLD) past the implicit commit
        cursor = conn.raw.cursor(name=f"newsgraph_stream_{next(_streams)}", withhold=not conn.in_transaction)
        cursor.execute(_translated(sql) if params else sql, params or None)
        return cursor

    def id_table(self, conn: Connection, name: str, ids: Iterable[str]) -> str:
        # an array literal, quoted by psycopg, rather than a temporary table: read-only sessions
        # (the web readers) cannot create tables
        assert isinstance(conn, PgConnection)
        values = pgsql.Literal(list(dict.fromkeys(ids))).as_string(conn.raw)
        return f'(SELECT unnest(CAST({values} AS text[])) COLLATE "C" AS id) AS ids_{name}'

    @contextmanager
    def corpus_lock(self, conn: Connection) -> Iterator[None]:
        conn.execute("SELECT pg_advisory_lock(?)", (_CORPUS_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(?)", (_CORPUS_LOCK,))

    def batch_lock(self, conn: Connection) -> None:
        conn.execute("SELECT pg_advisory_xact_lock_shared(?)", (_CORPUS_LOCK,))

    def analyze(self, conn: Connection) -> None:
        conn.execute("ANALYZE")


DIALECT = PostgresDialect()


def display_url(url: str) -> str:
    """The server URL as messages and `stats` show it: without the password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return url.split("@")[-1]
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def _connect(url: str, read_only: bool) -> PgConnection:
    shown = display_url(url)
    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=10, application_name="newsgraph")
    except psycopg.ProgrammingError as exc:
        raise DatabaseUnavailable(f"not a usable PostgreSQL URL {shown}: {_first_line(exc)}") from None
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {shown}: {_first_line(exc)}") from None
    version = raw.info.server_version
    if version < MIN_SERVER_VERSION:
        raw.close()
        raise DatabaseUnavailable(
            f"PostgreSQL at {shown} is version {version // 10000}; newsgraph needs {MIN_SERVER_VERSION // 10000} "
            "or newer"
        )
    raw.adapters.register_loader("numeric", FloatLoader)  # AVG/SUM of numerics as floats, as SQLite gives
    if read_only:
        raw.execute("SET default_transaction_read_only = on")
    return PgConnection(raw)


def _first_line(exc: Exception) -> str:
    """libpq's message without its hints and repeats: the line that says what went wrong."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in lines:
        if "FATAL:" in line:
            return line.split("FATAL:", 1)[1].strip()
    return lines[-1] if lines else type(exc).__name__


def open_postgres(url: str) -> Store:
    """Connect to the database at `url` and bring its schema up to date."""
    conn = _connect(url, read_only=False)
    try:
        conn.execute("SELECT pg_advisory_lock(?)", (_MIGRATION_LOCK,))  # two writers starting at once
        try:
            apply_migrations(conn, MIGRATIONS)
        finally:
            conn.execute("SELECT pg_advisory_unlock(?)", (_MIGRATION_LOCK,))
    except psycopg.Error as exc:
        conn.close()
        raise DatabaseUnavailable(
            f"cannot prepare PostgreSQL database {display_url(url)}: {_first_line(exc)}"
        ) from None
    return Store(conn, display_url(url), DIALECT)


def open_postgres_reader(url: str) -> Store:
    """A read-only session on an existing newsgraph database."""
    conn = _connect(url, read_only=True)
    try:
        conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()
    except psycopg.Error:
        conn.close()
        raise DatabaseUnavailable(
            f"no newsgraph database at {display_url(url)} (run `newsgraph ingest PATH --db URL` first)"
        ) from None
    return Store(conn, display_url(url), DIALECT)
