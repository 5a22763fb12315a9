"""Publication dates: normalise what pages give, and find dates in URLs and text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/_-](0?[1-9]|1[0-2])[/_-](0?[1-9]|[12]\d|3[01])(?:/|[_-]|$)")
_URL_COMPACT = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/")
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = (
    r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_TEXT_MDY = re.compile(_MONTH + r"\s+(\d{1,2}),?\s+((?:19|20)\d{2})\b", re.I)
_TEXT_DMY = re.compile(r"\b(\d{1,2})\s+" + _MONTH + r",?\s+((?:19|20)\d{2})\b", re.I)
_ISO_DATE = re.compile(r"\b((?:19|20)\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def normalise_date(value: str | None) -> str | None:
    """An ISO 8601 string for a date or timestamp in common forms; None if it is not one.

    A timestamp keeps the zone it was given in (`Z` becomes `+00:00`), so its day is the day the
    page gave; `utc_timestamp` gives the instant for ordering.
    """
    if not value:
        return None
    text = value.strip()
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        stamp = datetime.fromisoformat(candidate)
    except ValueError:
        stamp = None
    if stamp is not None:
        if stamp.time() == datetime.min.time() and len(text) <= 10:
            return stamp.date().isoformat()
        return stamp.isoformat(timespec="seconds")
    return date_in_text(text)


def utc_timestamp(value: str | None) -> str | None:
    """A normalised date or timestamp as naive UTC (`2026-03-04T06:15:00`), sortable as text.

    Dates and timestamps without a zone are taken as they stand.
    """
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp.isoformat(timespec="seconds")


def date_in_url(url: str | None) -> str | None:
    """A date written into a URL path (`/2026/03/04/`, `/2026-03-04-`, `/20260304/`)."""
    if not url:
        return None
    for pattern in (_URL_DATE, _URL_COMPACT):
        match = pattern.search(url)
        if match:
            found = _valid(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            if found:
                return found.isoformat()
    return None


def date_in_text(text: str, window: int = 600) -> str | None:
    """The first full date (`March 4, 2026`, `4 March 2026`, `2026-03-04`) near the start of a text."""
    head = text[:window]
    best: tuple[int, date] | None = None
    for match in _TEXT_MDY.finditer(head):
        found = _valid(int(match.group(3)), _month_key(match.group(1)), int(match.group(2)))
        if found and (best is None or match.start() < best[0]):
            best = (match.start(), found)
        break
    for match in _TEXT_DMY.finditer(head):
        found = _valid(int(match.group(3)), _month_key(match.group(2)), int(match.group(1)))
        if found and (best is None or match.start() < best[0]):
            best = (match.start(), found)
        break
    for match in _ISO_DATE.finditer(head):
        found = _valid(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if found and (best is None or match.start() < best[0]):
            best = (match.start(), found)
        break
    return best[1].isoformat() if best else None


def _month_key(name: str) -> int:
    key = name.lower().rstrip(".")
    return _MONTHS.get(key) or _MONTHS[key[:3]]
