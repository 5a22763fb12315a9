"""URLs: one canonical form per page, so the same article found through a feed, a share link or its
AMP copy is recognised as one, and `is_fetchable` for what the fetcher may be asked for.

`canonical_url` lowercases the scheme and host (punycode shown as Unicode, as courlan does), drops
default ports, fragments, empty query pairs and tracking parameters, removes `.`/`..` segments,
normalises percent-escapes (RFC 3986 §6.2.2) and maps AMP variants to the page they copy. It keeps
everything else as given: the order of query parameters, blank values (`?print`), `+`, `;`, `@`
and other reserved characters, trailing slashes, repeated slashes — because changing any of those
can change what a server answers.

courlan's own `clean_url`/`normalize_url` are not used whole: their tracker pattern drops real
parameters (`gallery`, `game`, `cid`, `source`, `global` …), they regroup and sort parameters,
drop blank ones, percent-encode `+ ; @ ( )` in paths, keep fragments, and `scrub_url` replaces a
share link (`…/share?url=https://other/`) by the link it carries.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, quote, unquote_plus, urlsplit, urlunsplit

from courlan.clean import decode_punycode

WEB_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

# Exact parameter names (lowercased) that only say where a click came from.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ysclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "epik", "rdt_cid", "srsltid",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp",
        "hsctatracking", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_conv", "vero_id",
        "rb_clickid", "s_cid", "s_kwcid", "wt.mc_id", "wt.mc_ev", "wt.tsrc", "ncid", "ocid",
        "cmpid", "cmp", "intcmp", "icid", "xtor", "smid", "smtyp", "emc", "ref_src", "ref_url",
        "__twitter_impression", "sr_share", "soc_src", "soc_trk", "guccounter", "guce_referrer",
        "guce_referrer_sig", "fb_action_ids", "fb_action_types", "fb_ref", "fb_source",
        "action_object_map", "action_type_map", "action_ref_map", "spm", "trk", "trkcampaign",
    }
)  # fmt: skip
# Name prefixes of analytics namespaces (UTM, Piwik/Matomo, AT Internet, HubSpot ads, internal).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "piwik_", "matomo_", "at_", "hsa_", "itm_")
# Parameters that only ask for the AMP rendering (`?amp`, `?amp=1`, `?outputType=amp`) or that
# AMP caches and viewers add.
AMP_PARAMS = frozenset({"amp_js_v", "amp_gsa", "amp_tf", "ampshare", "usqp"})
AMP_CACHE_SUFFIX = ".cdn.ampproject.org"
AMP_VIEWER_HOSTS = frozenset({"www.google.com", "google.com"})

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_PATH_SAFE = "/:@!$&'()*+,;=%~"
_QUERY_SAFE = "/?:@!$&'()*+,;=%~"


def is_fetchable(url: str) -> bool:
    """An http or https URL with a host (and a valid port, if one is given)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except (ValueError, AttributeError):
        return False
    host = parts.hostname or ""
    return parts.scheme.lower() in WEB_SCHEMES and bool(host) and not any(c.isspace() or c < " " for c in host)


def canonical_url(url: str) -> str:
    """The canonical form of a web URL. Anything that is not an http(s) URL comes back stripped."""
    text = url.strip()
    if not is_fetchable(text):
        return text
    parts = urlsplit(text)
    inner = _amp_cache_target(parts)
    if inner is not None and is_fetchable(inner):
        return canonical_url(inner)
    scheme = parts.scheme.lower()
    return urlunsplit((scheme, _netloc(parts, scheme), _path(parts.path), _query(parts.query), ""))


def _amp_cache_target(parts: SplitResult) -> str | None:
    """The publisher's URL inside a Google AMP cache or viewer URL, or None."""
    host = (parts.hostname or "").lower()
    path = parts.path
    if host.endswith(AMP_CACHE_SUFFIX) and path[:3] in ("/c/", "/v/"):
        rest = path[3:]
    elif host in AMP_VIEWER_HOSTS and path.startswith("/amp/"):
        rest = path[5:]
    else:
        return None
    scheme = "http"
    if rest.startswith("s/"):
        scheme, rest = "https", rest[2:]
    if not rest or rest.startswith("/"):
        return None
    return f"{scheme}://{rest}" + (f"?{parts.query}" if parts.query else "")


def _netloc(parts: SplitResult, scheme: str) -> str:
    host = decode_punycode((parts.hostname or "").lower().rstrip("."))
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    return f"{userinfo}@{host}" if userinfo else host


def _path(path: str) -> str:
    path = _remove_dot_segments(_escapes(quote(path, safe=_PATH_SAFE)) or "/")
    segments = [segment for segment in path.split("/") if segment != "amp"]
    last = segments[-1]
    for suffix in (".amp.html", ".amp.htm"):
        if last.lower().endswith(suffix):
            segments[-1] = last[: -len(suffix)] + suffix[4:]
    return "/".join(segments) or "/"


def _query(query: str) -> str:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        name = unquote_plus(key).strip().lower()
        if _is_tracking(name) or _is_amp_param(name, unquote_plus(value).strip().lower()):
            continue
        kept.append(_escapes(quote(pair, safe=_QUERY_SAFE)))
    return "&".join(kept)


def _is_tracking(name: str) -> bool:
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _is_amp_param(name: str, value: str) -> bool:
    if name == "amp":
        return value in ("", "1", "true")
    if name == "outputtype":
        return value == "amp"
    return name in AMP_PARAMS


def _escapes(text: str) -> str:
    """Uppercase percent-escapes and decode those of unreserved characters (`%7e` → `~`)."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match[1], 16))
        return char if char in _UNRESERVED else f"%{match[1].upper()}"

    return _ESCAPE.sub(fix, text)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, on an absolute path."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments[1:], start=1):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if out:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)
