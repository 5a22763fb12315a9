"""Bylines: author names split and cleaned, wire agencies credited apart, the outlet kept out.

A byline such as `By Jane Roe, Staff Writer | Reuters` gives the authors ("Jane Roe",) and the
credited agencies ("Reuters",). Parts are split on `;`, `|`, `/`, `,`, `&` and the word "and"
in the languages news is most written in; the prefix "By" (von, par, por, di …), roles and titles
(Staff Writer, Korrespondent, rédacteur …), places introduced by "in" (`in Baghdad`), dates,
times, e-mail addresses, links and handles are dropped; a part naming a wire agency (the table
`agencies.AGENCIES`) is credited, not an author. Datelines (`BAGHDAD (Reuters) -`) and closing credits
(`— AP`, `(AFP/dpa)`) credit agencies too.

`page_byline` chooses a page's byline from its sources in a fixed order: the persons among the
JSON-LD article's authors, the byline trafilatura read from the metadata, the JSON-LD
organisations, then the byline shown on the page; the first that names anyone but the outlet wins.
The publisher is kept out: company names (`… GmbH`, `… Inc.`) always, the outlet's own name beside
other names; a byline naming only the outlet (`BBC News`) is its desk's, and stays. `read_byline`
gives an article's authors and `credited` from those names, the text's dateline and its source.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from trafilatura.utils import load_html

from newsgraph.extract.agencies import agency_name
from newsgraph.extract.agencies import name_key as _key
from newsgraph.extract.jsonld import block_authors, jsonld_authors
from newsgraph.extract.shown import shown_author

# Words that introduce a byline, in the languages news is most written in.
_BY_WORDS = (
    "by",
    "written by",
    "reporting by",
    "words by",
    "text by",
    "story by",
    "von",
    "text von",
    "par",
    "por",
    "door",
    "av",
    "af",
    "autor",
    "autorin",
    "author",
    "authors",
    "text",
    "texto",
    "testo",
    "redacción",
    "tekst",
)
# Role and title nouns, and the words that qualify them: a part made of these (and small words) is
# a role, not a name; a name followed or preceded by a role (`Jane Roe Staff Writer`) loses it.
_ROLE_NOUNS = frozenset(
    """
    writer writers reporter reporters correspondent correspondents editor editors columnist columnists
    journalist journalists producer producers analyst photographer photographers contributor
    contributors author authors intern staff newsroom desk bureau agencies wires agenturen
    red agences agencias agenzie
    redakteur redakteurin redakteure redaktion korrespondent korrespondentin autor autorin reporterin
    ressortleiter ressortleiterin chefredakteur chefredakteurin mitarbeiter mitarbeiterin volontär
    volontärin journalistin rédacteur rédactrice rédaction journaliste envoyé envoyée correspondante
    redactor redactora redacción periodista corresponsal enviado enviada redattore redattrice
    giornalista inviato inviata corrispondente redacteur verslaggever reportere redaktør redaktor
    medarbetare skribent reporterka redaktorka dziennikarz dziennikarka korespondent muhabir
    기자 特派員 記者 编辑 记者
    """.split()
)
_ROLE_QUALIFIERS = frozenset(
    """
    senior chief deputy associate assistant managing executive contributing political business
    sports sport science health foreign national international local city news team digital online
    special freelance guest head economics economy affairs technology tech culture arts opinion
    video photo photos multimedia editorial leitender leitende stellvertretender stellvertretende
    freier freie spécial spéciale especial
    """.split()
)
_ROLE_WORDS = _ROLE_NOUNS | _ROLE_QUALIFIERS
_COMPANY_SUFFIXES = frozenset(
    "inc ltd llc gmbh ag plc corp corporation kg s.a s.p.a spa pty oy bv nv s.l sas sarl k.k".split()
)
_SMALL_WORDS = frozenset("of for the and at in de der die das du la le el il des del della und et y e".split())
_SEPARATORS = re.compile(
    r"\s*(?:[;|/•·]|,?\s*&\s|,?\s(?:and|und|et|y|e|og|och|en|ve|és|i|oraz|и|та|і)\s|,)\s*",
    re.I,
)
_BY = re.compile(
    r"^\s*(?:(?i:" + "|".join(re.escape(w) for w in sorted(_BY_WORDS, key=len, reverse=True)) + r")|di|da)\s*[:\s]\s*"
)  # Italian `di`, `da` only in lower case: `Di Marco` is a surname
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.I)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_MONTHS = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?|"
    r"(?:januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|"
    r"août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
    r"septiembre|octubre|noviembre|diciembre)"
)
_DATES = (
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"),
    re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"),
    re.compile(r"\b(?:" + _MONTHS + r")\s+\d{1,2}(?:st|nd|rd|th)?,?(?:\s+\d{4})?", re.I),
    re.compile(r"\b\d{1,2}\.?\s+(?:" + _MONTHS + r")(?:\s+\d{4})?", re.I),
    re.compile(
        r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|uhr|h)?(?:\s*(?:UTC|GMT|CES?T|E[SD]T|P[SD]T|BST|IST|JST|KST|ET|PT)\b)?",
        re.I,
    ),
    re.compile(
        r"\b(?:updated|published|posted|last updated|aktualisiert|veröffentlicht|publié|mis à jour|"
        r"actualizado|publicado|aggiornato|pubblicato|stand)\b:?",
        re.I,
    ),
    re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b,?", re.I),
)
_PLACE = re.compile(r"\s+(?:in|aus|à|en|em|från|fra|w)\s+(\w.*)$")
_INITIALS = re.compile(r"\s*\((?:[a-zäöü]{2,5}|[A-Z]{2,4})\.?\)\s*$")  # an editor's short sign: `(obe)`
_BY_INSIDE = re.compile(r"\s(?:By|Von|Par|Por)\s+(?=\w)")  # `Capital Von Jane Roe`: a section, then the byline
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Byline:
    """A byline read: the people (or desks) who wrote it, and the agencies it credits."""

    authors: tuple[str, ...] = ()
    credited: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Authors, then agencies: everyone the byline credits."""
        return self.authors + tuple(c for c in self.credited if c not in self.authors)


