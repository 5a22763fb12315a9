"""Edge: records ⇄ rows. SQLite first; schema by named migrations; one writer."""

from newsgraph.store.sqlite import Store, open_store

__all__ = ["Store", "open_store"]
