"""The copies benchmark's speed figures: `fingerprint` throughput on the real bodies, and the
large-index run on synthetic documents (articles written as ingest writes them, then the index
build — fingerprint, fingerprint rows, `match_copies` — and a 1,000-document query batch), with
pilot runs that plan the count and the fit that extrapolates it to `SCALE_DEFAULT` documents."""

from __future__ import annotations

import itertools
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.copies_cases import EDITS, ORIGINAL_DAY, SEED, Doc, EditContext, Filler
from benchmarks.copies_data import CAPITALISED, Body, join, n_words, stamp
from benchmarks.copies_store import processed, remove_db
from benchmarks.copies_timing import TimedConnection, timed_matching
from benchmarks.memory import ProcessPeakRss

FINGERPRINT_PASSES = 5
SCALE_DEFAULT = 100_000
SCALE_COPY_SHARE = 0.02
SCALE_SUBSTITUTE = 0.30
SCALE_BATCH = 1_000
QUERY_BATCH = 1_000
PILOTS = (1_000, 2_000)
LIMIT_S, BUDGET_S = 600.0, 540.0
SCALE_EDITS = ("verbatim_boilerplate", "first_paragraphs", "drop_reorder", "new_lead", "names_numbers")
QUERY_PHASES = ("articles", "fingerprint", "write", "match", "describe")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# ---- fingerprint throughput -----------------------------------------------------------------------


def fingerprint_speed(texts: list[str]) -> dict[str, Any]:
    """Docs/s of `fingerprint`, by this process's CPU time (one thread: one core) and by the clock."""
    from newsgraph.corpus.copies import fingerprint

    cpu, wall = [], []
    for _ in range(FINGERPRINT_PASSES):
        started, started_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            fingerprint(text)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    words = sum(n_words(t) for t in texts)
    return {
        "docs": len(texts),
        "mean_words": words / len(texts),
        "cpu_passes": [round(p, 4) for p in cpu],
        "wall_passes": [round(p, 4) for p in wall],
        "docs_per_s": len(texts) * len(cpu) / sum(cpu),
        "words_per_s": words * len(cpu) / sum(cpu),
        "best_docs_per_s": len(texts) / min(cpu),
        "wall_docs_per_s": len(texts) * len(wall) / sum(wall),
    }


# ---- scale ------------------------------------------------------------------------------------------


class Synthetic:
    """Deterministic synthetic documents: document i is the same whenever it is made."""

    def __init__(self, bodies: Sequence[Body], seed: int) -> None:
        import numpy as np

        self.np = np
        self.seed = seed
        vocab: dict[str, int] = {}
        sentences = []
        for body in bodies:
            for paragraph in body.paragraphs:
                for sentence in _SENTENCE_END.split(paragraph):
                    words = sentence.split()
                    if len(words) >= 5:
                        sentences.append([vocab.setdefault(w, len(vocab)) for w in words])
        self.vocab = list(vocab)
        self.lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        self.flat = np.array([w for s in sentences for w in s], dtype=np.int64)
        self.names = sorted({w for w in self.vocab if CAPITALISED.fullmatch(w)})
        self.mean_length = float(self.lengths.mean())

    def base(self, i: int) -> list[str]:
        np = self.np
        g = np.random.default_rng([self.seed, i])
        target = int(g.integers(150, 1_000))
        count = max(2, round(target / self.mean_length))
        picks = g.integers(0, len(self.lengths), size=count)
        paragraphs = []
        k = 0
        while k < count:
            take = int(g.integers(1, 5))
            ids = np.concatenate([self.flat[self.offsets[s] : self.offsets[s + 1]] for s in picks[k : k + take]])
            swap = g.random(len(ids)) < SCALE_SUBSTITUTE
            ids[swap] = g.integers(0, len(self.vocab), size=int(swap.sum()))
            paragraphs.append(" ".join([self.vocab[w] for w in ids.tolist()]))
            k += take
        return paragraphs

    def is_copy(self, i: int) -> bool:
        return i >= 100 and random.Random(f"{self.seed}-copy-{i}").random() < SCALE_COPY_SHARE

    def doc(self, i: int, first: int = 0) -> tuple[list[str], int | None, str | None]:
        """(paragraphs, source index, edit) of document i; copies take from a non-copy in [first, i)."""
        if not self.is_copy(i):
            return self.base(i), None, None
        rng = random.Random(f"{self.seed}-edit-{i}")
        source = rng.randrange(first, i)
        while self.is_copy(source):
            source = rng.randrange(first, i)
        filler = Filler(p for k in itertools.count() for p in self.base(10**9 + 100 * i + k))
        ctx = EditContext(rng, filler, self.names)
        for kind in rng.sample(SCALE_EDITS, len(SCALE_EDITS)):
            edited = EDITS[kind](self.base(source), ctx)
            if edited is not None:
                return edited.paragraphs, source, kind
        return self.base(source), source, "verbatim"


