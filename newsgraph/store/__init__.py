"""Edge: records ⇄ rows. One store interface, two backends (SQLite, PostgreSQL); schema by named migrations."""

from newsgraph.store.base import Store
from newsgraph.store.connect import open_store

__all__ = ["Store", "open_store"]
