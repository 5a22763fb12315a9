"""Stories: online clustering of articles into events, in publication order.

Each article, taken in order of publication, joins the active story it most likely belongs to,
when that likelihood reaches `threshold`, or starts a new one. The likelihood comes from the
story model (`newsgraph.corpus.story_model`), a logistic model fitted on labelled events over:

- TF-IDF cosine over stemmed words and numbers (headline words count twice), with the story's
  centroid and on average with its articles; document frequencies are counted over the articles
  seen so far, so the result depends only on the articles and their order, never on batch
  boundaries;
- the people, organisations and places the article names, by the share of the story's articles
  naming them too (names are compared by transliteration key, so `Zubaidi` and `Zubeidi` agree);
  the years and other numbers in the text alike: two similar events are told apart by who,
  where and how many;
- time: a story is active for `window_days` after its latest article, and older stories
  match less.

A copy of an article is always put in its original's story. A story whose centroid comes to
match another's closely is merged into the older one. An article that joins a story and is also
likely (`bridge_threshold`) to belong to the story of one lone earlier article ties the two: that
article, which started a story for want of evidence (a feature piece with few shared words), is
put with the story.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS

from newsgraph.corpus.story_model import DEFAULT_MODEL, NAME_KINDS, StoryModel

STORIES = "stories.online-model.v2"
_GAPS = bytes(c if (48 <= c <= 57 or 97 <= c <= 122 or c >= 128) else 32 for c in range(256))
_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "s")
_STOP = frozenset(STOP_WORDS) | {"said", "says", "told", "mr", "mrs", "ms", "year", "years", "new", "like"}
PRIOR_DOCUMENTS = 30
TOP_TERMS = 12  # terms per article used to find candidate stories
MERGE_HEAD_TERMS = 48  # a story's strongest terms, used to rule out merges cheaply
BRIDGE_MAX_ARTICLES = 1  # stories this small are joined to the story of an article that ties to them
NUMBER = "#"  # prefix of number terms (`#2008`), counted apart from words
_YEAR_FIRST = ("#19", "#20")


@dataclass(frozen=True)
class StorySettings:
    threshold: float = 0.25  # the story model's probability needed to join a story
    window_days: float = 7.0
    merge_threshold: float = 0.6  # centroid similarity at which two stories become one
    bridge_threshold: float = 0.4  # an article this likely to belong to a lone article's story too joins them
    split_threshold: float = 0.1  # maintenance: parts of a story whose articles match less than this split
    split_min_articles: int = 12  # maintenance: stories this large are checked
    split_min_part: int = 3  # maintenance: a part needs this many articles to stand alone
    model: StoryModel = DEFAULT_MODEL


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light English suffix stripper: enough to join `strike`/`strikes`, `evacuate`/`evacuation`.
    Kept for the words met most (a text repeats its words, news its vocabulary)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def terms(title: str, text: str) -> Counter[str]:
    """Stemmed content words, and numbers of two or more digits as `#123`; headline terms count twice."""
    counts: Counter[str] = Counter()
    for weight, part in ((2, title), (1, text)):
        for raw in part.lower().replace("’", "").replace("'", "").encode("utf-8", "replace").translate(_GAPS).split():
            word = raw.decode("utf-8", "replace")
            if word.isdigit():
                if len(word) > 1:
                    counts[NUMBER + word] += weight
            elif len(word) > 2 and word not in _STOP:
                counts[stem(word)] += weight
    return counts


def is_year(term: str) -> bool:
    return len(term) == 5 and term.startswith(_YEAR_FIRST)


@dataclass(frozen=True)
class StoryArticle:
    """What clustering needs to know about an article."""

    id: str
    published: datetime | None
    title: str
    terms: Counter[str]
    entities: dict[str, str]  # entity key → type
    copy_of: str | None = None


@dataclass
class Story:
    id: str
    first: datetime | None
    last: datetime | None
    members: list[str] = field(default_factory=list)
    centroid: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    entities: Counter[str] = field(default_factory=Counter)
    merged_into: str | None = None
    keys: set[str] = field(default_factory=set)  # its keys, in the postings (`StoryClusterer.partial`)
    square: float = 0.0  # squared norm of the centroid, kept as the centroid grows
    types: dict[str, str] = field(default_factory=dict)  # name key → type, as first seen
    kinds: Counter[str] = field(default_factory=Counter)  # names of each type
    numbers: Counter[str] = field(default_factory=Counter)  # number term → articles with it

    def add_vector(self, vector: Mapping[str, float]) -> None:
        centroid = self.centroid
        square = self.square
        for term, value in vector.items():
            old = centroid[term]
            new = old + value
            centroid[term] = new
            square += new * new - old * old
        self.square = square

    def add_article(self, vector: Mapping[str, float], entities: Mapping[str, str]) -> None:
        """Count in one article: its TF-IDF vector, its numbers and its names."""
        self.add_vector(vector)
        self.numbers.update(t for t in vector if t[0] == NUMBER)
        self._add_names(dict.fromkeys(entities, 1), entities)

    def absorb(self, other: Story) -> None:
        """Count in all of another story's articles."""
        self.add_vector(other.centroid)
        self.numbers.update(other.numbers)
        self._add_names(other.entities, other.types)

    def _add_names(self, counts: Mapping[str, int], types: Mapping[str, str]) -> None:
        for key, count in counts.items():
            self.entities[key] += count
            kind = types.get(key)
            if kind is not None and key not in self.types:
                self.types[key] = kind
                self.kinds[kind] += 1

    @property
    def norm(self) -> float:
        return math.sqrt(self.square) if self.square > 0 else 1.0

    def state(self) -> str:
        """The story's sums over its articles, as JSON (floats written exactly): what `from_state`
        needs, with the member ids, to put the story back without reading its articles."""
        return json.dumps(
            {
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None,
                "centroid": self.centroid,
                "square": self.square,
                "entities": self.entities,
                "types": self.types,
                "kinds": self.kinds,
                "numbers": self.numbers,
                "keys": sorted(self.keys),
            }
        )

    @classmethod
    def from_state(cls, story_id: str, members: list[str], state: str) -> Story:
        saved = json.loads(state)
        return cls(
            story_id,
            datetime.fromisoformat(saved["first"]) if saved["first"] else None,
            datetime.fromisoformat(saved["last"]) if saved["last"] else None,
            members,
            defaultdict(float, saved["centroid"]),
            Counter(saved["entities"]),
            keys=set(saved["keys"]),
            square=saved["square"],
            types=saved["types"],
            kinds=Counter(saved["kinds"]),
            numbers=Counter(saved["numbers"]),
        )


