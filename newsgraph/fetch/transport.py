"""The httpx transport the fetcher uses: every connection it opens passes the private-network guard.

`check_url` looks at a URL before it is requested; this looks at the addresses at the moment of
connecting, and connects to exactly the address it checked. A name that answered with a public
address to the first lookup and a private one to the second (DNS rebinding) is refused here.
TLS still verifies the certificate against the host name (httpcore passes it as the SNI name).
"""

from __future__ import annotations

import typing

import httpcore
import httpx

from newsgraph.fetch.guard import check_addresses, is_allowed_host

SOCKET_OPTION = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)  # as httpcore types it


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, resolving and checking each host before it connects."""

    def __init__(self, allow_hosts: frozenset[str]) -> None:
        self.allow_hosts = allow_hosts
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        options = list(socket_options or ())
        if is_allowed_host(host, port, self.allow_hosts):
            return self._backend.connect_tcp(host, port, timeout, local_address, options)
        addresses = check_addresses(host, port, f"//{host}:{port}", self.allow_hosts)
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        error: Exception | None = None
        for address in addresses:
            try:
                return self._backend.connect_tcp(str(address), port, timeout, local_address, options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched from")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """`httpx.HTTPTransport` (HTTP/1.1, TLS verified, no proxies from the environment) on `GuardedBackend`."""

    def __init__(self, allow_hosts: frozenset[str], limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)
        ssl_context = httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        # The one private name used: httpx builds its pool without a way to pass a network backend.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_hosts),
        )
