"""Drives the stages: the local streaming runner (and, later, the same stage functions on Dask)."""

from newsgraph.run.local import IngestSummary, ingest_paths, process_documents

__all__ = ["IngestSummary", "ingest_paths", "process_documents"]