def _index_keys(vector: dict[str, float], entities: Iterable[str]) -> list[str]:
    """Postings keys of an article: its strongest terms and its names."""
    return [*sorted(vector, key=lambda t: (-vector[t], t))[:TOP_TERMS], *("E:" + e for e in entities)]


def _norm(vector: Mapping[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vector.values())) or 1.0


def _share(mine: Sequence[str], counts: Counter[str], size: int) -> float:
    return sum(min(1.0, counts[k] / size) for k in mine) / len(mine)


def story_features(article: StoryArticle, vector: Mapping[str, float], story: Story, window_days: float) -> list[float]:
    """The story model's features (`story_model.FEATURES`) of an article and a story."""
    centroid = story.centroid
    size = len(story.members) or 1
    dot = sum(v * centroid[t] for t, v in vector.items() if t in centroid)
    out = [dot / story.norm, dot / size]
    for kind in NAME_KINDS:
        mine = [k for k, t in article.entities.items() if t == kind]
        if mine and story.kinds[kind]:
            out += [_share(mine, story.entities, size), 1.0]
        else:
            out += [0.0, 0.0]
    numbers = [t for t in vector if t[0] == NUMBER]
    years = [t for t in numbers if is_year(t)]
    others = [t for t in numbers if not is_year(t)]
    story_years = any(is_year(t) for t in story.numbers)
    story_others = any(not is_year(t) for t in story.numbers)
    for mine, theirs in ((years, story_years), (others, story_others)):
        out += [_share(mine, story.numbers, size), 1.0] if mine and theirs else [0.0, 0.0]
    age = 0.0
    if article.published and story.last:
        age = min(1.0, abs((article.published - story.last).total_seconds()) / 86400 / window_days)
    return [*out, age, math.log(size), math.sqrt(max(0.0, out[0])), math.sqrt(max(0.0, out[1]))]