def _grouped(conn: Any) -> dict[str, str]:
    return {str(a): str(g) for a, g in conn.execute("SELECT article_id, group_id FROM copy_members")}


def scale_run(synth: Synthetic, n: int, path: Path, query: bool) -> dict[str, Any]:
    """Build an index of n synthetic documents (and, with `query`, match 1,000 more against it)."""
    from newsgraph.corpus.copies import fingerprint
    from newsgraph.store.connect import open_store
    from newsgraph.store.copies import describe_copies, match_copies

    remove_db(path)
    store = open_store(path)
    clock: Counter[str] = Counter()
    slowest: dict[str, Any] = {}
    store.conn = TimedConnection(store.conn, clock, slowest)
    seconds: Counter[str] = Counter()
    cpu: Counter[str] = Counter()
    planted: list[tuple[int, int, str]] = []
    out: dict[str, Any] = {"docs": n}

    def add(start: int, stop: int, phase: str, first: int) -> None:
        for low in range(start, stop, SCALE_BATCH):
            began = time.perf_counter()
            docs = []
            for i in range(low, min(stop, low + SCALE_BATCH)):
                paragraphs, source, edit = synth.doc(i, first)
                if source is not None:
                    planted.append((source, i, edit or ""))
                docs.append(Doc(f"d{i:07d}", f"Document {i}", join(paragraphs), stamp(ORIGINAL_DAY, i), "s", "en"))
            seconds[f"{phase}_generate"] += time.perf_counter() - began
            # the articles themselves, as ingest writes them (FTS included): not part of the index
            records = [processed(d, with_fingerprint=False) for d in docs]
            began, began_cpu = time.perf_counter(), time.process_time()
            store.write_batch(records)
            seconds[f"{phase}_articles"] += time.perf_counter() - began
            cpu[f"{phase}_articles"] += time.process_time() - began_cpu
            began, began_cpu = time.perf_counter(), time.process_time()
            prints = [fingerprint(d.text) for d in docs]
            seconds[f"{phase}_fingerprint"] += time.perf_counter() - began
            cpu[f"{phase}_fingerprint"] += time.process_time() - began_cpu
            began, began_cpu = time.perf_counter(), time.process_time()
            store.write_fingerprints([(d.id, p) for d, p in zip(docs, prints, strict=True)])
            seconds[f"{phase}_write"] += time.perf_counter() - began
            cpu[f"{phase}_write"] += time.process_time() - began_cpu

    def match(phase: str) -> dict[str, Any]:
        began, began_cpu = time.perf_counter(), time.process_time()
        report = match_copies(store, describe=False)
        seconds[f"{phase}_match"] = time.perf_counter() - began
        cpu[f"{phase}_match"] = time.process_time() - began_cpu
        began, began_cpu = time.perf_counter(), time.process_time()
        report["described"] = describe_copies(store)
        seconds[f"{phase}_describe"] = time.perf_counter() - began
        cpu[f"{phase}_describe"] = time.process_time() - began_cpu
        return report

    try:
        with ProcessPeakRss() as rss, timed_matching(clock):
            add(0, n, "build", 0)
            build_clock = Counter(clock)
            report = match("build")
            match_clock = clock - build_clock
            out["build_report"] = {k: v for k, v in report.items() if isinstance(v, int | float | str)}
            grouped = _grouped(store.conn)
            if query:
                before = Counter(clock)
                add(n, n + QUERY_BATCH, "query", 0)
                report = match("query")
                out["query_clock"] = {k: round(v, 3) for k, v in (clock - before).most_common(8)}
                out["query_report"] = {k: v for k, v in report.items() if isinstance(v, int | float | str)}
                grouped = _grouped(store.conn)
        out["rss_before"], out["rss_peak"] = rss.before, rss.peak
        if slowest.get("sql"):
            plan = store.conn.execute("EXPLAIN QUERY PLAN " + slowest["sql"], slowest["params"]).fetchall()
            out["slowest_select"] = {
                "seconds": round(slowest["seconds"], 4),
                "sql": " ".join(slowest["sql"].split())[:300],
                "plan": [str(r[-1]) for r in plan],
            }
        out["db_bytes"] = sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
    finally:
        store.close()
        remove_db(path)
    out["seconds"] = {k: round(v, 3) for k, v in seconds.items()}
    out["cpu_seconds"] = {k: round(v, 3) for k, v in cpu.items()}
    out["build_s"] = seconds["build_fingerprint"] + seconds["build_write"] + seconds["build_match"]
    out["write_clock"] = {k: round(v, 3) for k, v in build_clock.most_common(8)}
    out["match_clock"] = {k: round(v, 3) for k, v in match_clock.most_common(8)}
    found = [
        grouped.get(f"d{s:07d}") is not None and grouped.get(f"d{s:07d}") == grouped.get(f"d{c:07d}")
        for s, c, _ in planted
    ]
    in_index = [f for (s, c, _), f in zip(planted, found, strict=True) if c < n]
    in_query = [f for (s, c, _), f in zip(planted, found, strict=True) if c >= n]
    out["planted_index"], out["found_index"] = len(in_index), sum(in_index)
    out["planted_query"], out["found_query"] = len(in_query), sum(in_query)
    missed_by_edit: Counter[str] = Counter(e for (_, _, e), f in zip(planted, found, strict=True) if not f)
    out["missed_by_edit"] = dict(missed_by_edit)
    # grouped pairs that no planted copy explains (two copies of one source are explained)
    family = {f"d{s:07d}": f"d{s:07d}" for s, _, _ in planted}
    family.update({f"d{c:07d}": f"d{s:07d}" for s, c, _ in planted})
    by_group: dict[str, list[str]] = defaultdict(list)
    for article, group in grouped.items():
        by_group[group].append(article)
    out["unplanted_pairs"] = sum(
        1
        for members in by_group.values()
        for a, b in itertools.combinations(members, 2)
        if family.get(a) is None or family.get(a) != family.get(b)
    )
    return out


