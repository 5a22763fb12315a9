"""RawDocument → Article | Rejection: one function for every format."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from newsgraph.extract.boilerplate import drop_furniture
from newsgraph.extract.bylines import read_byline
from newsgraph.extract.dates import date_in_text, date_in_url, normalise_date
from newsgraph.extract.decode import DecodeProblem, decode_bytes
from newsgraph.extract.html import parse_html_page
from newsgraph.extract.language import detect_language
from newsgraph.extract.textpage import parse_text_page
from newsgraph.records import Article, RawDocument, Rejection, content_hash
from newsgraph.settings import Settings

EXTRACTOR = "extract.v4"
LANGUAGE_SAMPLE_CHARS = 300  # language is told from the text's start (on the 439 benchmark pages, as from 2,000)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_TAG = re.compile(r"<[a-zA-Z!/]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _same_words(a: str, b: str) -> bool:
    def words(s: str) -> list[str]:
        return re.findall(r"\w+", s.lower())

    return bool(a) and words(a) == words(b)


def _site_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def article_id(source: str | None, url: str | None, title: str, text: str) -> str:
    """Content hash of what makes an article itself: the same content always gets the same id."""
    return content_hash((source or "").lower(), url or "", title, text, length=20)


def extract_article(raw: RawDocument, settings: Settings | None = None) -> Article | Rejection:
    """The article in a raw document, or a rejection saying why there is none."""
    settings = settings or Settings()

    def reject(code: str, reason: str) -> Rejection:
        return Rejection("extract", code, reason, raw.location, raw.raw_hash)

    try:
        decoded = decode_bytes(raw.content)
    except DecodeProblem as problem:
        return reject(problem.code, problem.reason)

    hints = raw.hints
    title = hints.title or ""
    authors = hints.authors
    page_date: str | None = None
    site: str | None = None
    url = hints.url
    sections: tuple[str, ...] = ()
    page_language: str | None = None

    if raw.format == "html":
        if not _TAG.search(decoded[:20000]):
            return reject("not_html", "file has an HTML suffix but contains no markup")
        page = parse_html_page(
            decoded,
            url=hints.url,
            include_comments=settings.include_comments,
            fallback=settings.extraction_fallback,
            rescue_ratio=settings.extraction_rescue_ratio,
        )
        if page is None:
            return reject("no_main_text", "no article text found on the page (boilerplate only or broken HTML)")
        paragraphs = list(page.paragraphs)
        title = title or page.title
        authors = authors or page.authors
        page_date, site, sections = page.date, page.site, page.sections
        url = url or page.url
        page_language = page.language
    elif raw.format == "text":
        text_page = parse_text_page(decoded)
        paragraphs = list(text_page.paragraphs)
        title = title or text_page.title
        site, sections = text_page.site, text_page.sections
    else:  # jsonl record body
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", decoded.replace("\r\n", "\n")) if p.strip()]
        if len(paragraphs) == 1 and "\n" in paragraphs[0]:
            paragraphs = [p.strip() for p in paragraphs[0].split("\n") if p.strip()]

    title = _clean(title)
    paragraphs = [_clean(p) for p in paragraphs]
    paragraphs = [p for p in paragraphs if p]
    if paragraphs and title and _same_words(paragraphs[0], title):
        paragraphs = paragraphs[1:]
    text = "\n\n".join(paragraphs)
    # cookie notices, subscription boxes and the like do not count towards the minimum
    substance = sum(len(p) for p in drop_furniture(paragraphs))
    if substance < settings.min_text_chars:
        if raw.format == "html":
            return reject(
                "no_main_text",
                f"only {substance} characters of main text on the page (boilerplate only, or broken HTML); "
                f"the minimum is {settings.min_text_chars}",
            )
        return reject(
            "too_short", f"text is {substance} characters, under the {settings.min_text_chars}-character minimum"
        )

    published, published_from = None, None
    for candidate, origin in (
        (normalise_date(hints.published), "hint"),
        (normalise_date(page_date), "metadata"),
        (date_in_url(url), "url"),
        (date_in_text(text), "text"),
        (normalise_date(hints.captured), "captured"),  # an archive's capture time, when the page gives none
    ):
        if candidate:
            published, published_from = candidate, origin
            break

    source = hints.source or site or _site_from_url(url)
    language = hints.language or detect_language(text[:LANGUAGE_SAMPLE_CHARS]) or page_language
    byline = read_byline((_clean(a) for a in authors), text, source)
    return Article(
        id=article_id(source, url, title, text),
        location=raw.location,
        format=raw.format,
        title=title,
        text=text,
        source=_clean(source) if source else None,
        url=url,
        authors=byline.authors,
        published=published,
        published_from=published_from,
        language=language,
        sections=sections,
        raw_hash=raw.raw_hash,
        credited=byline.credited,
    )