class StoryClusterer:
    """Online clustering state; feed articles with `add` in publication order."""

    def __init__(self, settings: StorySettings | None = None, keep_states: bool = False) -> None:
        """`keep_states`: note the stories each step changes and keep the state of those forgotten
        (`changed_states`), for a store to save; off, memory follows the active window alone."""
        self.settings = settings or StorySettings()
        self.df: Counter[str] = Counter()
        self.seen = 0
        self.stories: dict[str, Story] = {}
        self.story_of: dict[str, str] = {}
        self.postings: dict[str, set[str]] = {}
        # stories put back from their saved sums with only their keys in `vocabulary` in the
        # postings (a long story has more keys than a batch can ask for)
        self.partial: set[str] = set()
        self.vocabulary: frozenset[str] = frozenset()
        self.vectors: dict[str, dict[str, float]] = {}  # each placed article's TF-IDF vector, as used
        self.latest: datetime | None = None
        self.keep_states = keep_states
        self.changed: set[str] = set()  # stories joined, merged or restored from articles since the start
        self.retired: dict[str, str] = {}  # the state of each changed story forgotten since

    # ---- vectors --------------------------------------------------------------------------------

    def _tfidf(self, counts: Counter[str]) -> dict[str, float]:
        # a background of PRIOR_DOCUMENTS unseen documents keeps early weights sensible (cold start)
        total = self.seen + 1 + PRIOR_DOCUMENTS
        vector = {t: (1 + math.log(c)) * math.log(total / (self.df[t] + 1)) for t, c in counts.items()}
        norm = _norm(vector)
        return {t: v / norm for t, v in vector.items() if v > 0}

    def _score(self, article: StoryArticle, vector: dict[str, float], story: Story) -> float:
        s = self.settings
        return s.model.probability(story_features(article, vector, story, s.window_days))

    def _active(self, story: Story, when: datetime | None) -> bool:
        if story.merged_into is not None:
            return False
        when = when or self.latest  # an undated article is compared with what is active now
        if when is None or story.last is None:
            return True
        return abs((when - story.last).total_seconds()) <= self.settings.window_days * 86400

    # ---- the online step --------------------------------------------------------------------------

    def add(self, article: StoryArticle, new_story_id: str) -> str:
        """Place one article; returns its story id (`new_story_id` when it starts a story)."""
        vector = self._tfidf(article.terms)
        chosen: str | None = None
        if article.copy_of and article.copy_of in self.story_of:
            chosen = self._live(self.story_of[article.copy_of])
        bridged: list[str] = []
        if chosen is None:
            scored = self._scored(article, vector)
            chosen, _ = self._best(scored)
            if chosen is not None:
                bridged = [
                    s
                    for s, p in scored[1:]
                    if p > self.settings.bridge_threshold and len(self.stories[s].members) <= BRIDGE_MAX_ARTICLES
                ]
        if chosen is None:
            chosen = new_story_id
            self.stories[chosen] = Story(chosen, article.published, article.published)
        self._join(self.stories[chosen], article, vector)
        for other in bridged:  # a lone article this one ties to its story: it belonged there
            chosen = self._merge(self.stories[self._live(chosen)], self.stories[other]).id
        self._maybe_merge(self.stories[chosen], article.published)
        self._count(article)
        return self._live(chosen)

    def place(self, article: StoryArticle, vector: dict[str, float], story: str) -> None:
        """Put an article in a given story (which must exist), as `add` would have, without merging."""
        self._join(self.stories[story], article, vector)
        self._count(article)

    def _count(self, article: StoryArticle) -> None:
        for term in article.terms:
            self.df[term] += 1
        self.seen += 1
        if article.published and (self.latest is None or article.published > self.latest):
            self.latest = article.published

    def tfidf(self, counts: Counter[str]) -> dict[str, float]:
        """An article's TF-IDF vector under the document frequencies seen so far (nothing is counted)."""
        return self._tfidf(counts)

    def best_story(self, article: StoryArticle, vector: dict[str, float]) -> tuple[str | None, float]:
        """The active story the article would join and its score, or (None, 0.0) when none reaches
        the threshold. Reads the state only: the article is not placed."""
        return self._best(self._scored(article, vector))

    def _best(self, scored: list[tuple[str, float]]) -> tuple[str | None, float]:
        """The most likely story and its probability, when it reaches the threshold; else (None, 0.0)."""
        return scored[0] if scored and scored[0][1] > self.settings.threshold else (None, 0.0)

    def _scored(self, article: StoryArticle, vector: dict[str, float]) -> list[tuple[str, float]]:
        """Candidate stories with the model's probability, most likely first (ties by id)."""
        scored = [(s, self._score(article, vector, self.stories[s])) for s in self.candidates(article, vector)]
        return sorted(scored, key=lambda x: (-x[1], x[0]))

    def candidates(self, article: StoryArticle, vector: dict[str, float]) -> list[str]:
        """The active stories that share a strong term or a name with the article, in id order."""
        keys = _index_keys(vector, article.entities)
        found = self._holding(keys)
        return [s for s in sorted(found) if self._active(self.stories[s], article.published)]

    def _holding(self, keys: Iterable[str]) -> set[str]:
        """The stories (any, active or not) that have one of these keys."""
        keys = set(keys)
        found: set[str] = set()
        for key in keys:
            found |= self.postings.get(key, set())
        outside = keys - self.vocabulary if self.partial else None  # keys the postings may lack
        if outside:
            found.update(s for s in self.partial if s not in found and not self.stories[s].keys.isdisjoint(outside))
        return found

    def restore(self, story: Story, vectors: Sequence[dict[str, float]], entities: Sequence[dict[str, str]]) -> None:
        """Put back a story as it stood, from its members' vectors (as they were used) and names."""
        self.stories[story.id] = story
        if self.keep_states:
            self.changed.add(story.id)  # its sums are made afresh: they are to be saved
        for member, vector, names in zip(story.members, vectors, entities, strict=True):
            self.story_of[member] = story.id
            self.vectors[member] = vector
            story.add_article(vector, names)
            for key in _index_keys(vector, names):
                self.postings.setdefault(key, set()).add(story.id)
                story.keys.add(key)

    def restore_state(self, story: Story, vocabulary: frozenset[str] | None = None) -> None:
        """Put back a story made by `Story.from_state`. With `vocabulary` (the terms and the `E:`
        name keys of the articles to come), only its keys in it are entered in the postings:
        candidates for those articles are found there alone, and its other keys are looked at
        directly where asked for (the head terms of a story that may merge)."""
        self.stories[story.id] = story
        self.story_of.update(dict.fromkeys(story.members, story.id))
        if vocabulary is None:
            entered: Iterable[str] = story.keys
        else:
            if self.partial and vocabulary is not self.vocabulary and vocabulary != self.vocabulary:
                raise ValueError("the stories of one clusterer are put back within one vocabulary")
            self.vocabulary = vocabulary
            entered = story.keys & vocabulary
            self.partial.add(story.id)
        for key in entered:
            self.postings.setdefault(key, set()).add(story.id)

    def evict(self) -> None:
        """Forget stories that can no longer match: memory follows the active window, not the corpus."""
        if self.latest is None:
            return
        for story in list(self.stories.values()):
            if story.last is not None and not self._active(story, self.latest) and story.merged_into is None:
                self._forget(story)

    def _forget(self, story: Story) -> None:
        if story.id in self.changed:
            self.retired[story.id] = story.state()
            self.changed.discard(story.id)
        for member in story.members:
            self.vectors.pop(member, None)
            self.story_of.pop(member, None)
        for key in story.keys:
            ids = self.postings.get(key)
            if ids is not None:
                ids.discard(story.id)
                if not ids:
                    del self.postings[key]
        self.partial.discard(story.id)
        del self.stories[story.id]

    def _live(self, story_id: str) -> str:
        story = self.stories.get(story_id)
        while story is not None and story.merged_into is not None:
            story_id = story.merged_into
            story = self.stories.get(story_id)
        return story_id

    def _join(self, story: Story, article: StoryArticle, vector: dict[str, float]) -> None:
        if self.keep_states:
            self.changed.add(story.id)
        story.members.append(article.id)
        self.story_of[article.id] = story.id
        if article.published:
            story.first = min(story.first or article.published, article.published)
            story.last = max(story.last or article.published, article.published)
        self.vectors[article.id] = vector
        story.add_article(vector, article.entities)
        for key in _index_keys(vector, article.entities):
            self.postings.setdefault(key, set()).add(story.id)
            story.keys.add(key)

    def _maybe_merge(self, story: Story, when: datetime | None) -> None:
        """Merge the story with an active one whose centroid now matches it closely (into the older)."""
        centroid = story.centroid
        head = heapq.nlargest(MERGE_HEAD_TERMS, centroid, key=centroid.__getitem__)
        candidates = self._holding(head[:TOP_TERMS])
        head_values = [(t, centroid[t]) for t in head]
        # Cauchy-Schwarz: the terms outside the head add at most |rest| × |other| to the dot product
        rest = math.sqrt(max(0.0, story.square - sum(v * v for _, v in head_values)))
        for other_id in sorted(candidates - {story.id}):
            other = self.stories[other_id]
            if not self._active(other, when):
                continue
            needed = self.settings.merge_threshold * story.norm * other.norm
            partial = sum(v * other.centroid[t] for t, v in head_values if t in other.centroid)
            if partial + rest * other.norm < needed:
                continue
            small, large = sorted((centroid, other.centroid), key=len)
            cosine = sum(v * large[t] for t, v in small.items() if t in large) / (story.norm * other.norm)
            if cosine >= self.settings.merge_threshold:
                self._merge(story, other)
                return

    def _merge(self, story: Story, other: Story) -> Story:
        """One story of two: the newer is merged into the older, which is returned."""
        older, newer = sorted((story, other), key=lambda s: (s.first or datetime.max, s.id))
        newer.merged_into = older.id
        if self.keep_states:
            self.changed |= {older.id, newer.id}
        older.members.extend(newer.members)
        for member in newer.members:
            self.story_of[member] = older.id
        older.absorb(newer)
        older.first = min(filter(None, [older.first, newer.first]), default=None)
        older.last = max(filter(None, [older.last, newer.last]), default=None)
        for key in newer.keys:
            self.postings.setdefault(key, set()).add(older.id)
            older.keys.add(key)
        return older

    def live_stories(self) -> list[Story]:
        return [s for s in self.stories.values() if s.merged_into is None]

    def changed_states(self) -> dict[str, str | None]:
        """The state of every story changed since the start (None for one merged into another):
        those forgotten on the way, and those still held."""
        states: dict[str, str | None] = dict(self.retired)
        for ident in self.changed:
            story = self.stories[ident]
            states[ident] = None if story.merged_into is not None else story.state()
        return states