def linear_cost(run: dict[str, Any]) -> float:
    s = run["seconds"]
    return sum(s[f"build_{k}"] for k in ("generate", "articles", "fingerprint", "write", "describe")) / run["docs"]


def fit_match(points: Sequence[tuple[int, float]]) -> tuple[float, float]:
    """Least squares c·n + b·n² through the (n, seconds) points, b and c at least 0."""
    s11 = sum(n * n for n, _ in points)
    s12 = sum(n**3 for n, _ in points)
    s22 = sum(n**4 for n, _ in points)
    t1 = sum(n * t for n, t in points)
    t2 = sum(n * n * t for n, t in points)
    det = s11 * s22 - s12 * s12
    if det > 0:
        c = (t1 * s22 - t2 * s12) / det
        b = (s11 * t2 - s12 * t1) / det
        if b >= 0 and c >= 0:
            return c, b
    if sum(t for _, t in points) == 0:
        return 0.0, 0.0
    # one coefficient only: whichever fits better
    c_only = t1 / s11
    b_only = t2 / s22
    err_c = sum((t - c_only * n) ** 2 for n, t in points)
    err_b = sum((t - b_only * n * n) ** 2 for n, t in points)
    return (c_only, 0.0) if err_c <= err_b else (0.0, b_only)


def predict_total(n: int, linear: float, c: float, b: float) -> float:
    """Whole scale run: generate + fingerprint + write + match for n, then the 1,000-document query."""
    query = QUERY_BATCH * (linear + c) + b * QUERY_BATCH * (n + QUERY_BATCH)
    return linear * n + c * n + b * n * n + query