def _strip_noise(text: str) -> str:
    text = html_lib.unescape(text)
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    for pattern in (_EMAIL, _LINK, _HANDLE, *_DATES):
        text = pattern.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def _word(word: str) -> str:
    return word.casefold().strip(".:")


def _is_role(words: list[str]) -> bool:
    meaningful = [_word(w) for w in words if _word(w) not in _SMALL_WORDS]
    return any(w in _ROLE_NOUNS for w in meaningful) and all(w in _ROLE_WORDS for w in meaningful)


def _without_role(part: str) -> str:
    """`Jane Roe Staff Writer` → `Jane Roe`; `Senior Correspondent Jane Roe` → `Jane Roe`.

    A role is taken off only when it is a title (it holds a role noun) and leaves a name of two words
    or more with no role word in it: `Tom Head` and `Example Times staff reporter` stay whole."""
    words = part.split()
    roles = [_word(w) in _ROLE_WORDS for w in words]
    end = len(words)
    while end and roles[end - 1]:
        end -= 1
    start = 0
    while start < end and roles[start]:
        start += 1
    rest = words[start:end]
    titled = any(_word(w) in _ROLE_NOUNS for w in words[:start] + words[end:])
    if titled and len(rest) >= 2 and not any(roles[start:end]):
        return " ".join(rest)
    return part


def _without_place(part: str) -> str:
    """`Jane Roe in Baghdad` → `Jane Roe`, `Associated Press in Valencia` → `Associated Press`."""
    match = _PLACE.search(part)
    if match and match.group(1)[0].isupper() and match.start() > 0:
        return part[: match.start()]
    return part


def _credit_line(part: str) -> str | None:
    """The agency of a credit line that opens in lower case: `with AFP`, `mit Material von dpa`, `avec AFP`."""
    words = part.split()
    if not words or not words[0].islower():
        return None
    for start in range(1, min(len(words), 5)):
        agency = agency_name(" ".join(words[start:]))
        if agency:
            return agency
    return None


def _looks_like_name(part: str) -> bool:
    words = part.split()
    if not words or len(words) > 6 or len(part) > 60 or any(w.isdigit() for w in words):
        return False
    return any(ch.isalpha() for ch in part)


def _parts(value: str) -> Iterator[str]:
    text = _BY.sub("", _strip_noise(value))
    for piece in _SEPARATORS.split(text):
        inside = list(_BY_INSIDE.finditer(piece))
        piece = piece[inside[-1].end() :] if inside else piece
        piece = _BY.sub("", _INITIALS.sub("", piece.strip()).strip(" ,.:-–—()[]\"'"))
        if piece:
            yield piece


