"""Thin command line: parse, call the library, print text or --json, exit with a meaningful code.

Exit codes: 0 success, 1 failure, 2 user error (missing file, bad option, unusable database),
130 interrupted. Tracebacks only with --debug.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from newsgraph import __version__
from newsgraph.errors import InputNotFound, NewsgraphError, NotFound, UserError
from newsgraph.settings import Settings, load_settings

app = typer.Typer(
    name="newsgraph",
    help="Turn news pages into a knowledge base: articles, sources, people, organisations and places.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_state: dict[str, Any] = {"debug": False, "config": None}

DbOption = typer.Option(
    None,
    "--db",
    help="SQLite database file, or PostgreSQL URL (postgresql://user@host/db) [default: newsgraph.db or NEWSGRAPH_DB].",
)
JsonOption = typer.Option(False, "--json", help="Print JSON (one object, or JSON Lines for lists).")


def _settings(**overrides: Any) -> Settings:
    return load_settings(_state["config"], **overrides)


@contextmanager
def _guard() -> Iterator[None]:
    """Turn library errors into one clear line and an exit code."""
    try:
        yield
    except NewsgraphError as exc:
        if _state["debug"]:
            raise
        err.print(f"[bold red]error:[/] {escape(exc.message)}")
        raise typer.Exit(exc.exit_code) from None
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None
    except Exception as exc:
        if _state["debug"]:
            raise
        err.print(f"[bold red]error:[/] {type(exc).__name__}: {escape(str(exc))} (run with --debug for details)")
        raise typer.Exit(1) from None


def _count(n: int, noun: str) -> str:
    """`1 sentence`, `4 sentences`."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _print_json_lines(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        _print_json(row)


