"""The one guarded HTTP client for every outbound request (harvesting, later link checks).

- Addresses are checked after DNS resolution, at connect time, for every connection
  (so every redirect hop too): private, loopback, link-local, shared, reserved and
  cloud-metadata addresses are refused unless the host or address is allow-listed
  (settings.harvest_allowed_hosts). The socket is opened to the address that was checked,
  so a second DNS answer cannot swap it (DNS rebinding).
- Timeouts per operation and for the whole response; the body is streamed and reading stops
  at the size cap (a 200 MB page is never held in memory).
- Redirects are followed by hand, at most `max_redirects`, and only within the host first
  asked for unless `cross_host_redirects` is set.
- A User-Agent naming the product, and at most `per_host` concurrent requests per host.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import httpcore
import httpx

from app.config import Settings

PRODUCT = "JapanOpenDataCatalogue/0.1"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(Exception):
    """A request that did not produce a usable response; the message is for operators."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.url = url


class AddressRefused(FetchError):
    """The host resolves to an address outbound requests may not reach."""


class RedirectRefused(FetchError):
    """A redirect to another host, to a non-HTTP URL, or too many redirects."""


class ResponseTooLarge(FetchError):
    """The body exceeded the size cap; reading stopped there."""


class FetchTimeout(FetchError):
    """Connect, read or whole-response deadline exceeded."""


class HttpStatusError(FetchError):
    def __init__(self, message: str, url: str, status: int) -> None:
        super().__init__(message, url)
        self.status = status


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    # Whole response (headers and body): a server dribbling bytes cannot hold a worker.
    total_timeout: float = 120.0
    max_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 5
    cross_host_redirects: bool = False
    per_host: int = 4
    retries: int = 1
    retry_backoff: float = 1.0

    def with_overrides(self, **values: Any) -> FetchLimits:
        known = {k: v for k, v in values.items() if k in self.__dataclass_fields__}
        return replace(self, **known)


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def media_type(self) -> str:
        value: str = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower()


NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries, which is where a packet to it ends up:
    IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, RFC 4291 §2.5.5.1), NAT64
    (64:ff9b::/96 RFC 6052, 64:ff9b:1::/48 RFC 8215), 6to4 (2002::/16, RFC 3056) and the
    Teredo client (2001::/32, RFC 4380)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in net for net in NAT64):
        return low32
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # :: and ::1 are themselves, not IPv4
        return low32
    return None


def is_public(ip: IPAddress) -> bool:
    """Globally routable unicast: excludes private, loopback, link-local (169.254.169.254
    metadata), shared (100.64/10, Alibaba metadata), reserved, multicast, unspecified, and
    IPv6 forms that embed such an IPv4 address (see `embedded_ipv4`)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None and not is_public(inner):
            return False
        if any(ip in net for net in NAT64[1:]):  # local-use NAT64 prefix: never global
            return False
        if inner is not None:
            return True
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class AddressPolicy:
    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, allowed: str | Iterable[str]) -> AddressPolicy:
        items = allowed.split(",") if isinstance(allowed, str) else list(allowed)
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in items:
            item = raw.strip().lower().strip("[]")
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def address_allowed(self, ip: IPAddress) -> bool:
        return is_public(ip) or any(ip in net for net in self.networks)

    def check(self, host: str, addresses: list[str]) -> None:
        if host.lower().rstrip(".").strip("[]") in self.hosts:
            return
        for text in addresses:
            ip = ipaddress.ip_address(text.split("%", 1)[0])
            if not self.address_allowed(ip):
                raise AddressRefused(
                    f"refused to connect to {host} ({ip}): private, loopback, link-local or "
                    "metadata address; allow-list it in CATALOG_HARVEST_ALLOWED_HOSTS if intended"
                )


class _GuardedBackend(httpcore.SyncBackend):
    """Resolve, check every address, then connect to a checked address (never re-resolve)."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve host {host}: {exc.strerror}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        self.policy.check(host, addresses)
        last: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    address, port, timeout, local_address, socket_options or []
                )
            except httpcore.ConnectError as exc:
                last = exc
        raise last or FetchError(f"cannot connect to {host}")


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, policy: AddressPolicy, limits: FetchLimits) -> None:
        super().__init__(trust_env=False)
        # httpx builds its httpcore pool without a network_backend argument; this is the one
        # place to put the address check under every connection it opens.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=max(limits.per_host * 4, 10),
            max_keepalive_connections=limits.per_host * 2,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(policy),
        )


_host_slots: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_host_slots_lock = threading.Lock()