def parse_byline(value: str | None) -> Byline:
    """Authors and credited agencies in one byline string."""
    if not value:
        return Byline()
    authors: list[str] = []
    credited: list[str] = []
    seen: set[str] = set()
    for piece in _parts(value):
        agency = agency_name(piece)
        if agency is None:
            piece = _without_place(piece)
            agency = agency_name(piece) or _credit_line(piece)
        if agency is not None:
            if agency not in credited:
                credited.append(agency)
            continue
        if _is_role(piece.split()):
            continue
        name = _without_role(piece).strip(" ,.:-–—")
        if not _looks_like_name(name) or _key(name) in seen:
            continue
        seen.add(_key(name))
        authors.append(name)
    return Byline(tuple(authors), tuple(credited))


def split_authors(value: str | None) -> tuple[str, ...]:
    """The names a byline credits, people first, then agencies (`By Ana Ruiz and AP` → ("Ana Ruiz", "AP"))."""
    return parse_byline(value).names


# ---- datelines and closing credits --------------------------------------------------------------

_DATELINE = re.compile(r"^[^\n()]{0,80}?\(([^()\n]{2,60})\)\s*[-–—:.]")
_DATELINE_DASH = re.compile(r"^[A-ZÀ-Þ][A-ZÀ-Þ .,'’-]{1,40}\s*[-–—]\s*([A-Za-z][\w .-]{1,30}?)\s*[-–—:]")
_CLOSING = re.compile(r"(?:^|[\s.])(?:[-–—]\s*|\()([\w/ ,.-]{2,60}?)\)?\.?\s*$")


def _agencies_in(group: str) -> list[str]:
    """Agencies in a credit such as `Reuters`, `AFP/dpa`, `dpa, AFP` or `ssi/dpa` (initials are ignored)."""
    found: list[str] = []
    for token in re.split(r"\s*(?:[/,;&]|\s(?:and|und|et|y)\s)\s*", group.strip()):
        if not token:
            continue
        agency = agency_name(token)
        if agency:
            if agency not in found:
                found.append(agency)
        elif not re.fullmatch(r"[a-zäöü]{2,4}", token):  # an editor's initials beside the agency
            return []
    return found


def credited_in_text(text: str) -> tuple[str, ...]:
    """Agencies credited by the text's dateline (`BAGHDAD (Reuters) -`) or closing credit (`— AP`, `(dpa)`)."""
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    if not paragraphs:
        return ()
    found: list[str] = []
    first = paragraphs[0][:160]
    for pattern in (_DATELINE, _DATELINE_DASH):
        match = pattern.match(first)
        if match:
            found += _agencies_in(match.group(1))
    last = paragraphs[-1]
    match = _CLOSING.search(last[-70:]) if len(paragraphs) > 1 or len(last) < 70 else None
    if match:
        found += _agencies_in(match.group(1))
    return tuple(dict.fromkeys(found))


# ---- a page's byline -----------------------------------------------------------------------------


def _names_outlet(name: str, outlets: Iterable[str]) -> bool:
    """Whether `name` is the outlet's: its name or host, a desk of it (`MDR THÜRINGEN` at `MDR`), or
    an account named after it with an initial (`Example N` at Example News)."""
    words = name.split()
    if len(words) >= 2 and len(words[-1].strip(".")) == 1 and _names_outlet(" ".join(words[:-1]), outlets):
        return True
    key = _key(name.removeprefix("www."))
    first = _key(words[0]) if words else ""
    if len(key) < 2:
        return False
    for outlet in outlets:
        other = _key(outlet)
        if len(other) < 2:
            continue
        if key == other or first == other or (len(other) >= 4 and other in key) or (len(key) >= 5 and key in other):
            return True
    return False


def _abbreviated_by(name: str, outlets: Iterable[str]) -> bool:
    """Whether the outlet's name is the initials of `name` (`Deutsche Welle` at dw.com): more likely
    the outlet spelled out than a person, so a source naming only it does not settle the byline."""
    words = [w for w in re.split(r"[\s\-]+", name) if w]
    if len(words) < 2:
        return False
    initials = "".join(w[0] for w in words).casefold()
    return any(_key(outlet) == initials for outlet in outlets)


