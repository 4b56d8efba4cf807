"""Fetching a job feed from a URL, only from public addresses (no server-side request forgery).

A feed URL is typed by an operator or set in the environment, and the server fetches it: without
a guard it would fetch whatever the server itself can reach (its loopback, the cloud's metadata
service at 169.254.169.254, the private network) and report on it. Before each request the host
is resolved and every address it has must be public; redirects are followed by hand, up to
MAX_REDIRECTS, each hop checked the same way; and the address actually connected to is checked
again (a name that resolved to a public address for the check and a private one for the
connection is refused as well). ``ADFLUX_FEED_ALLOW_PRIVATE_HOSTS=true`` lifts the guard, for a
feed served inside the company's network (and for tests, on 127.0.0.1).

Feeds are fetched directly, not through HTTP(S)_PROXY: a proxy would hide the address the guard
must see.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import IO

import httpx

# Bound here, not looked up as httpx.Client at each fetch: the integration tests' in-process CLI
# replaces httpx.Client (for the CLI's own calls to the API) while the server fetches feeds.
from httpx import Client as HttpClient

from adflux.errors import ValidationFailed

URL_TIMEOUT_S = 60.0
MAX_REDIRECTS = 5
SCHEMES = ("http", "https")

# Messages as templates (str.format), so that they can be translated as a whole.
NOT_HTTP = "only http and https URLs can be fetched (got {scheme}:)"
NOT_PUBLIC = (
    "{host} is at {address}, a {kind} address: AdFlux fetches feeds only from public addresses"
    " (ADFLUX_FEED_ALLOW_PRIVATE_HOSTS=true allows others)"
)
REDIRECTED_TO = "redirected to {url}: {why}"
TOO_MANY_REDIRECTS = "redirected more than {count} times"
NO_SUCH_HOST = "cannot be fetched: the host {host} was not found"
STATUS = "answered HTTP {status}"
TOO_LARGE = "is larger than {max_bytes:,} bytes"
TIMED_OUT = "did not answer within {seconds:.0f} s"
CANNOT_FETCH = "cannot be fetched ({error})"
FEED_AT = "the feed at {url} {why}"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class _Refused(Exception):
    """A URL or an address the guard does not fetch; the message is the reason."""


def download(
    url: str,
    out: IO[bytes],
    *,
    max_bytes: int,
    allow_private_hosts: bool,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """Write the body at ``url`` to ``out``; ValidationFailed naming the field ``url`` when it
    cannot be fetched, answers an error, is too large or is not at a public address.
    (``transport``: tests answer with httpx.MockTransport.)"""

    client = HttpClient(
        transport=transport, timeout=URL_TIMEOUT_S, follow_redirects=False, trust_env=False
    )
    try:
        with client:
            _fetch(client, url, out, max_bytes=max_bytes, allow_private=allow_private_hosts)
    except _Refused as exc:
        raise _invalid(url, str(exc)) from None
    except httpx.TimeoutException:
        raise _invalid(url, TIMED_OUT.format(seconds=URL_TIMEOUT_S)) from None
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # ValueError: an IDNA host
        raise _invalid(url, CANNOT_FETCH.format(error=type(exc).__name__)) from None


def check_url(url: str, *, allow_private_hosts: bool) -> None:
    """ValidationFailed (field ``url``) unless ``url`` is http(s) at a host the guard would
    fetch from now (the fetch checks again: a name may resolve otherwise by then)."""
    try:
        _check_hop(httpx.URL(url), allow_private=allow_private_hosts)
    except _Refused as exc:
        raise _invalid(url, str(exc)) from None
    except (httpx.InvalidURL, ValueError) as exc:
        raise _invalid(url, CANNOT_FETCH.format(error=type(exc).__name__)) from None


def _invalid(url: str, why: str) -> ValidationFailed:
    return ValidationFailed(FEED_AT.format(url=url, why=why), fields={"url": [why]})


def _fetch(
    client: httpx.Client, url: str, out: IO[bytes], *, max_bytes: int, allow_private: bool
) -> None:
    target = httpx.URL(url)
    for hop in range(MAX_REDIRECTS + 1):
        try:
            _check_hop(target, allow_private=allow_private)
        except _Refused as exc:
            if hop == 0:
                raise
            raise _Refused(REDIRECTED_TO.format(url=target, why=exc)) from None
        with client.stream("GET", target) as answer:
            if not allow_private:
                _check_peer(answer, target.host)
            if answer.next_request is not None:  # a redirect: its target is checked first
                target = answer.next_request.url
                continue
            if answer.status_code >= 400:
                raise _Refused(STATUS.format(status=answer.status_code))
            size = 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise _Refused(TOO_LARGE.format(max_bytes=max_bytes))
                out.write(chunk)
            return
    raise _Refused(TOO_MANY_REDIRECTS.format(count=MAX_REDIRECTS))


def _check_hop(url: httpx.URL, *, allow_private: bool) -> None:
    if url.scheme not in SCHEMES:
        raise _Refused(NOT_HTTP.format(scheme=url.scheme or "none"))
    if allow_private:
        return
    host = url.host
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _Refused(NO_SUCH_HOST.format(host=host)) from None
    for _family, _type, _proto, _name, sockaddr in found:
        _refuse_unless_public(host, str(sockaddr[0]))


def _check_peer(answer: httpx.Response, host: str) -> None:
    """The address the request actually went to (a name may resolve anew between the check
    and the connection)."""
    stream = answer.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer:
        _refuse_unless_public(host, str(peer[0]))


def _refuse_unless_public(host: str, address_text: str) -> None:
    kind = non_public_kind(ipaddress.ip_address(address_text.split("%", 1)[0]))
    if kind is not None:
        raise _Refused(NOT_PUBLIC.format(host=host, address=address_text, kind=kind))


def non_public_kind(address: Address) -> str | None:
    """What makes an address not public ("loopback", "private", ...), or None if it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for kind, test in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if test:
            return kind
    if not address.is_global:  # shared (100.64.0.0/10), documentation, 6to4 relays, ...
        return "non-public"
    return None
