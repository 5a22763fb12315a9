"""Named, ordered schema migrations, recorded in the database as they are applied."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsgraph.store.base import Connection

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_core",
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE
        );
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            source_id INTEGER REFERENCES sources(id),
            url TEXT,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',
            published TEXT,
            published_utc TEXT,
            published_from TEXT,
            language TEXT,
            sections TEXT NOT NULL DEFAULT '[]',
            format TEXT NOT NULL,
            location TEXT NOT NULL,
            word_count INTEGER NOT NULL,
            raw_hash TEXT NOT NULL,
            extractor TEXT NOT NULL,
            ingested_at TEXT NOT NULL
        );
        CREATE INDEX articles_source ON articles(source_id);
        CREATE INDEX articles_published ON articles(published_utc);
        CREATE TABLE names (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            entity_id TEXT,
            dirty INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX names_entity ON names(entity_id);
        CREATE INDEX names_dirty ON names(dirty) WHERE dirty = 1;
        CREATE TABLE name_types (
            name_id TEXT NOT NULL REFERENCES names(id),
            type TEXT NOT NULL,
            articles INTEGER NOT NULL,
            PRIMARY KEY (name_id, type)
        );
        CREATE TABLE name_keys (
            key TEXT NOT NULL,
            name_id TEXT NOT NULL REFERENCES names(id),
            PRIMARY KEY (key, name_id)
        ) WITHOUT ROWID;
        CREATE INDEX name_keys_name ON name_keys(name_id);
        CREATE TABLE entities (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            name TEXT NOT NULL,
            article_count INTEGER NOT NULL DEFAULT 0,
            mention_count INTEGER NOT NULL DEFAULT 0,
            first_seen TEXT,
            last_seen TEXT,
            unresolved INTEGER NOT NULL DEFAULT 0,
            method TEXT NOT NULL
        );
        CREATE INDEX entities_type ON entities(type, article_count DESC);
        CREATE TABLE mentions (
            article_id TEXT NOT NULL REFERENCES articles(id),
            field TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            label TEXT NOT NULL,
            type TEXT NOT NULL,
            name_id TEXT NOT NULL REFERENCES names(id),
            method TEXT NOT NULL,
            PRIMARY KEY (article_id, field, start)
        );
        CREATE INDEX mentions_name ON mentions(name_id, article_id);
        CREATE TABLE curation (
            id INTEGER PRIMARY KEY,
            action TEXT NOT NULL,
            a TEXT NOT NULL,
            b TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE TABLE rejections (
            id TEXT PRIMARY KEY,
            stage TEXT NOT NULL,
            code TEXT NOT NULL,
            reason TEXT NOT NULL,
            location TEXT NOT NULL,
            raw_hash TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX rejections_location ON rejections(location);
        CREATE TABLE inputs (
            location TEXT NOT NULL,
            raw_hash TEXT NOT NULL,
            outcome TEXT NOT NULL,
            ref TEXT NOT NULL,
            PRIMARY KEY (location, raw_hash)
        );
        """,
    ),
    (
        "0002_search",
        """
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content='articles', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
        END;
        CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts(articles_fts, rowid, title, text)
            VALUES ('delete', old.rowid, old.title, old.text);
        END;
        """,
    ),
    (
        "0003_quotes",
        """
        CREATE TABLE quotes (
            id TEXT PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id),
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            norm TEXT NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            speaker TEXT,
            speaker_name_id TEXT REFERENCES names(id),
            role TEXT,
            cue TEXT,
            anonymous INTEGER NOT NULL DEFAULT 0,
            cluster_id TEXT,
            dirty INTEGER NOT NULL DEFAULT 1,
            method TEXT NOT NULL
        );
        CREATE INDEX quotes_article ON quotes(article_id);
        CREATE INDEX quotes_speaker ON quotes(speaker_name_id);
        CREATE INDEX quotes_cluster ON quotes(cluster_id);
        CREATE INDEX quotes_dirty ON quotes(dirty) WHERE dirty = 1;
        CREATE TABLE quote_shingles (
            shingle INTEGER NOT NULL,
            quote_id TEXT NOT NULL REFERENCES quotes(id),
            PRIMARY KEY (shingle, quote_id)
        ) WITHOUT ROWID;
        CREATE INDEX quote_shingles_quote ON quote_shingles(quote_id);
        CREATE VIRTUAL TABLE quotes_fts USING fts5(text, content='quotes', content_rowid='rowid');
        CREATE TRIGGER quotes_fts_insert AFTER INSERT ON quotes BEGIN
            INSERT INTO quotes_fts(rowid, text) VALUES (new.rowid, new.text);
        END;
        CREATE TRIGGER quotes_fts_delete AFTER DELETE ON quotes BEGIN
            INSERT INTO quotes_fts(quotes_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
        END;
        """,
    ),
    (
        "0004_copies",
        """
        CREATE TABLE fingerprints (
            article_id TEXT PRIMARY KEY REFERENCES articles(id),
            text_hash TEXT NOT NULL,
            words INTEGER NOT NULL,
            samples INTEGER NOT NULL,
            dirty INTEGER NOT NULL DEFAULT 1,
            method TEXT NOT NULL
        );
        CREATE INDEX fingerprints_hash ON fingerprints(text_hash);
        CREATE INDEX fingerprints_dirty ON fingerprints(dirty) WHERE dirty = 1;
        CREATE TABLE copy_index (
            hash INTEGER NOT NULL,
            article_id TEXT NOT NULL REFERENCES articles(id),
            PRIMARY KEY (hash, article_id)
        ) WITHOUT ROWID;
        CREATE INDEX copy_index_article ON copy_index(article_id);
        CREATE TABLE copy_pairs (
            a TEXT NOT NULL REFERENCES articles(id),
            b TEXT NOT NULL REFERENCES articles(id),
            kind TEXT NOT NULL,
            in_a REAL NOT NULL,
            in_b REAL NOT NULL,
            shared_words INTEGER NOT NULL,
            PRIMARY KEY (a, b)
        );
        CREATE INDEX copy_pairs_b ON copy_pairs(b);
        CREATE TABLE copy_members (
            article_id TEXT PRIMARY KEY REFERENCES articles(id),
            group_id TEXT NOT NULL
        );
        CREATE INDEX copy_members_group ON copy_members(group_id);
        CREATE TABLE copy_groups (
            id TEXT PRIMARY KEY,
            original_id TEXT NOT NULL REFERENCES articles(id),
            original_unknown INTEGER NOT NULL,
            size INTEGER NOT NULL
        );
        CREATE TABLE copy_links (
            copy_id TEXT PRIMARY KEY REFERENCES articles(id),
            original_id TEXT NOT NULL REFERENCES articles(id),
            group_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            containment_copy REAL NOT NULL,
            containment_original REAL NOT NULL,
            shared_words INTEGER NOT NULL,
            lag_seconds INTEGER,
            changes TEXT NOT NULL,
            method TEXT NOT NULL
        );
        CREATE INDEX copy_links_original ON copy_links(original_id);
        """,
    ),
    (
        "0005_stories",
        """
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            first_seen TEXT,
            last_update TEXT,
            articles INTEGER NOT NULL,
            sources INTEGER NOT NULL,
            first_article_id TEXT REFERENCES articles(id),
            first_source TEXT,
            method TEXT NOT NULL
        );
        CREATE INDEX stories_last ON stories(last_update);
        CREATE TABLE story_members (
            article_id TEXT PRIMARY KEY REFERENCES articles(id),
            story_id TEXT NOT NULL
        );
        CREATE INDEX story_members_story ON story_members(story_id);
        CREATE TABLE story_vectors (
            article_id TEXT PRIMARY KEY REFERENCES articles(id),
            vector TEXT NOT NULL,
            terms TEXT NOT NULL,
            entities TEXT NOT NULL
        );
        CREATE TABLE story_df (
            term TEXT PRIMARY KEY,
            df INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0006_copy_samples",
        """
        ALTER TABLE fingerprints ADD COLUMN sample BLOB;
        DROP INDEX IF EXISTS copy_index_article;
        DROP TABLE IF EXISTS copy_index;
        CREATE TABLE copy_links_new (
            copy_id TEXT PRIMARY KEY REFERENCES articles(id),
            original_id TEXT NOT NULL REFERENCES articles(id),
            group_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            containment_copy REAL NOT NULL,
            containment_original REAL NOT NULL,
            shared_words INTEGER NOT NULL,
            lag_seconds INTEGER,
            changes TEXT,
            method TEXT NOT NULL
        );
        INSERT INTO copy_links_new SELECT copy_id, original_id, group_id, kind, containment_copy,
            containment_original, shared_words, lag_seconds, changes, method FROM copy_links;
        DROP TABLE copy_links;
        ALTER TABLE copy_links_new RENAME TO copy_links;
        CREATE INDEX copy_links_original ON copy_links(original_id);
        CREATE INDEX copy_links_undescribed ON copy_links(copy_id) WHERE changes IS NULL;
        """,
    ),
    (
        "0007_follow",
        """
        CREATE TABLE followed (
            url TEXT PRIMARY KEY,
            kind TEXT,
            feed_url TEXT NOT NULL,
            added_at TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            last_poll TEXT,
            last_status TEXT,
            last_error TEXT,
            errors INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            next_poll TEXT,
            entries INTEGER NOT NULL DEFAULT 0,
            articles INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE seen_urls (
            url TEXT PRIMARY KEY,
            followed_url TEXT,
            first_seen TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            retry_at TEXT,
            last_error TEXT,
            published TEXT,
            article_id TEXT
        );
        CREATE INDEX seen_urls_state ON seen_urls(state, retry_at);
        CREATE TABLE captures (
            warc_file TEXT NOT NULL,
            warc_offset INTEGER NOT NULL,
            url TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            status INTEGER NOT NULL,
            article_id TEXT,
            PRIMARY KEY (warc_file, warc_offset)
        );
        CREATE INDEX captures_article ON captures(article_id);
        CREATE INDEX articles_url ON articles(url);
        """,
    ),
    (
        "0008_read_indexes",
        """
        CREATE TABLE quote_clusters (
            id TEXT PRIMARY KEY,
            first_published TEXT NOT NULL,
            appearances INTEGER NOT NULL
        );
        CREATE INDEX quote_clusters_first ON quote_clusters(first_published, id);
        INSERT INTO quote_clusters (id, first_published, appearances)
            SELECT q.cluster_id, COALESCE(MIN(a.published_utc), ''), COUNT(*) FROM quotes q
            JOIN articles a ON a.id = q.article_id WHERE q.cluster_id IS NOT NULL GROUP BY q.cluster_id;
        CREATE INDEX articles_published_id ON articles(published_utc, id);
        CREATE INDEX mentions_article ON mentions(article_id, name_id);
        DROP INDEX mentions_name;
        CREATE INDEX mentions_name ON mentions(name_id, article_id, text);
        """,
    ),
    (
        "0009_credited",
        """
        ALTER TABLE articles ADD COLUMN credited TEXT NOT NULL DEFAULT '[]';
        """,
    ),
    (
        "0010_store_state",
        """
        CREATE TABLE store_state (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        INSERT INTO store_state (name, value) SELECT 'name_keys', 'matching.v5' WHERE EXISTS (SELECT 1 FROM names);
        ALTER TABLE names ADD COLUMN group_id TEXT;
        ALTER TABLE names ADD COLUMN resolved_type TEXT;
        CREATE INDEX names_group ON names(group_id);
        CREATE TABLE oversized_keys (
            key TEXT PRIMARY KEY
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0011_story_state",
        """
        CREATE TABLE story_state (
            story_id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            method TEXT NOT NULL
        );
        """,
    ),
    (
        "0012_name_edges",
        """
        CREATE TABLE name_edges (
            a TEXT NOT NULL,
            b TEXT NOT NULL,
            PRIMARY KEY (a, b)
        );
        CREATE INDEX name_edges_b ON name_edges(b);
        """,
    ),
    (
        "0013_batch_lookups",
        # what a small batch looks up in a large store, found along an index instead of a scan:
        # the quotes of fewer than four words (no 4-grams) by their words, the fingerprints still
        # without a stored sample, and the links of a copy group
        """
        CREATE INDEX quotes_short_norm ON quotes(norm) WHERE length(norm) - length(replace(norm, ' ', '')) < 3;
        CREATE INDEX fingerprints_unsampled ON fingerprints(article_id) WHERE sample IS NULL;
        CREATE INDEX copy_links_group ON copy_links(group_id);
        """,
    ),
]


def applied_migrations(conn: Connection) -> list[str]:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]


def apply_migrations(conn: Connection, migrations: Sequence[tuple[str, str]] = MIGRATIONS) -> list[str]:
    """Apply every migration not yet recorded, each in its own transaction; returns their names.

    `migrations` are SQLite's unless given (PostgreSQL's are in `store/pg_schema.py`, same names)."""
    done = set(applied_migrations(conn))
    applied = []
    for name, sql in migrations:
        if name in done:
            continue
        conn.execute("BEGIN")
        try:
            for statement in statements(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def statements(sql: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN … END;) whole."""
    statements: list[str] = []
    buffer: list[str] = []
    for line in sql.strip().splitlines():
        buffer.append(line)
        joined = "\n".join(buffer).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            buffer = []
    if "\n".join(buffer).strip():
        statements.append("\n".join(buffer).strip())
    return statements
