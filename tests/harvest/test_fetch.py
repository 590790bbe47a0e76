"""The guarded HTTP client, against a real server on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import threading

import pytest

from app.harvest.fetch import (
    AddressRefused,
    FetchLimits,
    FetchTimeout,
    GuardedClient,
    HttpStatusError,
    RedirectRefused,
    ResponseTooLarge,
    is_public,
)
from tests.harvest.servers import FixtureServer, Reply, endless

FAST = FetchLimits(retries=0, read_timeout=2, connect_timeout=2)


def test_loopback_is_refused_before_any_connection(http_server: FixtureServer) -> None:
    http_server.route("/", Reply(body=b"secret"))
    with GuardedClient("", FAST) as client, pytest.raises(AddressRefused) as err:
        client.get(http_server.url("/"))
    assert "127.0.0.1" in err.value.message and "CATALOG_HARVEST_ALLOWED_HOSTS" in err.value.message
    assert http_server.connections == 0 and http_server.requests == []
    # A name that resolves to loopback is refused the same way.
    with GuardedClient("example.org", FAST) as client, pytest.raises(AddressRefused):
        client.get(http_server.url("/", host="localhost"))
    assert http_server.connections == 0


def test_allow_listed_address_is_fetched_with_product_user_agent(
    http_server: FixtureServer,
) -> None:
    http_server.route(
        "/data.json",
        Reply(body=b'{"ok": true}', headers={"Content-Type": "application/json; charset=utf-8"}),
    )
    with GuardedClient("127.0.0.1", FAST) as client:
        got = client.get(http_server.url("/data.json"))
        # "localhost" resolves to an allow-listed address, so it passes too.
        client.get(http_server.url("/data.json", host="localhost"))
    assert got.status == 200 and got.content == b'{"ok": true}'
    assert got.media_type == "application/json"
    assert "JapanOpenDataCatalogue" in http_server.requests[0].headers["user-agent"]


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "100.100.100.200",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_private_loopback_link_local_and_metadata_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


def test_public_addresses_are_public() -> None:
    assert is_public(ipaddress.ip_address("8.8.8.8"))
    assert is_public(ipaddress.ip_address("2001:4860:4860::8888"))


def test_redirects_within_the_host_are_followed(http_server: FixtureServer) -> None:
    http_server.route("/old", Reply(301, headers={"Location": "/new"}))
    http_server.route("/new", Reply(body=b"moved"))
    with GuardedClient("127.0.0.1", FAST) as client:
        assert client.get(http_server.url("/old")).content == b"moved"


def test_redirect_to_another_host_is_refused(http_server: FixtureServer) -> None:
    http_server.route(
        "/", Reply(302, headers={"Location": http_server.url("/x", host="localhost")})
    )
    with GuardedClient("127.0.0.1", FAST) as client, pytest.raises(RedirectRefused) as err:
        client.get(http_server.url("/"))
    assert "another host (localhost)" in err.value.message
    assert http_server.paths() == ["/"]


def test_every_redirect_hop_is_rechecked(http_server: FixtureServer) -> None:
    # Only the name "localhost" is allow-listed; a hop to the bare loopback address is not.
    http_server.route("/", Reply(302, headers={"Location": http_server.url("/x")}))
    limits = FetchLimits(retries=0, cross_host_redirects=True)
    with GuardedClient("localhost", limits) as client, pytest.raises(AddressRefused):
        client.get(http_server.url("/", host="localhost"))
    assert http_server.paths() == ["/"]


def test_redirect_loop_stops(http_server: FixtureServer) -> None:
    http_server.route("/a", Reply(302, headers={"Location": "/b"}))
    http_server.route("/b", Reply(302, headers={"Location": "/a"}))
    with GuardedClient("127.0.0.1", FAST) as client, pytest.raises(RedirectRefused) as err:
        client.get(http_server.url("/a"))
    assert "more than 5 redirects" in err.value.message
    assert len(http_server.requests) == 6


def test_huge_streamed_body_stops_at_the_cap(http_server: FixtureServer) -> None:
    http_server.route("/huge", Reply(body=endless(b"x" * 65536, 200 * 1024 * 1024)))
    limits = FetchLimits(retries=0, max_bytes=2 * 1024 * 1024)
    with GuardedClient("127.0.0.1", limits) as client, pytest.raises(ResponseTooLarge) as err:
        client.get(http_server.url("/huge"))
    assert "stopped reading" in err.value.message
    assert http_server.bytes_sent < 20 * 1024 * 1024  # far from 200 MB: never read whole


def test_declared_huge_body_is_refused_without_reading(http_server: FixtureServer) -> None:
    http_server.route(
        "/big",
        Reply(
            body=endless(b"x" * 65536, 10 * 1024 * 1024),
            headers={"Content-Length": str(200 * 1024 * 1024)},
        ),
    )
    limits = FetchLimits(retries=0, max_bytes=1024 * 1024)
    with GuardedClient("127.0.0.1", limits) as client, pytest.raises(ResponseTooLarge) as err:
        client.get(http_server.url("/big"))
    assert "209,715,200 bytes" in err.value.message


def test_timeouts(http_server: FixtureServer) -> None:
    http_server.route("/slow", Reply(body=b"late", delay=1.5))
    http_server.route("/drip", Reply(body=endless(b"x", 100, pause=0.1)))
    short_read = FetchLimits(retries=0, read_timeout=0.5)
    with GuardedClient("127.0.0.1", short_read) as client, pytest.raises(FetchTimeout):
        client.get(http_server.url("/slow"))
    # Each byte comes within the read timeout, but the whole response is too slow.
    short_total = FetchLimits(retries=0, total_timeout=0.5)
    with GuardedClient("127.0.0.1", short_total) as client, pytest.raises(FetchTimeout) as err:
        client.get(http_server.url("/drip"))
    assert "longer than 0.5 s" in err.value.message


def test_server_errors_are_retried_then_reported(http_server: FixtureServer) -> None:
    http_server.route("/err", Reply(500, b"boom"))
    http_server.route("/missing", Reply(404, b"no"))
    limits = FetchLimits(retries=1, retry_backoff=0.01)
    with GuardedClient("127.0.0.1", limits) as client:
        with pytest.raises(HttpStatusError) as err:
            client.get(http_server.url("/err"))
        assert err.value.status == 500 and "HTTP 500" in err.value.message
        assert http_server.paths() == ["/err", "/err"]
        with pytest.raises(HttpStatusError):
            client.get(http_server.url("/missing"))  # not retried
        assert client.get(http_server.url("/missing"), ok=(200, 404)).status == 404
    assert http_server.paths().count("/missing") == 2


def test_per_host_concurrency_limit(http_server: FixtureServer) -> None:
    http_server.route("/wait", Reply(body=b"ok", delay=0.2))
    limits = FetchLimits(retries=0, per_host=2)
    with GuardedClient("127.0.0.1", limits) as client:
        threads = [
            threading.Thread(target=client.get, args=(http_server.url("/wait"),)) for _ in range(6)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(http_server.requests) == 6
    assert http_server.max_in_flight <= 2


def test_params_are_merged_with_the_query_of_the_url(http_server: FixtureServer) -> None:
    http_server.route("/q", Reply(body=b"ok"))
    with GuardedClient("127.0.0.1", FAST) as client:
        client.get(http_server.url("/q?page=2"))
        client.get(http_server.url("/q?page=3"), params={"rows": 10})
    assert [r.query for r in http_server.requests] == [{"page": "2"}, {"page": "3", "rows": "10"}]