# ---- maintenance: re-splitting over-grown stories ---------------------------------------------------


SPLIT_MAX_ARTICLES = 1500  # larger stories are left whole (average linkage is cubic in their size)


def split_story(
    members: Sequence[str],
    vectors: Mapping[str, Mapping[str, float]],
    copy_of: Mapping[str, str],
    settings: StorySettings | None = None,
) -> list[list[str]]:
    """The parts of a story that are really several events.

    Average-linkage clustering of the story's articles (a copy counts with its original): groups
    are joined while the mean cosine between their articles is at least `split_threshold`. Groups
    smaller than `split_min_part` go back to the group they resemble most; when one group is left,
    the story stays whole. Parts are ordered by their first member, members keep their order.
    """
    import numpy as np

    s = settings or StorySettings()
    order = {m: i for i, m in enumerate(members)}
    if len(members) > SPLIT_MAX_ARTICLES:
        return [list(members)]
    grouped: dict[str, list[str]] = {}
    for member in members:
        original = copy_of.get(member)
        grouped.setdefault(original if original in order else member, []).append(member)
    units = list(grouped.values())
    if len(units) < 2:
        return [list(members)]
    terms_at: dict[str, int] = {}  # the story's own terms only
    for member in members:
        for term in vectors.get(member, {}):
            terms_at.setdefault(term, len(terms_at))
    matrix = np.zeros((len(members), max(1, len(terms_at))))
    for row, member in enumerate(members):
        for term, value in vectors.get(member, {}).items():
            matrix[row, terms_at[term]] = value
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix /= np.where(norms > 0, norms, 1.0)
    pair = matrix @ matrix.T
    # unit × unit mean similarity of their articles: block sums over a membership matrix
    membership = np.zeros((len(units), len(members)))
    for row, unit in enumerate(units):
        membership[row, [order[m] for m in unit]] = 1.0
    sizes = membership.sum(axis=1)
    sim = (membership @ pair @ membership.T) / np.outer(sizes, sizes)
    np.fill_diagonal(sim, -np.inf)
    alive = list(range(len(units)))
    clusters: dict[int, list[int]] = {i: [i] for i in alive}
    while len(alive) > 1:
        sub = sim[np.ix_(alive, alive)]
        flat = int(np.argmax(sub))
        i, j = alive[flat // len(alive)], alive[flat % len(alive)]
        if sim[i, j] < s.split_threshold:
            break
        total = sizes[i] + sizes[j]
        sim[i, :] = (sizes[i] * sim[i, :] + sizes[j] * sim[j, :]) / total
        sim[:, i] = sim[i, :]
        sim[i, i] = -np.inf
        sizes[i] = total
        clusters[i] += clusters.pop(j)
        alive.remove(j)
    parts = [[m for u in clusters[k] for m in units[u]] for k in alive]
    big = [p for p in parts if len(p) >= s.split_min_part]
    if len(big) < 2:
        return [list(members)]
    for small in (p for p in parts if len(p) < s.split_min_part):
        rows = [order[m] for m in small]
        home = max(range(len(big)), key=lambda k: pair[np.ix_(rows, [order[m] for m in big[k]])].mean())
        big[home] += small
    return sorted((sorted(p, key=order.__getitem__) for p in big), key=lambda p: order[p[0]])


def cluster(articles: Sequence[StoryArticle], settings: StorySettings | None = None) -> dict[str, str]:
    """Story id per article for a whole set, in publication order (undated last, by id)."""
    clusterer = StoryClusterer(settings)
    ordered = sorted(articles, key=story_order)
    for article in ordered:
        clusterer.add(article, story_id(article.id))
    return {a.id: clusterer._live(clusterer.story_of[a.id]) for a in ordered}


def story_order(article: StoryArticle) -> tuple[bool, datetime, str]:
    """Publication order; undated articles last, by id."""
    return (article.published is None, article.published or datetime.min, article.id)


def story_id(first_article: str) -> str:
    return f"s{first_article[:15]}"
