"""Fetching a feed URL only from public addresses (feeds/fetching.py): each hop's host resolved
and checked, redirects followed by hand, the address connected to checked again."""

from __future__ import annotations

import functools
import io
import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from adflux.errors import ValidationFailed
from adflux.feeds import fetching
from adflux.feeds.fetching import download, non_public_kind

PUBLIC = "93.184.216.34"


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # an IPv4-mapped IPv6 address is its IPv4 address
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud's metadata service
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "non-public"),  # shared address space (carrier-grade NAT)
        ("8.8.8.8", None),
        ("2001:4860:4860::8888", None),
    ],
)
def test_what_is_not_a_public_address(address, kind):
    assert non_public_kind(ipaddress.ip_address(address)) == kind


class _Feed(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = b"<source></source>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[tuple[int, list[str]]]:
    """A feed server on 127.0.0.1: (its port, the paths it was asked for)."""
    requests: list[str] = []
    handler = type("Handler", (_Feed,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], requests
    server.shutdown()
    server.server_close()


def fetch(url: str, *, allow: bool = False, transport: httpx.BaseTransport | None = None) -> bytes:
    out = io.BytesIO()
    download(url, out, max_bytes=10_000, allow_private_hosts=allow, transport=transport)
    return out.getvalue()


def test_a_loopback_url_is_refused_without_a_request(local_server):
    port, requests = local_server

    with pytest.raises(ValidationFailed) as refused:
        fetch(f"http://127.0.0.1:{port}/feed.xml")

    why = refused.value.fields["url"][0]
    assert why == (
        "127.0.0.1 is at 127.0.0.1, a loopback address: AdFlux fetches feeds only from public"
        " addresses (ADFLUX_FEED_ALLOW_PRIVATE_HOSTS=true allows others)"
    )
    assert refused.value.message == f"the feed at http://127.0.0.1:{port}/feed.xml {why}"
    assert requests == []


def test_a_private_host_is_fetched_when_allowed(local_server):
    port, requests = local_server

    assert fetch(f"http://127.0.0.1:{port}/feed.xml", allow=True) == b"<source></source>"
    assert requests == ["/feed.xml"]


def _resolving(monkeypatch, answers: dict[str, list[str]]) -> None:
    """Names resolve to the next address of their list (the last one for ever after)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        queue = answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_of_a_private_address_is_refused(monkeypatch):
    _resolving(monkeypatch, {"intranet.example.co": ["10.0.0.7"]})

    with pytest.raises(ValidationFailed, match=r"10\.0\.0\.7, a private address"):
        fetch("https://intranet.example.co/feed.xml")


def test_a_name_that_resolves_anew_to_loopback_is_refused_at_the_connection(
    monkeypatch, local_server
):
    # Public when checked, loopback when connected to (DNS rebinding): the address the request
    # went to is checked before a byte of the answer is read.
    port, _requests = local_server
    _resolving(monkeypatch, {"rebind.example.co": [PUBLIC, "127.0.0.1"]})

    with pytest.raises(ValidationFailed, match=r"127\.0\.0\.1, a loopback address"):
        fetch(f"http://rebind.example.co:{port}/feed.xml")


def _answers(routes: dict[str, httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: routes[str(request.url)])


def test_a_redirect_to_a_private_address_is_refused(monkeypatch):
    _resolving(monkeypatch, {"feeds.example.co": [PUBLIC]})
    metadata = "http://169.254.169.254/latest/meta-data/"
    transport = _answers(
        {"https://feeds.example.co/feed.xml": httpx.Response(302, headers={"Location": metadata})}
    )

    with pytest.raises(ValidationFailed) as refused:
        fetch("https://feeds.example.co/feed.xml", transport=transport)

    assert refused.value.fields["url"][0].startswith(
        f"redirected to {metadata}: 169.254.169.254 is at 169.254.169.254, a link-local address"
    )


def test_public_redirects_are_followed_up_to_a_bound(monkeypatch):
    _resolving(monkeypatch, {"feeds.example.co": [PUBLIC], "cdn.example.co": [PUBLIC]})
    moved = functools.partial(httpx.Response, 301)
    transport = _answers(
        {
            "https://feeds.example.co/old.xml": moved(headers={"Location": "/feed.xml"}),
            "https://feeds.example.co/feed.xml": moved(
                headers={"Location": "https://cdn.example.co/f.xml"}
            ),
            "https://cdn.example.co/f.xml": httpx.Response(200, content=b"<source/>"),
            "https://feeds.example.co/loop.xml": moved(headers={"Location": "/loop.xml"}),
        }
    )

    assert fetch("https://feeds.example.co/old.xml", transport=transport) == b"<source/>"
    with pytest.raises(ValidationFailed, match="redirected more than 5 times"):
        fetch("https://feeds.example.co/loop.xml", transport=transport)
    assert fetching.MAX_REDIRECTS == 5


def test_an_unknown_host_says_so(monkeypatch):
    def not_found(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", not_found)

    with pytest.raises(ValidationFailed) as refused:
        fetch("https://nowhere.example.co/feed.xml")

    assert refused.value.fields == {
        "url": ["cannot be fetched: the host nowhere.example.co was not found"]
    }
