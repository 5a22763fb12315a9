"""Who copied whom: text fingerprints, copy candidates, and the overlap of a pair.

Each article's text is reduced to word 5-grams of its normalised words (lower case, quote marks,
punctuation and spacing ignored) and a fixed, content-defined sample of their hashes — about one
in eight, the same 5-grams in every article — is kept as its fingerprint. Two articles that
share a passage share the sampled 5-grams of that passage, so the sample estimates
*containment* (the share of one text found in the other), not just Jaccard similarity: a
300-word copy inside a 1,200-word article is found as readily as a full duplicate.

Candidates from the sampled index are then checked on the full texts: containment both ways
on all 5-grams, and the shared passages, which must make a long enough stretch (see CopyRules).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np

COPIES = "copies.shingle5-sample8.v2"
SHINGLE = 5
SAMPLE = 8  # keep hashes ≡ 0 mod SAMPLE (a power of two)
MIN_SHARED_SAMPLES = 3  # candidates share at least this many sampled 5-grams
MIN_PASSAGE_WORDS = 8
COMMON_HASH = 50  # a sampled 5-gram in more articles than this is site furniture, not evidence
ESTIMATE_SLACK = 0.5  # candidates need this share of the containment threshold in the sample
# bytes that are not ASCII letters or digits become gaps; non-ASCII bytes (letters of other
# scripts, as UTF-8) stay part of words
_GAPS = bytes(c if (48 <= c <= 57 or 97 <= c <= 122 or c >= 128) else 32 for c in range(256))
_UNICODE_PUNCTUATION = "“”«»„—–…‐‑‒―·•"
_APOSTROPHES = "’'‘`ʼ"
_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD],
    dtype=np.uint64,
)


def words(text: str) -> list[bytes]:
    """Normalised words (UTF-8): lower case, apostrophes dropped, punctuation and spacing a gap."""
    lowered = text.lower()
    for mark in _APOSTROPHES:
        if mark in lowered:
            lowered = lowered.replace(mark, "")
    for mark in _UNICODE_PUNCTUATION:
        if mark in lowered:
            lowered = lowered.replace(mark, " ")
    return lowered.encode("utf-8", "replace").translate(_GAPS).split()


_QUOTE_MARK = re.compile('["“”«»„]')


def words_and_quotes(text: str) -> tuple[list[bytes], list[bool]]:
    """`words(text)`, and for each word whether it stands inside quotation marks.

    Every double quote mark opens or closes a quotation; a paragraph starts outside one, so a
    quotation left open (a multi-paragraph quote, or a stray mark) ends with its paragraph.
    Quote marks and line breaks are gaps between words, so the text's words are its pieces' words.
    """
    tokens: list[bytes] = []
    flags: list[bool] = []
    for paragraph in text.split("\n"):
        inside = False
        for segment in _QUOTE_MARK.split(paragraph):
            found = words(segment)
            tokens.extend(found)
            flags.extend([inside] * len(found))
            inside = not inside
    return tokens, flags


def quoted_words(text: str) -> list[bool]:
    """For each word of `words(text)`, whether it stands inside quotation marks."""
    return words_and_quotes(text)[1]


def text_hash(text: str) -> str:
    """Identity of an article's words, whatever its punctuation, quote marks and spacing."""
    return hashlib.sha1(b" ".join(words(text))).hexdigest()[:20]


def shingle_hashes(tokens: list[bytes]) -> np.ndarray:
    """64-bit hashes of every word 5-gram (as int64, for SQLite), in text order."""
    if len(tokens) < SHINGLE:
        tokens = tokens + [b""] * (SHINGLE - len(tokens)) if tokens else []
    if not tokens:
        return np.zeros(0, dtype=np.int64)
    ids = np.fromiter(map(zlib.crc32, tokens), dtype=np.uint64, count=len(tokens))
    n = len(tokens) - SHINGLE + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(SHINGLE):
            h ^= ids[j : j + n] * _MULTIPLIERS[j]
        h ^= h >> np.uint64(31)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(29)
    return h.view(np.int64)


@dataclass(frozen=True)
class Fingerprint:
    text_hash: str
    words: int
    sample: tuple[int, ...]  # distinct sampled 5-gram hashes


def fingerprint(text: str) -> Fingerprint:
    tokens = words(text)
    hashes = shingle_hashes(tokens)
    sampled = hashes[(hashes & (SAMPLE - 1)) == 0]
    digest = hashlib.sha1(b" ".join(tokens)).hexdigest()[:20]
    return Fingerprint(digest, len(tokens), tuple(sorted(set(sampled.tolist()))))


