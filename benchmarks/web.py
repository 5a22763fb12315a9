"""Serving the knowledge base over HTTP: `newsgraph serve` beside datasette on the same database file.

Setup: the demo corpus ingested and multiplied in SQL to 20,000+ articles (`benchmarks/webdb.py`,
cached under `.work/web/`). Three servers run at once on 127.0.0.1 (free ports), all on that same
file, opened as an ordinary database (neither writes): `newsgraph serve --db FILE`; the anchor,
`datasette serve FILE --setting sql_time_limit_ms 5000 --setting suggest_facets off`; and datasette
with facet suggestions left on, for two reference rows (they cost it about 0.5 s a table page
here). Concrete ids come from the database: the story with most articles, the entity in about a
tenth of the articles (also the search word), the source with most articles, a copied article, a
quote word in about 2% of the quotes, a cursor 10 pages deep.

One load client (`benchmarks/webload.py`) runs in a second process and loads every URL, ours and
datasette's, in one run: 3 warm-up requests, then N sequential requests (p50, p95; N =
`NEWSGRAPH_BENCH_WEB_REQUESTS`, default 200, at most `NEWSGRAPH_BENCH_WEB_SECONDS`, default 2 s)
and N/2 from 4 threads (req/s, at most 40% of those seconds). Comparable pairs run back to back.
Exports are streamed whole by the same client while this process samples the server's RSS every
10 ms (process and children), against the RSS just before: a few-row export first, then all rows.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from benchmarks import env_int, result, row, skipped
from benchmarks.webserve import (
    HOST,
    Server,
    datasette_command,
    env_float,
    exported,
    free_ports,
    load_all,
    preflight,
    serve_command,
    serve_missing,
)

NAME = "web"
TITLE = "Web — API and pages over 20,000 articles, beside datasette"
TARGET_P95_MS = 150.0
TARGET_EXPORT_S = 10.0
FLAT_SHARE = 0.25  # RSS growth allowed beyond the small export's, as a share of the bytes streamed
DEFAULT_REQUESTS = 200
DEFAULT_SECONDS = 2.0  # cap on each URL's sequential phase; the concurrent phase gets 40% of it
DEFAULTS_REQUESTS = 10  # for the datasette-with-defaults rows, which take about half a second each
DS = "/newsgraph"  # datasette names the database after the file's stem
DATASETTE_SETTINGS = ("sql_time_limit_ms", "5000", "suggest_facets", "off")


# ---- what to ask for ------------------------------------------------------------------------------


def pick(db: Path) -> dict[str, Any]:
    """Concrete ids and words for the detail pages and filters, chosen from the database."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        one = conn.execute
        articles = one("SELECT COUNT(*) FROM articles").fetchone()[0]
        quotes = one("SELECT COUNT(*) FROM quotes").fetchone()[0]
        story, story_articles = one("SELECT id, articles FROM stories ORDER BY articles DESC, id LIMIT 1").fetchone()
        entity, entity_name, entity_articles = one(
            "SELECT id, name, article_count FROM entities WHERE name NOT LIKE '% %' AND name NOT LIKE '%-%' "
            "ORDER BY abs(article_count - ?), id LIMIT 1",
            (articles // 10,),
        ).fetchone()
        top_entity = one("SELECT id FROM entities ORDER BY article_count DESC, id LIMIT 1").fetchone()[0]
        by_source = "SELECT s.id, s.name, COUNT(*) n FROM articles a JOIN sources s ON s.id = a.source_id GROUP BY s.id"
        source_id, source, source_articles = one(f"{by_source} ORDER BY n DESC, s.id LIMIT 1").fetchone()
        small_id, small, small_articles = one(f"{by_source} ORDER BY abs(n - 20), s.id LIMIT 1").fetchone()
        article = one("SELECT copy_id FROM copy_links ORDER BY copy_id LIMIT 1").fetchone()[0]
        first = one("SELECT MIN(published_utc) FROM articles").fetchone()[0]
        since = one("SELECT date(?, '+180 days')", (first,)).fetchone()[0]
        until = one("SELECT date(?, '+210 days')", (first,)).fetchone()[0]
        window = one(
            "SELECT COUNT(*) FROM articles WHERE published_utc >= ? AND published_utc < ?", (since, until)
        ).fetchone()[0]
        one("CREATE VIRTUAL TABLE temp.qv USING fts5vocab(main, 'quotes_fts', 'row')")
        quote_word, quote_hits = one(
            "SELECT term, doc FROM temp.qv WHERE length(term) >= 6 AND term NOT GLOB '*[0-9]*' "
            "ORDER BY abs(doc - ?), term LIMIT 1",
            (quotes // 50,),
        ).fetchone()
        search_hits = one(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", (f'"{entity_name}"',)
        ).fetchone()[0]
    finally:
        conn.close()
    return {
        "articles": articles,
        "quotes": quotes,
        "story": story,
        "story_articles": story_articles,
        "entity": entity,
        "entity_articles": entity_articles,
        "top_entity": top_entity,
        "word": entity_name.lower(),
        "word_articles": search_hits,
        "source_id": source_id,
        "source": source,
        "source_articles": source_articles,
        "small_source_id": small_id,
        "small_source": small,
        "small_source_articles": small_articles,
        "article": article,
        "since": since,
        "until": until,
        "window_articles": window,
        "quote_word": quote_word,
        "quote_word_quotes": quote_hits,
    }


def _q(**params: str | int) -> str:
    return "?" + urlencode(params)


def plan(p: dict[str, Any]) -> list[dict[str, Any]]:
    """Every URL measured: what the table shows, our path, datasette's comparable path; pairs first."""
    source = quote(p["source"], safe="")
    word = p["word"]
    items: list[tuple[str, str, str | None]] = [
        # HTML table pages: ours list 20 articles with facets, so datasette is asked for 20 rows too
        ("/search (every article) ↔ table page /DB/articles", "/search", f"{DS}/articles{_q(_size=20)}"),
        (
            "/search?q=WORD ↔ table page ?_search=WORD",
            f"/search{_q(q=word)}",
            f"{DS}/articles{_q(_search=word, _size=20)}",
        ),
        (
            "/search?source=S ↔ table page ?source_id=ID",
            f"/search{_q(source=p['source'])}",
            f"{DS}/articles{_q(source_id=p['source_id'], _size=20)}",
        ),
        ("/ (home)", "/", None),
        ("/sources/{id}", f"/sources/{source}", None),
        ("/api/v1/articles?limit=100 ↔ /DB/articles.json", "/api/v1/articles?limit=100", f"{DS}/articles.json"),
        (
            "/api/v1/articles?q=WORD&limit=100 ↔ articles.json?_search=WORD",
            f"/api/v1/articles{_q(q=word, limit=100)}",
            f"{DS}/articles.json{_q(_search=word)}",
        ),
        (
            "/api/v1/articles?source=S&limit=100 ↔ articles.json?source_id=ID",
            f"/api/v1/articles{_q(source=p['source'], limit=100)}",
            f"{DS}/articles.json{_q(source_id=p['source_id'])}",
        ),
        ("/articles/{id}", f"/articles/{p['article']}", None),
        ("/stories/{id}", f"/stories/{p['story']}", None),
        ("/entities/{id}", f"/entities/{p['top_entity']}", None),
        ("/quotes", "/quotes", None),
        ("/quotes?q=WORD", f"/quotes{_q(q=p['quote_word'])}", None),
        ("/api/v1/articles", "/api/v1/articles", None),
        ("/api/v1/articles?entity=ID", f"/api/v1/articles{_q(entity=p['entity'])}", None),
        ("/api/v1/articles?story=ID", f"/api/v1/articles{_q(story=p['story'])}", None),
        ("/api/v1/articles?since=D&until=D+30", f"/api/v1/articles{_q(since=p['since'], until=p['until'])}", None),
        ("/api/v1/articles/{id}", f"/api/v1/articles/{p['article']}", None),
        ("/api/v1/stories", "/api/v1/stories", None),
        ("/api/v1/stories/{id}", f"/api/v1/stories/{p['story']}", None),
        ("/api/v1/entities", "/api/v1/entities", None),
        ("/api/v1/entities/{id}", f"/api/v1/entities/{p['top_entity']}", None),
        ("/api/v1/sources", "/api/v1/sources", None),
        ("/api/v1/sources/{id}", f"/api/v1/sources/{source}", None),
        ("/api/v1/quotes", "/api/v1/quotes", None),
    ]
    return [{"label": label, "ours": ours, "datasette": ds} for label, ours, ds in items]


def add_cursor_page(entries: list[dict[str, Any]], base: str, pages: int = 10) -> str | None:
    """Follow `next` from `/api/v1/articles?limit=100` `pages` times; add that page to the plan."""
    import httpx

    path = "/api/v1/articles?limit=100"
    cursor = None
    for _ in range(pages):
        response = httpx.get(base + path + (f"&{urlencode({'cursor': cursor})}" if cursor else ""), trust_env=False)
        if response.status_code != 200:
            return f"`{path}` answered {response.status_code} while following its cursor"
        cursor = response.json().get("next")
        if not cursor:
            return f"`{path}` gave no `next` cursor within {pages} pages"
    label = f"/api/v1/articles?limit=100&cursor=… (page {pages + 1})"
    entries.append({"label": label, "ours": f"{path}&{urlencode({'cursor': cursor})}", "datasette": None})
    return None


# ---- the table ------------------------------------------------------------------------------------


def _cell(load: dict[str, Any] | None) -> str | None:
    if load is None:
        return None
    if load["errors"] or load["p95_ms"] is None:
        return f"**errors** {load['errors']} ({load['ok']} ok)"
    cut = f" (n = {load['ok']})" if load["capped"] else ""
    rate = f"{load['requests_per_s'] or 0:.1f}/s" + (" seq." if load.get("requests_per_s_sequential") else "")
    return f"{load['p50_ms']:.1f} / {load['p95_ms']:.1f} ms · {rate}{cut}"


def _good(load: dict[str, Any] | None) -> bool:
    return load is not None and not load["errors"] and load["p95_ms"] is not None


def latency_rows(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows, fast, compared, better, worst = [], 0, 0, 0, (0.0, "")
    for e in entries:
        ours, ds = e["load"], e.get("ds_load")
        passed = _good(ours) and ours["p95_ms"] < TARGET_P95_MS
        fast += passed
        if _good(ours):
            worst = max(worst, (ours["p95_ms"], e["label"]))
        target = f"p95 < {TARGET_P95_MS:.0f} ms"
        if e["datasette"]:
            target += ", ≤ datasette"
            compared += 1  # a side with errors counts as not compared, so as not passed
            no_worse = ds is not None and _good(ours) and _good(ds) and ours["p95_ms"] <= ds["p95_ms"]
            better += no_worse
            passed = passed and no_worse
        rows.append(row(e["label"], [_cell(ours), _cell(ds)], target, passed))
    summary = {"urls": len(entries), "fast": fast, "compared": compared, "no_worse": better, "worst": worst}
    return rows, summary


def export_cell(e: dict[str, Any] | None) -> str | None:
    if e is None:
        return None
    if e["status"] != 200:
        return f"**{e['status']}** after {e['seconds']:.1f} s"
    return f"{e['seconds']:.2f} s · {e['rows']:,} rows · {e['bytes'] / 1e6:.1f} MB"


def _flat(small: dict[str, Any], full: dict[str, Any]) -> tuple[bool, str]:
    allowed = small["rss_growth_mb"] + FLAT_SHARE * full["bytes"] / 1e6
    text = f"+{small['rss_growth_mb']:.1f} MB ({small['rows']} rows) · +{full['rss_growth_mb']:.1f} MB (all)"
    ok = small["status"] == 200 and full["status"] == 200 and full["rss_growth_mb"] <= allowed
    return ok, text


def run(data_dir: Path, work_dir: Path) -> dict[str, Any]:
    missing = serve_missing()
    if missing:
        return skipped(NAME, TITLE, f"{missing}; this benchmark needs `newsgraph serve --db FILE --host H --port N`")
    from benchmarks.webdb import build

    requests = env_int("NEWSGRAPH_BENCH_WEB_REQUESTS", DEFAULT_REQUESTS)
    seconds = env_float("NEWSGRAPH_BENCH_WEB_SECONDS", DEFAULT_SECONDS)
    db = build(work_dir)
    p = pick(db.path)
    logs = db.path.parent
    ports = free_ports(3)
    entries = plan(p)
    plain = DATASETTE_SETTINGS[:2]  # datasette's defaults but for the time limit: facet suggestions on
    with (
        Server("newsgraph serve", serve_command(db.path, ports[0]), ports[0], logs / "serve.log") as ours,
        Server("datasette", datasette_command(db.path, ports[1], DATASETTE_SETTINGS), ports[1], logs / "ds.log") as ds,
        Server("datasette defaults", datasette_command(db.path, ports[2], plain), ports[2], logs / "ds2.log") as dflt,
    ):
        started = {s.name: s.wait_ready(path) for s, path in ((ours, "/"), (ds, "/-/versions.json"), (dflt, "/"))}
        cursor_problem = add_cursor_page(entries, ours.base)
        urls = []
        for e in entries:
            e["check"] = preflight(ours.base, e["ours"])
            urls.append(ours.base + e["ours"])
            if e["datasette"]:
                e["ds_check"] = preflight(ds.base, e["datasette"])
                urls.append(ds.base + e["datasette"])
        defaults = [dflt.base + f"{DS}/articles", dflt.base + f"{DS}/articles.json"]
        clock = time.perf_counter()
        loads = load_all(urls, requests, requests // 2 or 1, seconds)
        loads.update(load_all(defaults, DEFAULTS_REQUESTS, DEFAULTS_REQUESTS, seconds))
        load_seconds = time.perf_counter() - clock
        for e in entries:
            e["load"] = loads[ours.base + e["ours"]]
            e["ds_load"] = loads[ds.base + e["datasette"]] if e["datasette"] else None
        small = quote(p["small_source"], safe="")
        exports = {
            "jsonl_small": exported(ours, f"/api/v1/articles?format=jsonl&source={small}"),
            "jsonl": exported(ours, "/api/v1/articles?format=jsonl"),
            "csv": exported(ours, "/api/v1/articles?format=csv", csv_rows=True),
            "ds_csv_small": exported(ds, f"{DS}/articles.csv?_stream=on&source_id={p['small_source_id']}", True),
            "ds_csv": exported(ds, f"{DS}/articles.csv?_stream=on", csv_rows=True),
        }
        rss = {"newsgraph": ours.rss() / 1e6, "datasette": ds.rss() / 1e6}

    rows, summary = latency_rows(entries)
    rows += [
        row(f"datasette defaults (facet suggestions on): `{u.split(DS)[1]}`", [None, _cell(loads[u])]) for u in defaults
    ]
    rows += summary_rows(p["articles"], summary, exports, started, rss)
    table = next(e for e in entries if (e["datasette"] or "").startswith(f"{DS}/articles?_size"))["ds_load"]
    facets = [table["p50_ms"] or 0, loads[defaults[0]]["p50_ms"] or 0]
    notes = _notes(db, p, entries, (requests, seconds), load_seconds, facets)
    if cursor_problem:
        notes.append(f"Cursor page not measured: {cursor_problem}.")
    raw = {
        "db": db.as_dict(),
        "picks": p,
        "requests": requests,
        "entries": entries,
        "exports": exports,
        "datasette_defaults": [loads[u] for u in defaults],
        "start_seconds": started,
        "rss_after_mb": rss,
        "load_seconds": load_seconds,
        "summary": summary,
    }
    return result(NAME, TITLE, ["newsgraph serve", "datasette"], rows, notes, raw)


def summary_rows(
    n: int, summary: dict[str, Any], exports: dict[str, Any], started: dict[str, float], rss: dict[str, float]
) -> list[dict[str, Any]]:
    jsonl, csv, small = exports["jsonl"], exports["csv"], exports["jsonl_small"]
    jsonl_ok = jsonl["status"] == 200 and jsonl["rows"] == n and jsonl["seconds"] < TARGET_EXPORT_S
    flat_ours, flat_ours_text = _flat(small, jsonl)
    _, flat_ds_text = _flat(exports["ds_csv_small"], exports["ds_csv"])
    worst_p95, worst_url = summary["worst"]
    return [
        row(
            "every page and endpoint: p95 < 150 ms",
            [f"{summary['fast']} of {summary['urls']} (slowest p95 {worst_p95:.1f} ms: `{worst_url}`)", None],
            "all",
            summary["fast"] == summary["urls"],
        ),
        row(
            "comparable table pages: p95 ≤ datasette's",
            [f"{summary['no_worse']} of {summary['compared']}", None],
            "all",
            summary["compared"] > 0 and summary["no_worse"] == summary["compared"],
        ),
        row(
            f"export `/api/v1/articles?format=jsonl`, all {n:,} articles",
            [export_cell(jsonl), None],
            f"< {TARGET_EXPORT_S:.0f} s, rows = articles",
            jsonl_ok,
        ),
        row(
            "export CSV (`?format=csv` ↔ datasette `articles.csv?_stream=on`)",
            [export_cell(csv), export_cell(exports["ds_csv"])],
            "rows = articles",
            csv["status"] == 200 and csv["rows"] == n,
        ),
        row(
            "server RSS growth, peak: JSON Lines ↔ datasette CSV, few rows · all",
            [flat_ours_text, flat_ds_text],
            f"all ≤ few + {FLAT_SHARE:.0%} of bytes",
            flat_ours,
        ),
        row(
            "server start (s) · RSS after the run (MB)",
            [
                f"{started['newsgraph serve']:.1f} s · {rss['newsgraph']:.0f} MB",
                f"{started['datasette']:.1f} s · {rss['datasette']:.0f} MB",
            ],
        ),
    ]


def _notes(
    db: Any,
    p: dict[str, Any],
    entries: list[dict[str, Any]],
    load: tuple[int, float],
    seconds: float,
    facets: list[float],
) -> list[str]:
    requests, cap = load
    sizes = ", ".join(
        f"`{e['label'].split(' ↔')[0]}` {e['check'].get('items', '?')} items ↔ {e.get('ds_check', {}).get('rows', '?')}"
        for e in entries
        if e["datasette"] and "json" in e["check"]["type"]
    )
    built = (
        f"cached (key {db.key})"
        if db.cached
        else f"built in {db.build_seconds:.0f} s (ingest "
        f"{db.ingest_seconds:.0f} s, replication {db.replicate_seconds:.0f} s)"
    )
    return [
        f"Database: {p['articles']:,} articles ({db.base_articles} from `examples/corpus` × {db.replicas + 1}, "
        f"multiplied in SQL: new ids, dates k days apart, {db.counts['sources']} sources, "
        f"{db.counts['stories']:,} stories, {db.counts['quotes']:,} quotes, {db.counts['mentions']:,} mentions); "
        f"{built}.",
        f"All servers on {HOST}, on the same file at once, opened as an ordinary (mutable) database; ours with its "
        f"defaults. The datasette anchor runs with {' '.join(DATASETTE_SETTINGS)}: with its default facet "
        f"suggestions (work ours does not do) its table page took {facets[1]:.0f} ms (p50) here, against "
        f"{facets[0]:.0f} ms without (the 'datasette defaults' rows). "
        "Datasette writes an access log line a request; ours does not.",
        f"One load client in a second process, one persistent httpx client: per URL 3 warm-up requests, {requests} "
        f"sequential (p50 / p95), then {requests // 2 or 1} from 4 threads (req/s); the phases are capped at "
        f"{cap:.1f} s and {cap * 0.4:.1f} s, so slow URLs get fewer "
        f"(n = their count). Loading took {seconds:.0f} s. Cells: p50 / p95 ms · req/s at concurrency 4 ('seq.': "
        "1 / mean sequential latency, for URLs slower than the concurrent phase); a non-200 answer is an error in "
        "its cell, never timed.",
        f"Search word `{p['word']}` (an entity, in {p['word_articles']:,} articles); source page: "
        f"{p['source_articles']} articles; story: {p['story_articles']} articles; entity page: the top entity; quote "
        f"word in {p['quote_word_quotes']:,} quotes; window: {p['window_articles']} articles. HTML table pairs "
        f"show 20 rows on both sides (ours with facets); JSON pairs ask ours for 100, datasette's default ({sizes}).",
        "Export memory: the server's RSS (process and children) sampled every 10 ms, peak minus the value just "
        f"before; the few-row export is `source=` a source with {p['small_source_articles']} articles. 'Flat' "
        f"allows the all-rows export {FLAT_SHARE:.0%} of its bytes more than the few-row one (a server that "
        "buffered the whole answer would grow by more than its size).",
    ]