def _is_company(name: str) -> bool:
    """A publishing company (`Example Media GmbH`, `Example Inc.`): the publisher, not an author."""
    words = name.replace(",", " ").split()
    return len(words) >= 2 and words[-1].casefold().strip(".") in _COMPANY_SUFFIXES


def _outlets(site: str | None, host: str | None) -> list[str]:
    """The outlet's names: its site name, and its host with and without the domain ending (a site
    name that is a host counts as one)."""
    outlets = [site] if site else []
    for name in (host, site if site and "." in site and " " not in site else None):
        if name:
            bare = name.removeprefix("www.")
            outlets += [bare, bare.rsplit(".", 1)[0]]
    return list(dict.fromkeys(outlets))


def drop_outlet(byline: Byline, site: str | None, host: str | None = None) -> Byline:
    """The byline without its publisher: company names always; the outlet's own name, and an agency
    that is the outlet itself (`Reuters` at Reuters) beside authors, unless the outlet is all the
    byline names (a desk byline)."""
    outlets = _outlets(site, host)
    own = {agency_name(outlet) for outlet in outlets} - {None}
    authors = tuple(a for a in byline.authors if not _is_company(a))
    kept = tuple(a for a in authors if not _names_outlet(a, outlets))
    others = tuple(c for c in byline.credited if c not in own)
    if not kept and not others:  # the outlet is all the byline names: a desk byline, kept
        return Byline(authors, byline.credited)
    return Byline(kept, others if kept else byline.credited)


def _merge(bylines: Iterable[Byline]) -> Byline:
    authors: dict[str, str] = {}
    credited: list[str] = []
    for byline in bylines:
        for name in byline.authors:
            authors.setdefault(_key(name), name)
        credited += [c for c in byline.credited if c not in credited]
    return Byline(tuple(authors.values()), tuple(credited))


SOURCE_ORDER = ("people", "found", "organisations", "visible")


def visible_byline(shown: str | None) -> Byline:
    """The byline shown on the page (`shown`, found where trafilatura's author XPaths look: `.byline`,
    `rel=author` …), when it opens with a by-word (`By Jane Roe`, `von Jane Roe`); a bare name
    there is too often a menu label."""
    if not shown or not _BY.match(_strip_noise(shown)):
        return Byline()
    return parse_byline(shown)


def _shown_on(html: str) -> str | None:
    tree = load_html(html)
    return shown_author(tree) if tree is not None else None


# Lower-case words inside a person's name: `Chus del Pino`, `Ludwig van Beethoven`, `Ali bin Hassan`.
_NAME_PARTICLES = frozenset(
    "al bin ben ibn bint da das de del della der di do dos du el la le ter van von y zu".split()
)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’.\-]*")
# Words of the bold kickers and labels a body can open with (`BREAKING NEWS`, `Live Updates`): not names.
_KICKER_WORDS = frozenset(
    "aktuell analyse analysis breaking comment editorial eilmeldung exclusive exklusiv gallery interview "
    "kommentar latest live meinung news nachrichten opinion photos read related update updates video watch".split()
)
SIGNED_MAX_CHARS = 80
# The labels of a page's author field (`<strong>Author:</strong> Jane Roe`), in the languages news is most
# written in; compared case-folded, without a closing colon.
AUTHOR_LABELS = frozenset(
    (
        "author",
        "authors",
        "autor",
        "autorin",
        "autoren",
        "autorin/autor",
        "autor/autorin",
        "autor/-in",
        "auteur",
        "auteurs",
        "autrice",
        "autore",
        "autori",
        "autora",
        "autores",
        "forfatter",
        "författare",
        "kirjoittaja",
        "yazar",
        "written by",
    )
)


def names_only(text: str) -> bool:
    """Whether `text` is only people's names, as a signed paragraph or an author field gives them
    (`Jane Roe`, `Jane Roe/John Doe`, `MARIA DA SILVA`): each part two to four words that each open
    with a capital (name particles aside), with no digits or sentence punctuation."""
    if len(text) > SIGNED_MAX_CHARS:
        return False
    parts = [part for part in _SEPARATORS.split(text) if part.strip()]
    if not parts:
        return False
    for part in parts:
        words = part.split()
        if not 2 <= len(words) <= 4:
            return False
        for word in words:
            if word in _NAME_PARTICLES:
                continue
            if not _NAME_WORD.fullmatch(word) or not word[0].isupper() or word.casefold() in _KICKER_WORDS:
                return False
    return True