def sample_bytes(print_: Fingerprint) -> bytes:
    """A fingerprint's sample as stored: little-endian int64s, ascending."""
    return np.asarray(print_.sample, dtype="<i8").tobytes()


def candidate_pairs(samples: list[bytes], dirty: np.ndarray, min_containment: float) -> list[tuple[int, int, int]]:
    """Pairs of articles whose samples suggest a copy, as (i, j, shared sampled 5-grams), i < j.

    `samples[i]` is article i's stored sample, `dirty[i]` whether it is new: only pairs with a new
    article are returned. See `shared_sample_pairs` for how pairs are found and kept.
    """
    counts = np.fromiter((len(s) // 8 for s in samples), dtype=np.int64, count=len(samples))
    hashes, owners = sample_entries([list(enumerate(samples))], None)
    return shared_sample_pairs(hashes, owners, counts, dirty, min_containment)


def shared_sample_pairs(
    hashes: np.ndarray, owners: np.ndarray, counts: np.ndarray, dirty: np.ndarray, min_containment: float
) -> list[tuple[int, int, int]]:
    """Candidate pairs from sampled hashes and the article (index) each belongs to.

    The entries are sorted together, so articles sharing a hash are neighbours: no per-article
    lookups and no comparison of articles that share nothing. Only pairs with a new article
    (`dirty`) are made, so entries whose hash no new article has may be left out beforehand (see
    `sample_entries`). A hash in more than COMMON_HASH articles is furniture and counts for nothing.
    A pair needs MIN_SHARED_SAMPLES shared hashes, and that many must be a fair share of the
    smaller whole sample (`counts`, ESTIMATE_SLACK of `min_containment`); the full texts decide
    afterwards.
    """
    if len(hashes) == 0 or not dirty.any():
        return []
    order = np.argsort(hashes, kind="stable")
    hashes, owners = hashes[order], owners[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    lengths = np.diff(np.r_[starts, len(hashes)])
    useful = (lengths >= 2) & (lengths <= COMMON_HASH)
    if not dirty.all():
        # only runs holding a new article can make a new pair
        new_at = np.r_[0, np.cumsum(dirty[owners])]
        useful &= new_at[starts + lengths] > new_at[starts]
    starts, lengths = starts[useful], lengths[useful]
    n = np.int64(len(counts))
    codes = []
    for length in np.unique(lengths).tolist():
        at = starts[lengths == length]
        for a in range(length - 1):
            first = owners[at + a]
            for b in range(a + 1, length):
                second = owners[at + b]
                low, high = np.minimum(first, second), np.maximum(first, second)
                keep = (low != high) & (dirty[low] | dirty[high])
                codes.append(low[keep] * n + high[keep])
    if not codes:
        return []
    pairs, shared = np.unique(np.concatenate(codes), return_counts=True)
    low, high = pairs // n, pairs % n
    smaller = np.maximum(1, np.minimum(counts[low], counts[high]))
    keep = (shared >= MIN_SHARED_SAMPLES) & (shared / smaller >= min_containment * ESTIMATE_SLACK)
    return list(zip(low[keep].tolist(), high[keep].tolist(), shared[keep].tolist(), strict=True))


def sample_entries(
    chunks: Iterable[list[tuple[int, bytes]]], wanted: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """(hash, article index) entries from chunks of (index, stored sample), keeping only hashes in
    `wanted` (sorted, unique) when given: memory then follows the new articles' hashes, not the corpus."""
    kept_hashes, kept_owners = [], []
    for chunk in chunks:
        if not chunk:
            continue
        lengths = np.fromiter((len(blob) // 8 for _, blob in chunk), dtype=np.int64, count=len(chunk))
        hashes = np.frombuffer(b"".join(blob for _, blob in chunk), dtype="<i8")
        owners = np.repeat(np.fromiter((i for i, _ in chunk), dtype=np.int64, count=len(chunk)), lengths)
        if wanted is not None:
            keep = np.isin(hashes, wanted, assume_unique=False)
            hashes, owners = hashes[keep], owners[keep]
        kept_hashes.append(hashes)
        kept_owners.append(owners)
    if not kept_hashes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(kept_hashes), np.concatenate(kept_owners)


@dataclass(frozen=True)
class Overlap:
    """How much of each text of a pair is in the other, measured on all 5-grams."""

    in_a: float  # share of a's 5-grams found in b
    in_b: float  # share of b's 5-grams found in a
    shared_words: int  # words in shared passages of MIN_PASSAGE_WORDS or more
    passages: tuple[tuple[int, int, int], ...]  # (start word in a, start word in b, length)
    exact: bool
    narrative: tuple[int, ...] = ()  # per passage, its words outside quotation marks in both texts

    @property
    def containment(self) -> float:
        return max(self.in_a, self.in_b)


@lru_cache(maxsize=256)
def _prepared(text: str) -> tuple[tuple[bytes, ...], frozenset[int], tuple[bool, ...]]:
    """A text's words, its set of 5-gram hashes and its quoted-word flags. Batches verify each
    article against several candidates in a row, so the last few are kept."""
    tokens, quoted = words_and_quotes(text)
    return tuple(tokens), frozenset(shingle_hashes(tokens).tolist()), tuple(quoted)


def overlap(text_a: str, text_b: str) -> Overlap:
    (tokens_a, set_a, quoted_a), (tokens_b, set_b, quoted_b) = _prepared(text_a), _prepared(text_b)
    shared = len(set_a & set_b)
    exact = tokens_a == tokens_b
    if exact:  # a word-for-word copy is one passage, as the matcher would find it, at no cost
        passages: tuple[tuple[int, int, int], ...] = (
            ((0, 0, len(tokens_a)),) if len(tokens_a) >= MIN_PASSAGE_WORDS else ()
        )
    else:
        matcher = SequenceMatcher(None, tokens_a, tokens_b, autojunk=False)
        passages = tuple(
            (block.a, block.b, block.size) for block in matcher.get_matching_blocks() if block.size >= MIN_PASSAGE_WORDS
        )
    narrative = tuple(
        sum(1 for qa, qb in zip(quoted_a[a : a + n], quoted_b[b : b + n], strict=True) if not (qa or qb))
        for a, b, n in passages
    )
    return Overlap(
        in_a=shared / len(set_a) if set_a else 0.0,
        in_b=shared / len(set_b) if set_b else 0.0,
        shared_words=sum(p[2] for p in passages),
        passages=passages,
        exact=exact,
        narrative=narrative,
    )


def copied_stretch(passages: tuple[tuple[int, int, int], ...], gap: int, counted: tuple[int, ...] | None = None) -> int:
    """Words in the longest stretch of shared passages that follow each other in both texts with at
    most `gap` words between them (a changed name or number splits a passage, not a stretch).

    `counted`, when given, is how much each passage adds to a stretch in place of its length (its
    words weighted, quoted ones at half); the passage still joins the stretch whatever it adds."""
    best = current = 0
    end: tuple[int, int] | None = None
    weights = counted if counted is not None else tuple(p[2] for p in passages)
    for (start_a, start_b, size), weight in sorted(zip(passages, weights, strict=True)):
        if end is not None and 0 <= start_a - end[0] <= gap and 0 <= start_b - end[1] <= gap:
            current += weight
        else:
            current = weight
        best = max(best, current)
        end = (start_a + size, start_b + size)
    return best


@dataclass(frozen=True)
class CopyRules:
    """When a pair is a copy: enough of one text in the other, in stretches long enough to be copying.

    Reports of one event share phrases and the same quotations (a statement quoted by every outlet
    runs to 30 or 40 words, and several statements may be quoted alike); copies share a stretch of
    text: `min_copied_run` words of shared passages, allowing `run_gap` changed words between them.
    Unless each text is mostly the other (`near_duplicate`), that many of the words must stand
    outside quotation marks: a partial copy shares narrative, not just what someone said.
    """

    min_containment: float = 0.3
    min_shared_words: int = 40
    min_copied_run: int = 50
    run_gap: int = 6
    near_duplicate: float = 0.7


def classify(pair: Overlap, rules: CopyRules) -> str | None:
    """`exact`, `near_duplicate`, `partial`, or None when the pair is not a copy."""
    if pair.exact:
        return "exact"
    if pair.shared_words < rules.min_shared_words or pair.containment < rules.min_containment:
        return None
    if copied_stretch(pair.passages, rules.run_gap) < rules.min_copied_run:
        return None
    if min(pair.in_a, pair.in_b) >= rules.near_duplicate:
        return "near_duplicate"
    if pair.narrative:
        # quoted words are half the evidence narrative words are: reports of one event quote alike
        weights = tuple((n + p[2]) // 2 for n, p in zip(pair.narrative, pair.passages, strict=True))
        if copied_stretch(pair.passages, rules.run_gap, weights) < rules.min_copied_run:
            return None  # what the two share is mostly quotation
    return "partial"