def _version(value: bool) -> None:
    if value:
        out.print(f"newsgraph {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
    config: Path | None = typer.Option(None, "--config", help="Settings file [default: ./newsgraph.toml]."),
) -> None:
    _state["debug"] = debug
    _state["config"] = config


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(
        ..., help="Files and folders of HTML (.html/.htm, .gz), text (.txt), JSON Lines, WARC/ARC (.warc, .arc, .gz)."
    ),
    db: str | None = DbOption,
    processes: int | None = typer.Option(None, "--processes", "-p", help="Worker processes [default: one per core]."),
    max_bytes: int | None = typer.Option(None, "--max-bytes", help="Reject inputs larger than this."),
    as_json: bool = JsonOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    engine: str = typer.Option("local", "--engine", help="local (worker processes) or dask (a Dask cluster)."),
    workers: int | None = typer.Option(
        None, "--workers", help="--engine dask: workers of the local Dask cluster [default: one per core]."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="--engine dask: address of a running Dask scheduler (tcp://HOST:PORT)."
    ),
) -> None:
    """Read pages into the database. Re-running skips what is done; bad inputs become rejections."""
    from newsgraph.run.local import IngestSummary, ingest_paths
    from newsgraph.store.connect import open_store

    with _guard():
        settings = _settings(db=db, processes=processes, max_bytes=max_bytes)
        _check_engine(engine, workers, scheduler)
        missing = [str(p) for p in paths if not p.exists()]
        if missing:  # checked before the database is created
            raise InputNotFound(f"no such file or folder: {missing[0]}")
        with open_store(settings.db) as store:
            show = not (quiet or as_json) and err.is_terminal
            progress = Progress(
                TextColumn("ingesting"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeRemainingColumn(),
                console=err,
                disable=not show,
            )
            with progress:
                task = progress.add_task("ingest", total=None, rate="")

                def on_total(total: int) -> None:
                    progress.update(task, total=total)

                def advance(n: int) -> None:
                    progress.advance(task, n)
                    speed = progress.tasks[0].speed
                    if speed:
                        progress.update(task, rate=f"{speed:,.1f} docs/s")

                summary: IngestSummary
                if engine == "dask":
                    from newsgraph.run.dask import ingest_paths_dask

                    def on_dashboard(link: str) -> None:
                        err.print(f"dask dashboard: {escape(link)}")

                    summary = ingest_paths_dask(
                        paths,
                        store,
                        settings,
                        workers=workers,
                        scheduler=scheduler,
                        progress=advance,
                        on_total=on_total,
                        on_dashboard=on_dashboard,
                    )
                else:
                    summary = ingest_paths(paths, store, settings, progress=advance, on_total=on_total)
        result = summary.as_dict() | {"database": settings.db}
        if as_json:
            _print_json(result)
        else:
            _print_ingest_summary(result)
        if summary.interrupted:
            err.print("interrupted: everything above is saved; run the same command again to finish")
            raise typer.Exit(130)
        failed = getattr(summary, "failed_partitions", None) or []
        if failed:
            err.print(f"{_count(len(failed), 'partition')} failed; run the same command again to retry them")
            raise typer.Exit(1)


def _check_engine(engine: str, workers: int | None, scheduler: str | None) -> None:
    """`--workers` and `--scheduler` belong to the dask engine, and one excludes the other."""
    if engine not in ("local", "dask"):
        raise UserError(f"--engine must be local or dask, not {engine!r}")
    if engine == "local" and (workers is not None or scheduler is not None):
        flag = "--workers" if workers is not None else "--scheduler"
        raise UserError(f"{flag} needs --engine dask (the local engine takes -p/--processes)")
    if workers is not None and scheduler is not None:
        raise UserError("--workers sizes a local Dask cluster; a --scheduler brings its own workers")
    if workers is not None and workers < 1:
        raise UserError("--workers must be at least 1")


def _print_ingest_summary(result: dict[str, Any]) -> None:
    out.print(
        f"[bold]{result['articles']}[/] new articles from {result['documents']} documents in {result['files']} files "
        f"({result['seconds']:.1f}s) → {escape(result['database'])}"
    )
    if result["duplicates"] or result["already_done"]:
        out.print(f"  {result['already_done']} already ingested, {result['duplicates']} duplicates of stored articles")
    if result.get("skipped"):
        reasons = ", ".join(f"{k} {n}" for k, n in result["skipped_by_reason"].items())
        out.print(f"  {result['skipped']} archive records skipped (not HTML pages): {reasons}")
    if result["rejected"]:
        codes = ", ".join(f"{code} {n}" for code, n in result["rejections_by_code"].items())
        out.print(f"  {result['rejected']} rejected: {codes}  (see `newsgraph rejections`)")
    for failed in result.get("failed_partitions") or []:
        files = failed["files"]
        more = f" and {_count(len(files) - 1, 'more file')}" if len(files) > 1 else ""
        out.print(f"  [red]failed partition[/] {escape(files[0])}{more}: {escape(failed['error'])}")


@app.command()
def analyze(
    file: Path = typer.Argument(..., help="One article: .html/.htm (optionally .gz), .txt or .jsonl."),
    line: int = typer.Option(1, "--line", help="For JSON Lines: which record."),
    as_json: bool = JsonOption,
) -> None:
    """Analyse one article without a database: source, title, date, people, organisations, places."""
    from newsgraph.report import analyse_path

    with _guard():
        report = analyse_path(file, _settings(), line=line)
    if as_json:
        _print_json(report)
        return
    out.print(f"[bold]{escape(report['title'] or '(no title)')}[/]")
    meta = [
        ("source", report["source"]),
        ("published", report["published"] and f"{report['published']} (from {report['published_from']})"),
        ("authors", ", ".join(report["authors"])),
        ("credited", ", ".join(report["credited"])),
        ("language", report["language"]),
        ("sections", " / ".join(report["sections"])),
        ("url", report["url"]),
        ("length", f"{report['words']} words in {report['paragraphs']} paragraphs"),
    ]
    for key, value in meta:
        if value:
            out.print(f"  {key:<10} {escape(str(value))}")
    for kind, heading in (
        ("person", "People"),
        ("org", "Organisations"),
        ("place", "Places"),
        ("group", "Groups"),
        ("facility", "Facilities"),
        ("event", "Events"),
    ):
        rows = [e for e in report["entities"] if e["type"] == kind]
        if not rows:
            continue
        out.print(f"\n[bold]{heading}[/]")
        for entity in rows:
            others = [a for a in entity["alias_counts"] if a["name"] != entity["name"]]
            aka = "  also: " + ", ".join(f"{a['name']} ×{a['count']}" for a in others) if others else ""
            out.print(f"  {escape(entity['name'])} ×{entity['count']}{escape(aka)}")


@app.command()
def search(
    query: str = typer.Argument(..., help="Words to find (all must appear)."),
    db: str | None = DbOption,
    source: str | None = typer.Option(None, "--source", help="Only articles from this source."),
    since: str | None = typer.Option(None, "--since", help="Only articles published on or after this date."),
    limit: int = typer.Option(20, "--limit", "-n", help="How many results."),
    raw: bool = typer.Option(False, "--raw", help="The query in the store's syntax (FTS5, PostgreSQL websearch)."),
    as_json: bool = JsonOption,
) -> None:
    """Full-text search over titles and texts, best matches first, with highlighted snippets."""
    from newsgraph.store import read
    from newsgraph.store.connect import open_store

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        rows = read.search(store, query, source=source, since=since, limit=limit, raw=raw)
    if as_json:
        _print_json_lines(rows)
        return
    if not rows:
        out.print("no matches")
        return
    for row in rows:
        out.print(
            f"[bold]{escape(row['title'] or '(no title)')}[/]  "
            f"[dim]{escape(row['source'] or '?')} · {escape((row['published'] or '')[:10])} · {row['id']}[/]"
        )
        out.print("  " + _highlight(row["snippet"], row["highlights"]))


def _highlight(snippet: str, spans: list[list[int]]) -> str:
    """Rich markup for a search snippet with its matched words in bold."""
    parts, position = [], 0
    for start, end in spans:
        parts.append(escape(snippet[position:start]))
        parts.append(f"[bold yellow]{escape(snippet[start:end])}[/]")
        position = end
    parts.append(escape(snippet[position:]))
    return "".join(parts).replace("\n", " ")


@app.command()
def stats(
    db: str | None = DbOption,
    top: int = typer.Option(5, "--top", help="How many top sources and entities of each type."),
    as_json: bool = JsonOption,
) -> None:
    """Counts of articles, sources, entities and rejections, with the most mentioned entities."""
    from newsgraph.store import read
    from newsgraph.store.connect import open_store

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        data = read.stats(store, top=top)
    if as_json:
        _print_json(data)
        return
    out.print(
        f"[bold]{data['articles']}[/] articles from [bold]{data['sources']}[/] sources, "
        f"{data['entities']} entities ({data['mentions']} mentions), {data['rejections']} rejections"
    )
    out.print(
        f"{data['stories']} stories, {data['copies']} copies of other articles, {data['quotes']} quotations "
        f"({data['quotes_direct']} direct)"
    )
    if data["first_published"]:
        out.print(f"published {data['first_published'][:10]} … {data['last_published'][:10]}")
    if data["top_sources"]:
        out.print("sources: " + ", ".join(f"{escape(s['name'])} ({s['articles']})" for s in data["top_sources"]))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for heading in ("people", "organisations", "places"):
        table.add_column(heading)
    columns = [data["top_entities"][k] for k in ("person", "org", "place")]
    for i in range(max((len(c) for c in columns), default=0)):
        table.add_row(*[f"{escape(c[i]['name'])} [dim]({c[i]['articles']})[/]" if i < len(c) else "" for c in columns])
    out.print(table)
    if data["rejections_by_code"]:
        out.print("rejections: " + ", ".join(f"{c} {n}" for c, n in data["rejections_by_code"].items()))


@app.command()
def rejections(
    db: str | None = DbOption,
    code: str | None = typer.Option(None, "--code", help="Only this rejection code."),
    limit: int | None = typer.Option(None, "--limit", "-n"),
    as_json: bool = JsonOption,
) -> None:
    """Inputs that did not become articles, with the reason for each."""
    from newsgraph.store import read
    from newsgraph.store.connect import open_store

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        rows = read.rejections(store, code=code, limit=limit)
    if as_json:
        _print_json_lines(rows)
        return
    if not rows:
        out.print("no rejections")
        return
    for row in rows:
        out.print(f"{escape(row['location'])}  [bold]{row['code']}[/] ({row['stage']}): {escape(row['reason'])}")
    out.print(f"{len(rows)} rejected")


entities_app = typer.Typer(
    help="Entities across the corpus (every spelling of one person, organisation or place), and curation.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(entities_app, name="entities")
TYPES = ("person", "org", "place", "group", "facility", "event")


@entities_app.callback()
def entities_list(
    ctx: typer.Context,
    db: str | None = DbOption,
    kind: str | None = typer.Option(None, "--type", help="person, org, place, group, facility or event."),
    top: int = typer.Option(20, "--top", "-n", help="How many, most mentioned first."),
    as_json: bool = JsonOption,
) -> None:
    """List entities, most mentioned first (subcommands: merge, split, rename)."""
    if ctx.invoked_subcommand is not None:
        ctx.ensure_object(dict)["db"] = db
        return
    from newsgraph.store.connect import open_store
    from newsgraph.store.entities import list_entities

    with _guard():
        if kind is not None and kind not in TYPES:
            raise UserError(f"--type must be one of {', '.join(TYPES)}, not {kind!r}")
        with open_store(_settings(db=db).db, create=False) as store:
            rows = list_entities(store, kind, top)
    if as_json:
        _print_json_lines(rows)
        return
    for row in rows:
        others = [a["name"] for a in row["aliases"] if a["name"] != row["name"]][:6]
        aka = f"  [dim]also {escape(', '.join(others))}[/]" if others else ""
        flag = " [yellow](unresolved)[/]" if row["unresolved"] else ""
        out.print(f"{escape(row['name'])} [dim]{row['type']} · {row['articles']} articles[/]{flag}{aka}")


def _curate(ctx: typer.Context, db: str | None, action: str, a: str, b: str = "") -> None:
    from newsgraph.store.connect import open_store
    from newsgraph.store.entities import add_rule

    path = db or (ctx.obj or {}).get("db")
    with _guard(), open_store(_settings(db=path).db, create=False) as store:
        result = add_rule(store, action, a, b)
    out.print(f"{action} recorded; {result['names']} names resolved again into {result['entities']} entities")


@entities_app.command("merge")
def entities_merge(
    ctx: typer.Context,
    a: str = typer.Argument(..., help="A name of the first entity (as `newsgraph entity` lists it)."),
    b: str = typer.Argument(..., help="A name of the second entity."),
    db: str | None = DbOption,
) -> None:
    """Make two entities one, now and in every later run."""
    _curate(ctx, db, "merge", a, b)


@entities_app.command("split")
def entities_split(
    ctx: typer.Context,
    entity: str = typer.Argument(..., help="A name of the entity."),
    alias: str = typer.Argument(..., help="The name to take out of it into an entity of its own."),
    db: str | None = DbOption,
) -> None:
    """Take a name out of an entity it was wrongly joined to, now and in every later run."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.entities import entity_for_name

    path = db or (ctx.obj or {}).get("db")
    with _guard(), open_store(_settings(db=path).db, create=False) as store:
        owner, member = entity_for_name(store, entity), entity_for_name(store, alias)
        if owner is None or member != owner:
            raise UserError(f"{alias!r} is not a name of the entity {entity!r}")
    _curate(ctx, db, "split", alias)


@entities_app.command("rename")
def entities_rename(
    ctx: typer.Context,
    entity: str = typer.Argument(..., help="A name of the entity."),
    name: str = typer.Argument(..., help="The name to show for it."),
    db: str | None = DbOption,
) -> None:
    """Give an entity the display name you choose, now and in every later run."""
    _curate(ctx, db, "rename", entity, name)


@app.command()
def entity(
    name: str = typer.Argument(..., help="Any spelling of the name: an alias, a transliteration, a near-spelling."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """One entity found by any of its names: aliases with sources, weeks, co-mentions, articles."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.entities import entity_detail, find_entities

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        found = find_entities(store, name)
        if not found:
            raise NotFound(f"no entity matches {name!r}")
        detail = entity_detail(store, found[0])
        detail["other_matches"] = [entity_detail(store, e, articles=0, co_mentions=0)["name"] for e in found[1:]]
    if as_json:
        _print_json(detail)
        return
    flag = " [yellow](unresolved: several entities share this name)[/]" if detail["unresolved"] else ""
    out.print(
        f"[bold]{escape(detail['name'])}[/] [dim]{detail['type']} · {detail['articles']} articles, "
        f"{detail['mentions']} mentions · {detail['first_seen'] or '?'} … {detail['last_seen'] or '?'}[/]{flag}"
    )
    if detail["candidates"]:
        out.print("could be: " + ", ".join(escape(c["name"]) for c in detail["candidates"]))
    out.print("[bold]aliases[/]")
    for alias in detail["aliases"]:
        out.print(f"  {escape(alias['name'])} ×{alias['count']}  [dim]{escape(', '.join(alias['sources']))}[/]")
    if detail["weeks"]:
        out.print("[bold]articles per week[/]  " + "  ".join(f"{w['week']}: {w['articles']}" for w in detail["weeks"]))
    if detail["co_mentions"]:
        out.print(
            "[bold]mentioned with[/]  "
            + ", ".join(f"{escape(c['name'])} ({c['articles']})" for c in detail["co_mentions"])
        )
    out.print("[bold]articles[/]")
    for art in detail["article_list"]:
        out.print(f"  {(art['published'] or '')[:10]}  {escape(art['source'] or '?')}: {escape(art['title'] or '')}")
    if detail["other_matches"]:
        out.print("[dim]other matches: " + escape(", ".join(detail["other_matches"])) + "[/]")


@app.command()
def quotes(
    db: str | None = DbOption,
    speaker: str | None = typer.Option(None, "--speaker", help="Said by this entity (any spelling of the name)."),
    about: str | None = typer.Option(None, "--about", help="Quotes whose words name this entity."),
    search: str | None = typer.Option(None, "--search", help="Quotes containing these words."),
    kind: str | None = typer.Option(None, "--kind", help="direct or reported."),
    limit: int = typer.Option(50, "--limit", "-n"),
    as_json: bool = JsonOption,
) -> None:
    """Who said what: each quotation once, with where it appeared first and who repeated it."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.quotes import list_quotes

    with _guard():
        if kind is not None and kind not in {"direct", "reported"}:
            raise UserError(f"--kind must be direct or reported, not {kind!r}")
        with open_store(_settings(db=db).db, create=False) as store:
            rows = list_quotes(store, speaker=speaker, about=about, search=search, kind=kind, limit=limit)
    if as_json:
        _print_json_lines(rows)
        return
    if not rows:
        out.print("no quotes")
        return
    for row in rows:
        who = row["speaker_entity"] or row["speaker"] or (row["role"] and f"({row['role']})") or "unattributed"
        role = f", {row['role']}" if row["role"] and (row["speaker_entity"] or row["speaker"]) else ""
        mark = "“…”" if row["kind"] == "direct" else "reported"
        out.print(f"[bold]{escape(who)}[/]{escape(role)} [dim]{mark} · {row['cue'] or ''}[/]")
        out.print(f"  {escape(row['text'])}")
        for appearance in row["appearances"]:
            out.print(
                f"  [dim]{(appearance['published'] or '')[:16]}  {escape(appearance['source'] or '?')}: "
                f"{escape(appearance['title'] or '')}[/]"
            )


@app.command()
def copies(
    article: str | None = typer.Argument(None, help="An article id, id prefix or ingested path: show its copy group."),
    db: str | None = DbOption,
    limit: int = typer.Option(20, "--limit", "-n", help="How many groups when no article is given."),
    as_json: bool = JsonOption,
) -> None:
    """Who copied whom: copy groups with their likely original, links and what each copy changed."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.copies import copy_group, find_article, list_copy_groups

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        if article:
            group = copy_group(store, find_article(store, article))
            groups = [group] if group else []
        else:
            groups = list_copy_groups(store, limit)
    if as_json:
        if article:
            _print_json(groups[0] if groups else {"group": None, "links": []})
        else:
            _print_json_lines(groups)
        return
    if not groups:
        out.print("no copies found" + (" of that article" if article else ""))
        return
    for group in groups:
        original = group["original"]
        flag = " [yellow](original unknown: copies may predate what we hold)[/]" if group["original_unknown"] else ""
        out.print(
            f"[bold]{escape(original['title'] or '')}[/]{flag}\n  original: {escape(original['source'] or '?')} "
            f"{(original['published'] or '')[:16]}  [dim]{original['id']}[/]"
        )
        for link in group["links"]:
            copy, changes = link["copy"], link["changes"]
            lag = f"{link['lag_seconds'] / 3600:.1f} h later" if link["lag_seconds"] is not None else "undated"
            out.print(
                f"  copy: {escape(copy['source'] or '?')} {(copy['published'] or '')[:16]} ({lag}), {link['kind']}, "
                f"{link['containment']['copy_in_original']:.0%} of it from {escape(link['original']['source'] or '?')}"
                f"  [dim]{copy['id']}[/]"
            )
            notes = _change_notes(changes, moved=True)
            if notes:
                out.print("    " + escape(notes))


@app.command()
def diff(
    copy: str = typer.Argument(..., help="The copy: article id, id prefix or ingested path."),
    original: str = typer.Argument(..., help="The original: article id, id prefix or ingested path."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """What a copy changed: sentences removed, added, moved; changed words with names and numbers marked."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.copies import article_diff

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        result = article_diff(store, copy, original)
    if as_json:
        _print_json(result)
        return
    summary = result["summary"]
    out.print(f"[bold]copy[/]      {escape(result['copy']['source'] or '?')}: {escape(result['copy']['title'] or '')}")
    out.print(
        f"[bold]original[/]  {escape(result['original']['source'] or '?')}: {escape(result['original']['title'] or '')}"
    )
    if summary["headline"]:
        out.print(
            f"[yellow]headline[/]  - {escape(summary['headline']['original'])}\n          "
            f"+ {escape(summary['headline']['copy'])}"
        )
    if summary["authors"]:
        out.print(
            f"[yellow]byline[/]    - {escape(', '.join(summary['authors']['original']) or '(none)')}  "
            f"+ {escape(', '.join(summary['authors']['copy']) or '(none)')}"
        )
    if summary["attribution_dropped"]:
        out.print("[red]the copy does not credit the original's outlet or author[/]")
    if summary["names"]:
        out.print("[bold]names changed[/]    " + escape(", ".join(summary["names"])))
    if summary["numbers"]:
        out.print("[bold]numbers changed[/]  " + escape(", ".join(summary["numbers"])))
    for change in result["changed"]:
        out.print(f"[yellow]~[/] {_marked(change)}")
    for sentence in result["removed"]:
        out.print(f"[red]- {escape(sentence)}[/]")
    for sentence in result["added"]:
        out.print(f"[green]+ {escape(sentence)}[/]")
    for sentence in result["moved"]:
        out.print(f"[blue]↕ {escape(sentence)}[/]")
    out.print(f"[dim]{_count(summary['sentences_unchanged'], 'sentence')} unchanged[/]")


def _marked(change: dict[str, Any]) -> str:
    """A changed sentence with each replaced word shown as [-old-]{+new+} (coloured on a terminal)."""
    text = escape(change["copy"])
    for word in change["words"]:
        old, new = escape(word["old"]), escape(word["new"])
        if out.is_terminal:
            style = {"name": "bold magenta", "number": "bold cyan"}.get(word["kind"], "bold")
            replacement = f"[red strike]{old}[/][{style}]{new}[/]"
        else:
            replacement = escape(f"[-{word['old']}-]{{+{word['new']}+}}")
        if word["new"] != "∅" and new in text:
            text = text.replace(new, replacement, 1)
        else:
            text += " " + (f"[red strike]{old}[/]" if out.is_terminal else escape(f"[-{word['old']}-]"))
    return text


@app.command()
def check(
    file: str = typer.Argument(
        ..., metavar="FILE|-", help="A page (.html/.htm, optionally .gz) or a text (.txt); - reads standard input."
    ),
    db: str | None = DbOption,
    title: str | None = typer.Option(None, "--title", help="The headline (else the page's, or the text's first line)."),
    source: str | None = typer.Option(None, "--source", help="The outlet that published it."),
    published: str | None = typer.Option(None, "--published", help="When it was published (a date or timestamp)."),
    url: str | None = typer.Option(None, "--url", help="Its address."),
    as_json: bool = JsonOption,
) -> None:
    """Check a text against the knowledge base without storing it: the original it copies and what
    changed, its story, its names as known entities, and where its quotes first appeared."""
    from newsgraph.store.check import check_document, raw_from_html, raw_from_path, raw_from_text
    from newsgraph.store.connect import open_store

    with _guard():
        settings = _settings(db=db)
        given = {"title": title, "source": source, "published": published, "url": url}
        if file == "-":
            text = sys.stdin.read()
            raw = raw_from_html(text, **given) if text.lstrip().startswith("<") else raw_from_text(text, **given)
        else:
            raw = raw_from_path(file, settings.max_bytes, **given)
        with open_store(settings.db, create=False) as store:
            result = check_document(store, raw, settings)
    if as_json:
        _print_json(result)
        return
    _print_check(result)


def _change_notes(changes: dict[str, Any], moved: bool = False) -> str:
    """What a diff summary says changed, in a line: names, numbers, sentences, headline, credit."""
    notes = []
    if changes["names"]:
        notes.append("names " + ", ".join(changes["names"]))
    if changes["numbers"]:
        notes.append("numbers " + ", ".join(changes["numbers"]))
    kinds = [("sentences_removed", "removed"), ("sentences_added", "added")]
    kinds += [("sentences_moved", "moved")] if moved else []
    for key, label in [*kinds, ("sentences_changed", "changed")]:
        if changes[key]:
            notes.append(f"{_count(changes[key], 'sentence')} {label}")
    if changes["headline"]:
        notes.append("new headline")
    if changes.get("attribution_dropped"):
        notes.append("original not credited")
    return "; ".join(notes)


def _print_check(result: dict[str, Any]) -> None:
    article, copies = result["article"], result["copies"]
    meta = " · ".join(
        x for x in (article["source"], (article["published"] or "")[:16], f"{article['words']} words") if x
    )
    out.print(f"[bold]{escape(article['title'] or '(no title)')}[/]  [dim]{escape(meta)}[/]")
    if result["stored"]:
        out.print(f"[dim]already stored as {result['stored']['id']}[/]")
    original = copies["original"]
    matches = {m["article"]["id"]: m for m in copies["matches"]}
    if not matches:
        out.print("[bold]copies[/]    none: no stored article shares its text")
    elif original:
        match = matches[original["id"]]
        flag = " [yellow](original unknown: undated or same time)[/]" if copies["original_unknown"] else ""
        out.print(
            f"[bold]copy of[/]   {escape(original['source'] or '?')} {(original['published'] or '')[:16]}: "
            f"{escape(original['title'] or '')}  [dim]{original['id']}[/]{flag}"
        )
        out.print(
            f"  {match['kind']}, {match['containment']['checked_in_stored']:.0%} of this text is in it; "
            + escape(_change_notes(match["diff"]["summary"]) or "no changes")
        )
        for change in match["diff"]["changed"]:
            out.print(f"  [yellow]~[/] {_marked(change)}")
        for sentence in match["diff"]["removed"]:
            out.print(f"  [red]- {escape(sentence)}[/]")
        for sentence in match["diff"]["added"]:
            out.print(f"  [green]+ {escape(sentence)}[/]")
    else:
        out.print("[bold]original[/]  this text is the earliest: the stored matches came later")
    for ident, match in matches.items():
        if original and ident == original["id"]:
            continue
        ref = match["article"]
        out.print(
            f"[bold]also in[/]   {escape(ref['source'] or '?')} {(ref['published'] or '')[:16]}: "
            f"{escape(ref['title'] or '')}  [dim]{match['kind']}; "
            f"{escape(_change_notes(match['diff']['summary']) or 'no changes')}[/]"
        )
    story = result["story"]
    if story:
        how = "via its original" if story["via"] == "copy" else f"score {story['score']}"
        out.print(
            f"[bold]story[/]     {escape(story['label'])}  [dim]{story['id']} · {story['article_count']} articles · "
            f"first: {escape(story['first_source'] or '?')} · {how}[/]"
        )
    else:
        out.print("[bold]story[/]     none of the stored stories")
    if result["entities"]:
        out.print("[bold]names[/]")
    for entity in result["entities"]:
        known = entity["entity"]
        if known:
            where = f"→ {escape(known['name'])} [dim]({known['type']}, {known['articles']} articles)[/]"
        elif entity["candidates"]:
            where = "[yellow]could be " + escape(", ".join(c["name"] for c in entity["candidates"])) + "[/]"
        else:
            where = "[dim](not in the knowledge base)[/]"
        out.print(f"  {escape(entity['name'])} ×{entity['count']} {where}")
    if result["quotes"]:
        out.print("[bold]quotes[/]")
    for quote in result["quotes"]:
        who = quote["speaker"] or (quote["role"] and f"({quote['role']})") or "unattributed"
        out.print(f"  [bold]{escape(who)}[/]: “{escape(quote['text'])}”")
        first = quote["first_appearance"]
        if first:
            ref = first["article"]
            out.print(
                f"    [dim]first in {escape(ref['source'] or '?')} {(ref['published'] or '')[:16]}: "
                f"{escape(ref['title'] or '')} ({_count(quote['appearances'], 'appearance')} stored)[/]"
            )
        else:
            out.print("    [dim]not seen before[/]")


@app.command()
def sources(
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Each source's originality: how much it copies, from whom, who copies it, and how fast."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.copies import source_originality

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        rows = source_originality(store)
    if as_json:
        _print_json_lines(rows)
        return
    table = Table(
        "source",
        "articles",
        "copies",
        "original",
        "copies from",
        "copied by",
        "median lag",
        box=None,
        header_style="bold",
    )
    for row in rows:
        table.add_row(
            escape(row["source"]),
            str(row["articles"]),
            str(row["copies"]),
            f"{row['original_share']:.0%}",
            escape(", ".join(f"{c['source']} ({c['articles']})" for c in row["copies_from"])),
            escape(", ".join(f"{c['source']} ({c['articles']})" for c in row["copied_by"])),
            f"{row['median_lag_hours']} h" if row["median_lag_hours"] is not None else "",
        )
    out.print(table)


@app.command()
def stories(
    db: str | None = DbOption,
    since: str | None = typer.Option(None, "--since", help="Stories updated on or after this date."),
    entity: str | None = typer.Option(None, "--entity", help="Stories that mention this entity (any spelling)."),
    limit: int = typer.Option(30, "--limit", "-n"),
    as_json: bool = JsonOption,
) -> None:
    """Stories: articles from many outlets clustered into events, biggest first."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.stories import list_stories

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        rows = list_stories(store, since=since, entity=entity, limit=limit)
    if as_json:
        _print_json_lines(rows)
        return
    if not rows:
        out.print("no stories")
        return
    for row in rows:
        out.print(
            f"[bold]{escape(row['label'])}[/]\n  [dim]{row['id']} · {row['article_count']} articles from "
            f"{row['source_count']} sources · {(row['first_seen'] or '?')[:10]} … {(row['last_update'] or '?')[:10]} · "
            f"first: {escape(row['first_source'] or '?')}[/]"
        )


@app.command()
def story(
    ident: str = typer.Argument(
        ..., metavar="ID", help="A story id (or its first characters) from `newsgraph stories`."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """One story as a timeline: date, source, headline, copies marked; who reported first; its quotes."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.stories import story_detail

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        record = story_detail(store, ident)
    if as_json:
        _print_json(record)
        return
    out.print(f"[bold]{escape(record['label'])}[/]  [dim]{record['id']}[/]")
    out.print(
        f"first reported by [bold]{escape(record['first_source'] or '?')}[/] "
        f"{(record['first_seen'] or '?')[:16]}; {record['article_count']} articles from "
        f"{record['source_count']} sources"
    )
    titles = {a["id"]: a for a in record["articles"]}
    for article in record["articles"]:
        mark = ""
        if article["copy_of"]:
            original = titles.get(article["copy_of"])
            mark = f"  [yellow](copy of {escape(original['source'] if original else article['copy_of'])})[/]"
        out.print(
            f"  {(article['published'] or 'undated')[:16]:16}  {escape(article['source'] or '?'):24} "
            f"{escape(article['title'] or '')}{mark}"
        )
    if record["top_entities"]:
        out.print("[bold]names[/]  " + ", ".join(escape(e["name"]) for e in record["top_entities"][:8]))
    for quote in record["quotes"][:8]:
        out.print(f"[bold]{escape(quote['speaker'] or quote['role'] or 'unattributed')}[/]: “{escape(quote['text'])}”")


@app.command()
def resolve(
    db: str | None = DbOption,
    full: bool = typer.Option(False, "--full", help="Resolve every name again, not only those new articles touched."),
    as_json: bool = JsonOption,
) -> None:
    """Resolve names into entities (ingest does this itself; use --full after changing the method)."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.entities import resolve_entities

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        result = resolve_entities(store, full=full)
    if as_json:
        _print_json(result)
    else:
        out.print(f"{result['names']} names resolved into {result['entities']} entities ({result['seconds']}s)")


@app.command()
def resplit(
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Maintenance: split stories that have grown over several events (settings story_split_*)."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.stories import resplit_stories

    settings = _settings(db=db)
    with _guard(), open_store(settings.db, create=False) as store:
        result = resplit_stories(store, settings.story_settings)
    if as_json:
        _print_json(result)
    else:
        out.print(
            f"{result['checked']} stories checked, {len(result['split'])} split into "
            f"{len(result['split']) + len(result['new_stories'])} ({result['seconds']}s)"
        )
        for story_id in result["split"] + result["new_stories"]:
            out.print(f"  {story_id}")


@app.command()
def migrate(db: str | None = DbOption, as_json: bool = JsonOption) -> None:
    """Bring a database's schema up to date (every command does this itself; this one only migrates)."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.migrations import MIGRATIONS, applied_migrations, apply_migrations

    with _guard():
        path = _settings(db=db).db
        with open_store(path, create=False) as store:  # opening applies what is missing
            done = applied_migrations(store.conn)
            apply_migrations(store.conn, store.dialect.migrations)
            shown = store.path
    result = {"database": shown, "migrations": done, "latest": MIGRATIONS[-1][0]}
    if as_json:
        _print_json(result)
    else:
        out.print(f"{escape(shown)} is at {result['latest']} ({_count(len(done), 'migration')} applied)")


@app.command("copy-db")
def copy_db(
    source: str = typer.Argument(..., help="The store to copy: a SQLite file or a PostgreSQL URL."),
    target: str = typer.Argument(..., help="The store to copy into (created or migrated as needed)."),
    batch: int = typer.Option(5_000, "--batch", min=1, help="Rows a transaction writes."),
    as_json: bool = JsonOption,
) -> None:
    """Copy a knowledge base to another store, e.g. from SQLite to PostgreSQL. Run it again to resume."""
    from newsgraph.store.connect import open_reader, open_store
    from newsgraph.store.copy import copy_store

    with _guard(), open_reader(source) as src, open_store(target) as dst:
        shown: dict[str, int] = {}

        def report(table: str, done: int, total: int) -> None:
            if not as_json and (done == total or done - shown.get(table, 0) >= 50_000):
                shown[table] = done
                err.print(f"  {table}: {done:,} of {total:,} rows")

        result = copy_store(src, dst, batch=batch, progress=report)
    if as_json:
        _print_json(result)
        return
    out.print(
        f"copied {result['rows_copied']:,} rows from {escape(result['source'])} to {escape(result['target'])} "
        f"in {result['seconds']}s"
    )
    if not result["complete"]:
        out.print(f"[yellow]the target holds fewer rows than the source in: {', '.join(result['short_tables'])}[/]")
        raise typer.Exit(1)


@app.command()
def follow(
    urls: list[str] = typer.Argument(None, help="Feeds (RSS, Atom, JSON Feed), news sitemaps or homepages."),
    db: str | None = DbOption,
    sources_file: Path | None = typer.Option(None, "--file", "-f", help="A file of URLs, one a line; # comments."),
    show: bool = typer.Option(False, "--list", help="List the followed sources and their health."),
    as_json: bool = JsonOption,
) -> None:
    """Follow sources: `newsgraph watch` polls them. With --list, show each one's last poll and health."""
    from newsgraph.fetch.urls import canonical_url, is_fetchable
    from newsgraph.store.connect import open_store
    from newsgraph.store.follow import follow_source, followed_sources

    with _guard():
        given = list(urls or [])
        if sources_file is not None:
            if not sources_file.is_file():
                raise InputNotFound(f"no such file: {sources_file}")
            for line in sources_file.read_text(encoding="utf-8", errors="replace").splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    given.append(line)
        bad = [u for u in given if not is_fetchable(u)]
        if bad:
            raise UserError(f"not an http(s) URL: {bad[0]}")
        if not given and not show:
            raise UserError("give feed, sitemap or homepage URLs (or --file FILE, or --list)")
        with open_store(_settings(db=db).db, create=bool(given)) as store:
            added = [u for u in (canonical_url(x) for x in given) if follow_source(store, u)]
            rows = followed_sources(store) if show else []
        if given and not as_json:
            out.print(f"following {_count(len(added), 'new source')} ({len(given) - len(added)} already followed)")
        if show:
            if as_json:
                _print_json_lines(rows)
                return
            if not rows:
                out.print("nothing followed yet: newsgraph follow URL")
            table = Table(
                "source",
                "kind",
                "last poll",
                "status",
                "errors",
                "next poll",
                "articles",
                box=None,
                header_style="bold",
            )
            for row in rows:
                status = row["last_status"] or "not polled"
                if row["last_error"]:
                    status += f": {row['last_error'][:60]}"
                table.add_row(
                    escape(row["url"]),
                    row["kind"] or "?",
                    (row["last_poll"] or "—")[:16],
                    escape(status),
                    str(row["errors"]),
                    (row["next_poll"] or "—")[:16],
                    str(row["articles"]),
                )
            out.print(table)


@app.command()
def unfollow(
    urls: list[str] = typer.Argument(..., help="Followed URLs to stop polling."), db: str | None = DbOption
) -> None:
    """Stop following sources (what they brought stays)."""
    from newsgraph.fetch.urls import canonical_url
    from newsgraph.store.connect import open_store
    from newsgraph.store.follow import unfollow_source

    with _guard(), open_store(_settings(db=db).db, create=False) as store:
        for url in urls:
            unfollow_source(store, canonical_url(url))
            out.print(f"unfollowed {escape(url)}")


@app.command()
def watch(
    db: str | None = DbOption,
    interval: str | None = typer.Option(None, "--interval", help="Time between polls of a source [default: 10m]."),
    once: bool = typer.Option(False, "--once", help="Poll every due source once, then stop."),
    as_json: bool = JsonOption,
) -> None:
    """Poll followed sources, fetch new articles politely (WARC-archived) and ingest them. Ctrl-C stops."""
    from newsgraph.run.watch import parse_interval
    from newsgraph.run.watch import watch as run_watch
    from newsgraph.store.connect import open_store

    with _guard():
        settings = _settings(db=db)
        if interval is not None:
            settings = settings.replace(watch_interval=parse_interval(interval))
        if not settings.fetch_contact:
            err.print("[yellow]note:[/] set fetch_contact (NEWSGRAPH_FETCH_CONTACT) to a URL site owners can reach")

        def report(summary: Any) -> None:
            data = summary.as_dict()
            if as_json:
                _print_json(data)
                return
            fails = ", ".join(f"{c} {n}" for c, n in data["fetch_failures"].items())
            out.print(
                f"{now_text()} polled {data['sources_polled']} sources ({data['not_modified']} unchanged, "
                f"{data['failed_sources']} failed): {data['new_urls']} new links, {data['fetched']} pages fetched, "
                f"[bold]{data['articles']}[/] new articles, {data['rejected']} rejected"
                + (f"; fetch failures: {fails}" if fails else "")
                + (f"; {data['deferred']} deferred" if data["deferred"] else "")
            )

        with open_store(settings.db) as store:
            if not once:
                err.print(f"watching {escape(settings.db)}; Ctrl-C stops between documents")
            run_watch(store, settings, once=once, on_poll=report)


def now_text() -> str:
    from datetime import datetime

    return datetime.now().strftime("%H:%M:%S")


@app.command()
def export(
    folder: Path = typer.Argument(..., metavar="DIR", help="Folder to write: one sub-folder of part files per table."),
    fmt: str = typer.Option("parquet", "--format", help="Export format (parquet, the only one so far)."),
    since: str | None = typer.Option(
        None, "--since", help="Only articles ingested on or after this date (with their mentions, quotes, copies)."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the parts of an earlier full export in DIR."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
) -> None:
    """Export articles, mentions, entities, quotes, copy links and stories as Parquet (see docs/export.md)."""
    from newsgraph.store.connect import open_store
    from newsgraph.store.export import FORMATS, export_parquet

    def progress(table: str, rows: int, done: bool) -> None:
        err.print(f"exporting {table}: {rows:,} rows" + (", done" if done else " …"))

    with _guard():
        if fmt not in FORMATS:
            raise UserError(f"--format must be {' or '.join(FORMATS)}, not {fmt!r}")
        with open_store(_settings(db=db).db, create=False) as store:
            result = export_parquet(
                store, folder, since=since, overwrite=overwrite, progress=None if quiet or as_json else progress
            )
    if as_json:
        _print_json(result)
        return
    what = f"articles ingested since {result['since']}" if result["since"] else "a full export"
    out.print(
        f"{what}: {_count(len(result['files']), 'file')} written to {escape(result['folder'])} "
        f"at {result['exported_at']}"
    )
    for path in result["files"]:
        table = Path(path).parent.name
        out.print(f"  {table:<11} {result['counts'][table]:>9,} rows  {escape(path)}")
    if result["removed"]:
        out.print(f"  replaced {_count(len(result['removed']), 'older part')}")


@app.command()
def serve(
    db: str | None = DbOption,
    host: str | None = typer.Option(None, "--host", help="Address to bind [default: 127.0.0.1, loopback only]."),
    port: int | None = typer.Option(None, "--port", help="Port [default: 8000]."),
    workers_pool: int = typer.Option(8, "--readers", help="Read-only database connections for concurrent requests."),
) -> None:
    """Serve the web pages and the JSON API (/api/v1, docs at /api/v1/docs) over a database, read-only.

    Curation (merge, split, rename) over HTTP is enabled only when api_token (or NEWSGRAPH_API_TOKEN)
    is set, and then requires it."""
    import uvicorn

    from newsgraph.store.connect import open_store
    from newsgraph.web.app import create_app

    with _guard():
        settings = _settings(db=db, host=host, port=port)
        with open_store(settings.db, create=False):  # brings the schema up to date before serving
            pass
        web = create_app(settings.db, settings, pool_size=workers_pool)
        if settings.host not in ("127.0.0.1", "localhost", "::1"):
            err.print(f"[yellow]warning:[/] listening on {escape(settings.host)}: reachable beyond this machine")
        writes = "curation enabled (token required)" if settings.api_token else "read-only"
        err.print(
            f"serving {escape(settings.db)} ({writes}) at http://{escape(settings.host)}:{settings.port}/ "
            f"— API docs at /api/v1/docs; Ctrl-C stops"
        )
        uvicorn.run(web, host=settings.host, port=settings.port, log_level="warning", access_log=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
