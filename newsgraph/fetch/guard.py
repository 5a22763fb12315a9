"""The private-network guard: a fetched URL must not reach this machine or its networks.

A page, a feed or a redirect chooses the URLs we request, so without a guard anyone who can publish
a link could make us read a router's admin page, a cloud metadata service (169.254.169.254) or a
database on localhost. `check_url` refuses, before anything is sent, a scheme other than http(s)
and a host that is, or resolves to, a loopback, private, link-local, multicast, reserved,
unspecified or otherwise non-global address — IPv4 addresses embedded in IPv6 ones (mapped, 6to4,
NAT64) included. If any address a name resolves to is refused, the name is refused.

Hosts named in `allow_hosts` (`settings.allow_hosts`: lowercased, with or without a port) skip the
address checks: a test server on 127.0.0.1, an intranet feed. The transport checks the addresses
again when it connects (`newsgraph.fetch.transport`), so a name that resolves differently the
second time (DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from newsgraph.fetch.errors import BlockedURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
WEB_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def address_problem(ip: IPAddress) -> str | None:
    """Why an address may not be fetched from (e.g. "loopback"), or None when it is a global one."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        problem = address_problem(embedded)
        return f"{problem} (inside {ip})" if problem else None
    for problem, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not global", not ip.is_global),
    ):
        if flag:
            return problem
    return None


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_allowed_host(host: str, port: int | None, allow_hosts: frozenset[str]) -> bool:
    """Whether `host` (or `host:port`) is one the settings let through on any address."""
    if not allow_hosts:
        return False
    name = host.lower().rstrip(".").strip("[]")
    names = {name, f"[{name}]"} if ":" in name else {name}
    return any(n in allow_hosts or (port is not None and f"{n}:{port}" in allow_hosts) for n in names)


def resolve_addresses(host: str, port: int) -> list[IPAddress]:
    """Every address `host` stands for: itself when it is a literal, else what getaddrinfo says."""
    name = host.strip("[]")
    try:
        return [ipaddress.ip_address(name.rstrip("."))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []  # unresolvable: nothing to check; connecting will fail on its own
    found: list[IPAddress] = []
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]))
        except ValueError:
            continue
        if address not in found:
            found.append(address)
    return found


def check_addresses(host: str, port: int, url: str, allow_hosts: frozenset[str]) -> list[IPAddress]:
    """The addresses `host` resolves to, all of them allowed; raise `BlockedURL` otherwise.

    An allowed host gives [] (not checked, connect as usual).
    """
    if is_allowed_host(host, port, allow_hosts):
        return []
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):  # loopback by definition (RFC 6761)
        raise BlockedURL(f"{host} is a loopback name", url)
    addresses = resolve_addresses(host, port)
    for address in addresses:
        problem = address_problem(address)
        if problem:
            shown = host if host.strip("[]") == str(address) else f"{host} ({address})"
            raise BlockedURL(f"{shown} is a {problem} address", url)
    return addresses


def check_url(url: str, allow_hosts: frozenset[str]) -> None:
    """Raise `BlockedURL` unless `url` is http(s) and its host is allowed or public on every address."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise BlockedURL("not a valid URL", url) from None
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        raise BlockedURL(f"scheme {scheme or '(none)'!r} is not http or https", url)
    host = parts.hostname
    if not host:
        raise BlockedURL("the URL has no host", url)
    check_addresses(host, port if port is not None else DEFAULT_PORTS[scheme], url, allow_hosts)
