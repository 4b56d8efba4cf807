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
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Message

URL_TIMEOUT_S = 60.0
MAX_REDIRECTS = 5
SCHEMES = ("http", "https")

# Catalog msgids, filled where they are shown (adflux.i18n.messages).
NOT_HTTP = N_("only http and https URLs can be fetched (got %(scheme)s:)")
NOT_PUBLIC = N_(
    "%(host)s is at %(address)s, a %(kind)s address: AdFlux fetches feeds only from public "
    "addresses (ADFLUX_FEED_ALLOW_PRIVATE_HOSTS=true allows others)"
)
REDIRECTED_TO = N_("redirected to %(url)s: %(why)s")
TOO_MANY_REDIRECTS = N_("redirected more than %(count)s times")
NO_SUCH_HOST = N_("cannot be fetched: the host %(host)s was not found")
STATUS = N_("answered HTTP %(status)s")
TOO_LARGE = N_("is larger than %(max_bytes)s bytes")
TIMED_OUT = N_("did not answer within %(seconds)s s")
CANNOT_FETCH = N_("cannot be fetched (%(error)s)")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class _Refused(Exception):
    """A URL or an address the guard does not fetch; `why` is the reason."""

    def __init__(self, why: Message):
        super().__init__(str(why))
        self.why = why


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
        raise _invalid(url, exc.why) from None
    except httpx.TimeoutException:
        raise _invalid(url, Message(TIMED_OUT, seconds=round(URL_TIMEOUT_S))) from None
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # ValueError: an IDNA host
        raise _invalid(url, Message(CANNOT_FETCH, error=type(exc).__name__)) from None


def check_url(url: str, *, allow_private_hosts: bool) -> None:
    """ValidationFailed (field ``url``) unless ``url`` is http(s) at a host the guard would
    fetch from now (the fetch checks again: a name may resolve otherwise by then)."""
    try:
        _check_hop(httpx.URL(url), allow_private=allow_private_hosts)
    except _Refused as exc:
        raise _invalid(url, exc.why) from None
    except (httpx.InvalidURL, ValueError) as exc:
        raise _invalid(url, Message(CANNOT_FETCH, error=type(exc).__name__)) from None


def _invalid(url: str, why: Message) -> ValidationFailed:
    return ValidationFailed("the feed at %(url)s %(why)s", fields={"url": [why]}, url=url, why=why)


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
            raise _Refused(Message(REDIRECTED_TO, url=str(target), why=exc.why)) from None
        with client.stream("GET", target) as answer:
            if not allow_private:
                _check_peer(answer, target.host)
            if answer.next_request is not None:  # a redirect: its target is checked first
                target = answer.next_request.url
                continue
            if answer.status_code >= 400:
                raise _Refused(Message(STATUS, status=str(answer.status_code)))
            size = 0
            for chunk in answer.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise _Refused(Message(TOO_LARGE, max_bytes=max_bytes))
                out.write(chunk)
            return
    raise _Refused(Message(TOO_MANY_REDIRECTS, count=MAX_REDIRECTS))


def _check_hop(url: httpx.URL, *, allow_private: bool) -> None:
    if url.scheme not in SCHEMES:
        raise _Refused(Message(NOT_HTTP, scheme=url.scheme or "none"))
    if allow_private:
        return
    host = url.host
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _Refused(Message(NO_SUCH_HOST, host=host)) from None
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
        raise _Refused(Message(NOT_PUBLIC, host=host, address=address_text, kind=kind))


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
