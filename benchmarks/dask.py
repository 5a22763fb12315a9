"""The Dask runner: one ingest of ~5,000 text articles with 1 and 2 workers, beside the local runner.

The input is built from the real texts in the shared data (ECB+ dev, PolNeAR dev, fundus bodies,
scrapinghub bodies: 985), the shortest first (929 of at most 1,500 words; with the longest, 5,000
articles take about 25 minutes for the three phases on 2 idle cores), shuffled once (seeded) and
repeated until there are
`NEWSGRAPH_BENCH_DASK_ARTICLES` (default 5,000) `.txt` files with sidecars, 100 to a folder. The
first pass is each text as it is, under its own publisher (or a made-up outlet); each further pass
is another made-up outlet's edition of it, as a reprint reads: its own URL and date hours later, a
dateline on the lead, one paragraph dropped, two swapped or the tail cut, sometimes an "UPDATE"
headline, and a closing credit line. So nearly every article has near-copies, which the copy and
story steps see.

Phases, each in a fresh interpreter into a fresh SQLite file: `ingest_paths_dask` with 1 worker,
with 2 workers (as `newsgraph ingest --engine dask --workers N`), then `ingest_paths` with
`processes=2` (as `-p 2`). Wall time is the whole subprocess: interpreter, imports, cluster start,
partitions, the set-level steps and shutdown. The phase stamps when its runner is ready (the
`on_total` callback: for Dask, after the cluster is up) and when the last result arrived (progress),
and the summary gives each set-level step's seconds; the parent samples the CPU time and RSS of the
process tree (`PeakRss`) and of the whole machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks import REPO_ROOT, env_int, marked_outcome, result, row, skipped
from benchmarks.throughput import PeakRss, machine_cpu

NAME = "dask"
TITLE = "Dask runner — speedup with workers"
DEFAULT_ARTICLES = 5000
TARGET_SPEEDUP = 1.7
PER_FOLDER = 100
MAX_TEXT_WORDS = 1500  # longer texts (56 of 985) are left out: with them 5,000 articles take ~25 min on 2 cores
PHASE_TIMEOUT = 1800
MARK = "NEWSGRAPH-BENCH-RESULT "
STEPS = ("resolution", "quotes", "copies", "stories")
OUTLETS = tuple(
    "Harbour Times|Midland Courier|Northern Ledger|Valley Post|Coastal Herald|Capital Wire|Lakeside Gazette|"
    "Riverside Chronicle|Plains Observer|Summit Daily|Bayview Record|Frontier Dispatch".split("|")
)
CITIES = ("LONDON", "NEW YORK", "BERLIN", "WASHINGTON", "PARIS", "MADRID", "TOKYO", "JOHANNESBURG")
_DETOK = (
    (re.compile(r"`` ?"), "“"),
    (re.compile(r" ?''"), "”"),
    (re.compile(r" ([.,;:!?%)\]])"), r"\1"),
    (re.compile(r"([(\[$]) "), r"\1"),
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b"), r"\1"),
)

Text = dict[str, Any]  # corpus, title, paragraphs, source, url, published, authors


def _detokenise(line: str) -> str:
    for pattern, repl in _DETOK:
        line = pattern.sub(repl, line)
    return line.strip()


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.splitlines() if p.strip()]


def _headline(lines: list[str]) -> str:
    """A headline for a text that has none: a short first sentence itself, else its first dozen words."""
    words = lines[0].split()
    return lines.pop(0) if len(words) <= 14 and len(lines) > 3 else " ".join(words[:12]).rstrip(",;:.—-")


def load_texts(data_dir: Path) -> list[Text]:
    """Every real text in the four corpora, as title, paragraphs and what is known of its source."""
    texts: list[Text] = []
    for line in (data_dir / "clustering" / "ecbplus-dev" / "docs_clusters.jsonl").open(encoding="utf-8"):
        doc = json.loads(line)
        lines = [_detokenise(x) for x in doc["text"].splitlines() if "http" not in x and " / / " not in x]
        lines = [x for x in lines if x]
        titled = doc["subtopic"] == "ecbplus" and len(lines) > 1 and len(lines[0].split()) <= 20
        title = lines.pop(0) if titled else _headline(lines)
        texts.append({"corpus": "ecbplus", "title": title, "paragraphs": lines})
    polnear = data_dir / "quotes" / "polnear-dev"
    with (polnear / "metadata.tsv").open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        meta = {r["filename"]: r for r in (dict(zip(header, x.rstrip("\n").split("\t"), strict=False)) for x in handle)}
    for path in sorted((polnear / "text").glob("*.txt")):
        title, *body = _paragraphs(path.read_text(encoding="utf-8"))
        info = meta.get(path.stem, {})
        authors = [info["author"]] if info.get("author", "None") != "None" else []
        text = {"corpus": "polnear", "title": title, "paragraphs": body, "source": info.get("publisher")}
        texts.append(text | {"published": info.get("publication_date"), "authors": authors})
    for line in (data_dir / "extraction" / "fundus" / "pairs.jsonl").open(encoding="utf-8"):
        page = json.loads(line)
        body = _paragraphs(page.get("body_text") or "")
        if body:
            text = {"corpus": "fundus", "title": page["title"], "paragraphs": body, "source": page["publisher"]}
            texts.append(text | {"url": page["url"], "published": (page.get("publishing_date") or "")[:10]})
    truth = json.loads((data_dir / "extraction" / "scrapinghub" / "ground-truth.json").read_text(encoding="utf-8"))
    for item in truth.values():
        body = _paragraphs(item.get("articleBody") or "")
        if body:
            texts.append({"corpus": "scrapinghub", "title": _headline(body), "paragraphs": body, "url": item["url"]})
    random.Random(7).shuffle(texts)
    return texts


def _edition(text: Text, base: int, edition: int) -> tuple[str, list[str], dict[str, Any]]:
    """The title, paragraphs and sidecar of one article: the text itself (edition 0) or a reprint."""
    rng = random.Random(f"{base}-{edition}")
    try:
        day = date.fromisoformat(text.get("published") or "")
    except ValueError:
        day = date(2024, 1, 1) + timedelta(days=(base * 3) % 360)
    outlet = OUTLETS[(base + edition) % len(OUTLETS)]
    slug = outlet.lower().replace(" ", "")
    title, paragraphs = text["title"], list(text["paragraphs"])
    if edition == 0:
        sidecar = {"source": text.get("source") or outlet, "published": day.isoformat(), "authors": text.get("authors")}
        sidecar["url"] = text.get("url") or f"https://{slug}.example/{day:%Y/%m/%d}/{text['corpus']}-{base}"
        return title, paragraphs, {k: v for k, v in sidecar.items() if v}
    moved = datetime(day.year, day.month, day.day, 6) + timedelta(minutes=rng.randint(60, 72 * 60))
    edit = rng.choice(("drop", "swap", "cut", "none")) if len(paragraphs) >= 4 else "none"
    if edit == "drop":
        del paragraphs[rng.randrange(1, len(paragraphs))]
    elif edit == "swap":
        i = rng.randrange(1, len(paragraphs) - 1)
        paragraphs[i], paragraphs[i + 1] = paragraphs[i + 1], paragraphs[i]
    elif edit == "cut":
        paragraphs = paragraphs[: max(3, round(len(paragraphs) * rng.uniform(0.6, 0.9)))]
    if rng.random() < 0.5:
        paragraphs[0] = f"{rng.choice(CITIES)}, {moved:%B} {moved.day} ({outlet}) — {paragraphs[0]}"
    if rng.random() < 0.25:
        title = f"UPDATE {edition}: {title}"
    credit = rng.choice(("Additional reporting by {o} staff.", "{o} contributed to this report.", "© {d} {o}."))
    paragraphs.append(credit.format(o=outlet, d=moved.year))
    url = f"https://{slug}.example/{moved:%Y/%m/%d}/{text['corpus']}-{base}-{edition}"
    return title, paragraphs, {"source": outlet, "published": f"{moved.isoformat()}Z", "url": url}


def prepare(data_dir: Path, folder: Path, count: int) -> dict[str, Any]:
    """Write `count` articles as `.txt` files with sidecars, `PER_FOLDER` to a subfolder."""
    every = load_texts(data_dir)
    texts = [t for t in every if sum(len(p.split()) for p in t["paragraphs"]) <= MAX_TEXT_WORDS]
    if folder.exists():
        shutil.rmtree(folder)
    words = 0
    for j in range(count):
        base, edition = j % len(texts), j // len(texts)
        title, paragraphs, sidecar = _edition(texts[base], base, edition)
        path = folder / f"f{j // PER_FOLDER:03d}" / f"{j:05d}-{texts[base]['corpus']}-{edition}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join([title, *paragraphs]) + "\n", encoding="utf-8")
        path.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
        words += sum(len(p.split()) for p in paragraphs)
    bases = min(count, len(texts))
    editions = Counter(j % len(texts) for j in range(count))  # articles made from each text
    by_corpus = dict(Counter(text["corpus"] for text in texts[:bases]))
    info: dict[str, Any] = {"articles": count, "texts": len(texts), "bases": bases}
    info["longer_left_out"] = len(every) - len(texts)
    info |= {"by_corpus": by_corpus, "words": words, "folders": -(-count // PER_FOLDER), "reprints": count - bases}
    info["with_near_copies"] = sum(n for n in editions.values() if n > 1)
    info["editions_per_text"] = [min(editions.values()), max(editions.values())]
    return info


# ---- phases (each in its own process) -------------------------------------------------------------


def _phase(engine: str, workers: int, inputs: Path, db: Path) -> dict[str, Any]:
    from newsgraph.run.dask import ingest_paths_dask
    from newsgraph.run.local import IngestSummary, ingest_paths
    from newsgraph.settings import Settings
    from newsgraph.store.connect import open_store

    marks: dict[str, float] = {}

    def on_total(total: int) -> None:
        marks["ready"] = time.time()

    def progress(n: int) -> None:
        marks.setdefault("first", time.time())
        marks["last"] = time.time()

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    run: IngestSummary
    with open_store(db) as store:
        if engine == "dask":  # as the CLI does: --workers sizes the cluster; -p is left at its default
            settings = Settings().replace(db=str(db))
            run = ingest_paths_dask([inputs], store, settings, workers=workers, progress=progress, on_total=on_total)
        else:
            settings = Settings().replace(db=str(db), processes=workers)
            run = ingest_paths([inputs], store, settings, progress=progress, on_total=on_total)
        ids = "\n".join(r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY id"))
    return {"summary": run.as_dict(), "marks": marks, "ids_sha": hashlib.sha256(ids.encode()).hexdigest()[:16]}


def measure(engine: str, workers: int, inputs: Path, db: Path) -> dict[str, Any]:
    """One phase in a fresh interpreter: wall time of the whole command, CPU of its tree and others."""
    command = [sys.executable, "-m", "benchmarks.dask", engine, str(workers), str(inputs), str(db)]
    before, spawned, started = machine_cpu(), time.time(), time.perf_counter()
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid) as tree:
        try:
            out, err = proc.communicate(timeout=PHASE_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise RuntimeError(f"dask benchmark phase {engine} {workers} ran over {PHASE_TIMEOUT} s") from None
    wall, after = time.perf_counter() - started, machine_cpu()
    outcome = marked_outcome(out, err, proc.returncode, MARK, f"dask benchmark phase {engine} {workers}")
    marks, steps = outcome["marks"], outcome["summary"]
    step_seconds = {name: float(steps[name].get("seconds", 0.0)) for name in STEPS}
    startup = marks["ready"] - spawned
    articles_stage = marks["last"] - marks["ready"]
    busy = after[0] - before[0]
    tree_cpu = sum(tree.cpu_by_pid.values())
    outcome.update(
        wall_seconds=wall,
        startup_seconds=startup,
        first_result_seconds=marks["first"] - marks["ready"],
        article_seconds=articles_stage,
        step_seconds=step_seconds,
        rest_seconds=wall - startup - articles_stage - sum(step_seconds.values()),
        peak_rss_bytes=tree.peak,
        cpu_seconds_root=tree.cpu_by_pid.get(proc.pid, 0.0),
        cpu_seconds_children=tree_cpu - tree.cpu_by_pid.get(proc.pid, 0.0),
        cpu_seconds_others=max(0.0, busy - tree_cpu),
        cpu_seconds_steal=after[1] - before[1],
    )
    return outcome


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    needed = ("clustering/ecbplus-dev", "quotes/polnear-dev", "extraction/fundus", "extraction/scrapinghub")
    missing = [name for name in needed if not (data_dir / name).is_dir()]
    if missing:
        return skipped(NAME, TITLE, f"data absent: {', '.join(missing)} not found")
    count = env_int("NEWSGRAPH_BENCH_DASK_ARTICLES", DEFAULT_ARTICLES)
    work = work_dir / NAME
    inputs = work / "articles"
    prepared = prepare(data_dir, inputs, count)
    phases = (("dask", 1), ("dask", 2), ("local", 2))
    one, two, local = (measure(e, w, inputs, work / f"{e}-{w}.db") for e, w in phases)
    runs = (one, two, local)
    arts = [r["summary"]["articles"] for r in runs]
    rates = [a / r["wall_seconds"] for a, r in zip(arts, runs, strict=True)]
    speedup = one["wall_seconds"] / two["wall_seconds"]
    same = len({r["ids_sha"] for r in runs}) == 1
    mb = 1e6

    def each(key: str, scale: float = 1.0) -> list[float]:
        return [r[key] / scale for r in runs]

    rows = [
        row("articles/s, whole command", rates, fmt=".1f"),
        row("seconds, whole command", each("wall_seconds"), fmt=".1f"),
        row(
            "speedup over Dask 1 worker",
            [1.0, speedup, one["wall_seconds"] / local["wall_seconds"]],
            f"≥ {TARGET_SPEEDUP} (2 workers)",
            speedup >= TARGET_SPEEDUP,
            fmt=".2f",
        ),
        row("articles/s ÷ local -p 2", [r / rates[2] for r in rates], fmt=".2f"),
        row("start-up: interpreter, imports, cluster (s)", each("startup_seconds"), fmt=".1f"),
        row("per-article stage (s)", each("article_seconds"), fmt=".1f"),
        row("  of which until the first result (s)", each("first_result_seconds"), fmt=".1f"),
        row("per-article stage, articles/s", [a / r["article_seconds"] for a, r in zip(arts, runs, strict=True)]),
        row("per-article stage speedup", [one["article_seconds"] / r["article_seconds"] for r in runs], fmt=".2f"),
        *(row(f"set-level: {s} (s)", [r["step_seconds"][s] for r in runs], fmt=".1f") for s in STEPS),
        row("rest: last writes, ANALYZE, shutdown, exit (s)", each("rest_seconds"), fmt=".1f"),
        row("articles stored", arts, fmt=",d"),
        row("same article ids in all three", ["yes" if same else "no", None, None], "identical", same),
        row("CPU s: main process (client, writer, steps)", each("cpu_seconds_root"), fmt=".0f"),
        row("CPU s: its child processes (workers)", each("cpu_seconds_children"), fmt=".0f"),
        row("CPU s: other processes on the machine", each("cpu_seconds_others"), fmt=".0f"),
        row("CPU s: steal", each("cpu_seconds_steal"), fmt=".0f"),
        row("peak RSS, process tree (MB)", each("peak_rss_bytes", mb), fmt=",.0f"),
    ]
    summary = two["summary"]
    copies, rejected = summary["copies"], f"{summary['rejected']} {summary['rejections_by_code'] or ''}".strip()
    notes = [
        f"{count:,} articles ({prepared['words']:,} words) from {prepared['bases']} real texts "
        f"(those of ≤ {MAX_TEXT_WORDS:,} words, {prepared['longer_left_out']} longer left out: "
        f"{', '.join(f'{k} {v}' for k, v in sorted(prepared['by_corpus'].items()))}), .txt files with sidecars in "
        f"{prepared['folders']} folders. {prepared['reprints']:,} are reprints of an earlier one (another outlet, "
        f"date, URL, dateline, a paragraph dropped/swapped/cut, a credit line): {prepared['with_near_copies']:,} of "
        f"{count:,} ({prepared['with_near_copies'] / count:.0%}) have at least one near-copy in the input (each text "
        f"{'–'.join(map(str, sorted(set(prepared['editions_per_text']))))} times).",
        f"Copy step (2 workers): {copies.get('pairs')} pairs, {copies.get('groups')} groups; "
        f"{summary['stories'].get('stories')} stories; rejected {rejected}; "
        f"Dask partitions: {one['summary'].get('partitions')} (1 worker), {summary.get('partitions')} (2 workers).",
        "Start-up ends when the runner is ready (`on_total`: for Dask after the LocalCluster is up; the local pool "
        "starts inside the per-article stage); the per-article stage ends at the last result (progress); the "
        "set-level seconds are the summary's own. The Dask runs leave `processes` at its default, as the CLI does "
        f"for `--workers N`, so the copy step verifies with {os.cpu_count()} processes in every run.",
        f"Phases ran in the column order on {os.cpu_count()} CPUs; CPU time of other processes or steal during a "
        "phase makes its figures noisy: compare with the CPU rows before reading the speedup.",
    ]
    raw: dict[str, Any] = {
        "prepared": prepared,
        "runs": {f"{e}-{w}": r for (e, w), r in zip(phases, runs, strict=True)},
    }
    raw |= {"speedup": speedup, "articles_per_s": rates}
    columns = ["Dask, 1 worker", "Dask, 2 workers", "local -p 2"]
    return result(NAME, TITLE, columns, rows, notes, raw)


if __name__ == "__main__":
    phase_engine, phase_workers, phase_inputs, phase_db = sys.argv[1:5]
    outcome = _phase(phase_engine, int(phase_workers), Path(phase_inputs), Path(phase_db))
    print(MARK + json.dumps(outcome), flush=True)
