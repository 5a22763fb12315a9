"""Quote provenance: the same quotation in several articles is one quote with its appearances.

Quotations are compared as word 4-gram sets: one quote is another's appearance when most of the
shorter one's 4-grams are in the longer one, so a quote trimmed by one outlet, or with a word
changed, still joins its first appearance. Quotes too short for 4-grams must match exactly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence

from newsgraph.corpus.entities import UnionFind
from newsgraph.records import content_hash

PROVENANCE = "quote-provenance.v1"
SHINGLE = 4
CONTAINMENT = 0.6  # share of the shorter quote's 4-grams found in the other
_WORD = re.compile(r"\w+")


def normalise_quote(text: str) -> str:
    """Lower-case words only: quote marks, punctuation, apostrophe styles and spacing do not count."""
    return " ".join(_WORD.findall(text.lower().replace("’", "'").replace("'", "")))


def quote_shingles(norm: str) -> set[int]:
    """Hashed word 4-grams of a normalised quote (signed 64-bit, to store in SQLite)."""
    words = norm.split()
    grams = [" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    return {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big", signed=True) for g in grams}


def same_quote(a: str, b: str, shingles_a: set[int], shingles_b: set[int]) -> bool:
    if not shingles_a or not shingles_b:
        return a == b
    shared = len(shingles_a & shingles_b)
    return shared / min(len(shingles_a), len(shingles_b)) >= CONTAINMENT


def cluster_quotes(
    norms: Mapping[str, str], pairs: Iterable[tuple[str, str]], joined: Iterable[Sequence[str]] = ()
) -> dict[str, str]:
    """Cluster id per quote id, from the candidate pairs that pass `same_quote`. `joined` gives
    groups of quotes already known to be one cluster (earlier clusters, whose members are joined
    by pairs that pass): their pairs need not be given.

    The result depends only on the quotes, pairs and groups given, not their order.
    """
    shingles = {ident: quote_shingles(norm) for ident, norm in norms.items()}
    clusters = UnionFind(norms)  # the smallest quote id of a cluster is its root, whatever the order
    for group in joined:
        clusters.join([ident for ident in group if ident in norms])
    for a, b in pairs:
        joins = a in norms and b in norms and clusters.find(a) != clusters.find(b)
        if joins and same_quote(norms[a], norms[b], shingles[a], shingles[b]):
            clusters.union(a, b)
    return {ident: content_hash("quote-cluster", clusters.find(ident), length=16) for ident in norms}
