"""Transport failures: was the request possibly received? Decided by exception type."""

from __future__ import annotations

import requests
import urllib3.exceptions as u3

from adflux.platforms.base import OutcomeUnknown, TransientError
from adflux.platforms.transport import classify_network_error


def test_requests_timeouts():
    connect = classify_network_error("x", requests.exceptions.ConnectTimeout(), write=True)
    read = classify_network_error("x", requests.exceptions.ReadTimeout(), write=True)
    assert isinstance(connect, TransientError) and not isinstance(connect, OutcomeUnknown)
    assert isinstance(read, OutcomeUnknown)
    assert isinstance(
        classify_network_error("x", requests.exceptions.ReadTimeout(), write=False), TransientError
    )


def test_a_refused_connection_never_reached_the_platform():
    refused = u3.NewConnectionError(None, "refused")
    wrapped = requests.exceptions.ConnectionError(u3.MaxRetryError(None, "/", refused))
    assert type(classify_network_error("meta", wrapped, write=True)) is TransientError
    dropped = requests.exceptions.ConnectionError(u3.ProtocolError("reset"))
    assert isinstance(classify_network_error("meta", dropped, write=True), OutcomeUnknown)


def test_urllib3_errors():
    read = u3.ReadTimeoutError(None, "/", "read timed out")
    assert isinstance(classify_network_error("tiktok", read, write=True), OutcomeUnknown)
    retried = u3.MaxRetryError(None, "/", u3.NewConnectionError(None, "refused"))
    assert type(classify_network_error("tiktok", retried, write=True)) is TransientError
    assert classify_network_error("tiktok", ValueError("not network"), write=True) is None