def plan_scale(synth: Synthetic, requested: int, explicit: bool, path: Path) -> dict[str, Any]:
    """Pilot runs (for the prediction and the extrapolation) and the count to run."""
    if requested >= SCALE_DEFAULT and explicit:
        return {"docs": requested, "pilots": [], "capped": False}
    sizes = [min(PILOTS[0], requested // 4), min(PILOTS[1], requested // 2)]
    if sizes[0] < 100:
        return {"docs": requested, "pilots": [], "capped": False}
    pilots = [scale_run(synth, m, path, query=False) for m in sizes]
    linear = linear_cost(pilots[-1])
    c, b = fit_match([(p["docs"], p["seconds"]["build_match"]) for p in pilots])
    predicted = predict_total(requested, linear, c, b)
    plan = {
        "pilots": [{"docs": p["docs"], "seconds": p["seconds"]} for p in pilots],
        "linear_s_per_doc": linear,
        "match_fit": {"c": c, "b": b},
        "predicted_s": predicted,
        "capped": False,
        "docs": requested,
    }
    if predicted > LIMIT_S and not explicit:
        n = PILOTS[-1]
        step = 500
        while n + step < requested and predict_total(n + step, linear, c, b) <= BUDGET_S:
            n += step
        plan.update(docs=n, capped=True, predicted_capped_s=predict_total(n, linear, c, b))
    return plan


@dataclass(frozen=True)
class ScaleOutcome:
    """The scale run, its plan, and its figures at `SCALE_DEFAULT` documents: measured when it ran
    that many, else extrapolated (match_copies fitted as c·n + b·n², fingerprint + write linear)."""

    requested: int
    plan: dict[str, Any]
    scale: dict[str, Any]
    match_c: float
    match_b: float
    per_doc: float  # fingerprint + fingerprint rows, seconds per document
    build_cpu: float  # this process's CPU seconds for the build
    query_total: float  # the 1,000-document batch, every step (s)
    build_100k: float
    query_100k: float
    articles_100k: float
    describe_100k: float

    @property
    def docs(self) -> int:
        docs: int = self.scale["docs"]
        return docs

    @property
    def full(self) -> bool:
        return self.docs >= SCALE_DEFAULT

    @property
    def match_100k(self) -> float:
        return self.match_c * SCALE_DEFAULT + self.match_b * SCALE_DEFAULT**2


def measure_scale(pool: Sequence[Body], requested: int, explicit: bool, folder: Path) -> ScaleOutcome:
    """Plan the count (pilot runs), run it with the query batch, and carry the figures to `SCALE_DEFAULT`."""
    synth = Synthetic(pool, SEED)
    plan = plan_scale(synth, requested, explicit, folder / "pilot.db")
    scale = scale_run(synth, plan["docs"], folder / "scale.db", query=True)
    n_scale = scale["docs"]
    seconds = scale["seconds"]
    points = [(p["docs"], p["seconds"]["build_match"]) for p in plan["pilots"]]
    points.append((n_scale, seconds["build_match"]))
    c_fit, b_fit = fit_match(points)
    per_doc = (seconds["build_fingerprint"] + seconds["build_write"]) / n_scale
    build_cpu = sum(scale["cpu_seconds"].get(f"build_{k}", 0.0) for k in ("fingerprint", "write", "match"))
    query_total = sum(seconds.get(f"query_{k}", 0.0) for k in QUERY_PHASES)
    if n_scale >= SCALE_DEFAULT:
        build_100k, query_100k = scale["build_s"], query_total
        articles_100k, describe_100k = seconds["build_articles"], seconds["build_describe"]
    else:
        build_100k = per_doc * SCALE_DEFAULT + c_fit * SCALE_DEFAULT + b_fit * SCALE_DEFAULT**2
        query_100k = query_total + b_fit * QUERY_BATCH * (SCALE_DEFAULT - n_scale)
        articles_100k = seconds["build_articles"] * SCALE_DEFAULT / n_scale
        describe_100k = seconds["build_describe"] * SCALE_DEFAULT / n_scale
    return ScaleOutcome(
        requested,
        plan,
        scale,
        c_fit,
        b_fit,
        per_doc,
        build_cpu,
        query_total,
        build_100k,
        query_100k,
        articles_100k,
        describe_100k,
    )