@contextmanager
def _host_slot(host: str, size: int) -> Iterator[None]:
    """At most `size` concurrent requests per host across this process (all clients)."""
    with _host_slots_lock:
        slot = _host_slots.setdefault((host, size), threading.BoundedSemaphore(size))
    with slot:
        yield


class GuardedClient:
    def __init__(
        self,
        allowed_hosts: str | Iterable[str] = "",
        limits: FetchLimits | None = None,
        user_agent: str = PRODUCT,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.policy = AddressPolicy.parse(allowed_hosts)
        self._client = httpx.Client(
            transport=_GuardedTransport(self.policy, self.limits),
            timeout=httpx.Timeout(self.limits.read_timeout, connect=self.limits.connect_timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": user_agent},
        )

    @classmethod
    def from_settings(cls, settings: Settings, limits: FetchLimits | None = None) -> GuardedClient:
        agent = f"{PRODUCT} (+{settings.base_uri}; harvester)"
        return cls(settings.harvest_allowed_hosts, limits, agent)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GuardedClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        params: dict[str, str | int] | None = None,
        headers: dict[str, str] | None = None,
        ok: Iterable[int] = (200,),
    ) -> Fetched:
        """GET with retries on timeouts, connection errors and 429/5xx."""
        accepted = frozenset(ok)
        attempt = 0
        while True:
            try:
                return self._get_once(url, params, headers, accepted)
            except (FetchTimeout, HttpStatusError) as exc:
                retryable = not isinstance(exc, HttpStatusError) or exc.status in RETRY_STATUSES
                if not retryable or attempt >= self.limits.retries:
                    raise
            attempt += 1
            time.sleep(self.limits.retry_backoff * 2 ** (attempt - 1))

    def _get_once(
        self,
        url: str,
        params: dict[str, str | int] | None,
        headers: dict[str, str] | None,
        ok: frozenset[int],
    ) -> Fetched:
        try:
            current = httpx.URL(url)
            if params:
                # merged: URL(url, params=...) would drop a query the URL already has
                current = current.copy_merge_params(params)
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL {url!r}: {exc}", url) from exc
        _check_scheme(current, url)
        first_host = current.host
        deadline = time.monotonic() + self.limits.total_timeout
        for _hop in range(self.limits.max_redirects + 1):
            with _host_slot(current.host, self.limits.per_host):
                target = self._request(current, headers, ok, deadline)
            if isinstance(target, Fetched):
                return target
            if not self.limits.cross_host_redirects and target.host != first_host:
                raise RedirectRefused(
                    f"{current} redirects to another host ({target.host}); only redirects "
                    f"within {first_host} are followed",
                    str(current),
                )
            current = target
        raise RedirectRefused(f"more than {self.limits.max_redirects} redirects from {url}", url)

    def _request(
        self, url: httpx.URL, headers: dict[str, str] | None, ok: frozenset[int], deadline: float
    ) -> Fetched | httpx.URL:
        """The response, or the URL a redirect points to."""
        shown = str(url)
        try:
            with self._client.stream("GET", url, headers=headers) as resp:
                location = resp.headers.get("location")
                if resp.status_code in REDIRECTS and location:
                    target = url.join(location)
                    _check_scheme(target, shown)
                    return target
                if resp.status_code not in ok:
                    raise HttpStatusError(
                        f"HTTP {resp.status_code} {resp.reason_phrase} from {shown}",
                        shown,
                        resp.status_code,
                    )
                return Fetched(shown, resp.status_code, resp.headers, self._body(resp, deadline))
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"timed out fetching {shown} ({type(exc).__name__})", shown) from exc
        except httpx.TransportError as exc:
            raise FetchError(
                f"could not fetch {shown}: {exc or type(exc).__name__}", shown
            ) from exc

    def _body(self, resp: httpx.Response, deadline: float) -> bytes:
        cap = self.limits.max_bytes
        url = str(resp.url)
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(
                f"response from {url} is {int(declared):,} bytes, over the cap of {cap:,}", url
            )
        buffer = bytearray()
        for chunk in resp.iter_bytes():  # as they arrive, so the deadline is checked often
            buffer += chunk
            if len(buffer) > cap:
                raise ResponseTooLarge(
                    f"response from {url} exceeds the cap of {cap:,} bytes: stopped reading", url
                )
            if time.monotonic() > deadline:
                raise FetchTimeout(
                    f"response from {url} took longer than {self.limits.total_timeout:g} s", url
                )
        return bytes(buffer)


def _check_scheme(url: httpx.URL, shown: str) -> None:
    if url.scheme not in ("http", "https") or not url.host:
        raise RedirectRefused(f"not an http(s) URL: {url} (from {shown})", shown)
