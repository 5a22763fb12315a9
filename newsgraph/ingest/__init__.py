"""Edge: bytes in, RawDocument out — one small generator per input format."""

from newsgraph.ingest.files import iter_inputs, read_document

__all__ = ["iter_inputs", "read_document"]