def page_byline(
    html: str,
    found: str | None,
    site: str | None = None,
    host: str | None = None,
    order: Sequence[str] = SOURCE_ORDER,
    shown: Callable[[], str | None] | None = None,
    printed: Sequence[str] = (),
    ld: Sequence[Any] | None = None,
) -> Byline:
    """A page's byline, from the first of its sources in `order` that names anyone but the outlet:
    `people`, the persons among the JSON-LD article's authors; `found`, the byline trafilatura read
    from the page's metadata; `organisations`, the JSON-LD authors that are organisations;
    `visible`, the byline shown on the page (`visible_byline` of what `shown` reads, by default
    `shown.shown_author` on the page parsed again). A source naming only the outlet, a company, or
    a name whose initials are the outlet's (`Deutsche Welle` at dw.com) does not settle it. The
    publisher is dropped (`drop_outlet`); when every source names only the outlet, the first that
    names it is kept (`BBC News`: a desk byline), unless the page prints its authors' names where
    no by-word marks them (`printed`: a paragraph signing the text, an `Author:` field; see
    `html.printed_bylines`); the first of those that gives only names is read then. Agencies that
    any of the JSON-LD or trafilatura's byline credits are kept. `ld` gives the page's JSON-LD
    blocks already parsed (`jsonld.ld_blocks`); by default they are read from `html`."""
    ld_names = block_authors(ld) if ld is not None else jsonld_authors(html[:2_000_000])
    readers: dict[str, Callable[[], Byline]] = {
        "people": lambda: _merge(parse_byline(name) for name, person in ld_names if person),
        "organisations": lambda: _merge(parse_byline(name) for name, person in ld_names if not person),
        "found": lambda: parse_byline(found),
        "visible": lambda: visible_byline(shown() if shown is not None else _shown_on(html)),
    }
    outlets = _outlets(site, host)
    read: list[Byline] = []
    chosen: Byline | None = None
    for name in order:
        candidate = readers[name]()
        read.append(candidate)
        if any(
            not _names_outlet(a, outlets) and not _is_company(a) and not _abbreviated_by(a, outlets)
            for a in candidate.authors
        ):
            chosen = candidate
            break
    if chosen is None:  # only the outlet, or no one: the names the page prints
        chosen = next((parse_byline(names) for names in printed if names_only(names)), None)
    if chosen is None:  # only the outlet, or no one: the first source that names the outlet
        chosen = next((b for b in read if drop_outlet(b, site, host).authors), Byline())
    done = set(order[: len(read)])
    read += [readers[name]() for name in ("people", "organisations", "found") if name not in done]
    credits = Byline((), tuple(dict.fromkeys(c for byline in read for c in byline.credited)))
    return drop_outlet(_merge([chosen, credits]), site, host)


def page_authors(
    html: str,
    found: str | None,
    site: str | None = None,
    host: str | None = None,
    shown: Callable[[], str | None] | None = None,
    printed: Sequence[str] = (),
    ld: Sequence[Any] | None = None,
) -> tuple[str, ...]:
    """The names a page's byline credits (see `page_byline`), people first, then agencies."""
    return page_byline(html, found, site, host, shown=shown, printed=printed, ld=ld).names


def read_byline(names: Iterable[str], text: str = "", source: str | None = None) -> Byline:
    """Authors and credited agencies of an article.

    One name is read as a whole byline (`By Jane Roe and AP`, as a feed or sidecar may give it);
    several are taken as already split, and only the agencies among them move to `credited`. The
    agencies the text's dateline or closing credit names are credited too, and the source's own
    name is dropped beside other authors."""
    given = [name for name in names if name.strip()]
    if len(given) == 1:
        byline = parse_byline(given[0])
    else:
        authors: dict[str, str] = {}
        credited: list[str] = []
        for name in given:
            agency = agency_name(name)
            if agency is None:
                authors.setdefault(_key(name) or name, name)
            elif agency not in credited:
                credited.append(agency)
        byline = Byline(tuple(authors.values()), tuple(credited))
    dateline = credited_in_text(text) if text else ()
    merged = Byline(byline.authors, tuple(dict.fromkeys((*byline.credited, *dateline))))
    if not source:
        return merged
    return drop_outlet(merged, source, source if "." in source and " " not in source else None)
