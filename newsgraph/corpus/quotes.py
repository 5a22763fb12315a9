"""Quote provenance: the same quotation in several articles is one quote with its appearances.

Quotations are compared as word 4-gram sets: one quote is another's appearance when most of the
shorter one's 4-grams are in the longer one, so a quote trimmed by one outlet, or with a word
changed, still joins its first appearance. Quotes too short for 4-grams must match exactly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence

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
    parent = {ident: ident for ident in norms}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for group in joined:
        members = [ident for ident in group if ident in norms]
        for other in members[1:]:
            union(members[0], other)
    for a, b in pairs:
        joins = a in norms and b in norms and find(a) != find(b)
        if joins and same_quote(norms[a], norms[b], shingles[a], shingles[b]):
            union(a, b)
    return {ident: content_hash("quote-cluster", find(ident), length=16) for ident in norms}
