"""The HTTP client of the AdFlux API used by every client command."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click
import httpx

from adflux.cli.language import _, current
from adflux.cli.local_config import ClientConfig, load_client_config
from adflux.i18n.labels import field_label


class ApiError(click.ClickException):
    """One readable line for any failure talking to the API; exits with status 1."""


class ApiClient:
    def __init__(
        self, config: ClientConfig | None = None, *, timeout: float | httpx.Timeout = 30.0
    ):
        self.config = config or load_client_config()
        # The API writes its messages (errors, warnings) in the language the CLI speaks.
        headers = {"Accept": "application/json", "Accept-Language": current()}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        self._http = httpx.Client(base_url=self.config.api_url, headers=headers, timeout=timeout)
        context = click.get_current_context(silent=True)
        if context is not None:  # the connections close with the command, not with the process
            context.call_on_close(self._http.close)

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self._request("GET", path, params=clean)

    def post(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        return self._request("POST", path, json=body, headers=headers)

    def upload(
        self,
        path: str,
        chunks: Iterable[bytes],
        *,
        length: int,
        content_type: str,
        params: dict[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = httpx.USE_CLIENT_DEFAULT,  # type: ignore[assignment]
        request_id: str | None = None,
    ) -> Any:
        """POST a file's bytes streamed from ``chunks`` (``length`` in all, sent as
        Content-Length, not chunked); ``timeout`` None waits as long as the server works on it."""
        headers = {"Content-Type": content_type, "Content-Length": str(length)}
        if request_id is not None:
            headers["X-Request-Id"] = request_id
        return self._request(
            "POST", path, content=chunks, headers=headers, params=params, timeout=timeout
        )

    def patch(self, path: str, body: Any) -> Any:
        return self._request("PATCH", path, json=body)

    def delete(self, path: str) -> Any:
        return self._request("DELETE", path)

    def download(self, path: str, destination: Path, **params: Any) -> int:
        """Stream a GET's body into ``destination``; return its size in bytes.

        Written beside the destination and renamed into place at the end: an answer cut off
        half-way leaves no half-written file.
        """
        clean = {k: v for k, v in params.items() if v is not None}
        handle, partial = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
        try:
            with (
                os.fdopen(handle, "wb") as out,
                self._calling(),
                self._http.stream("GET", path, params=clean) as response,
            ):
                if response.status_code >= 400:
                    response.read()
                    raise ApiError(describe_error(response))
                for chunk in response.iter_bytes():
                    out.write(chunk)
            os.replace(partial, destination)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return destination.stat().st_size

    def get_bytes(self, path: str) -> bytes:
        """A non-JSON body (a CSV report, an image)."""
        return self._request("GET", path, raw=True)  # type: ignore[no-any-return]

    def _request(self, method: str, path: str, *, raw: bool = False, **kwargs: Any) -> Any:
        with self._calling():
            response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ApiError(describe_error(response))
        if raw:
            return response.content
        if not response.content:
            return None
        return response.json()

    @contextlib.contextmanager
    def _calling(self) -> Iterator[None]:
        """Connection failures and timeouts as one readable line."""
        try:
            yield
        except httpx.ConnectError:
            raise ApiError(
                _(
                    "cannot reach the AdFlux API at %(url)s (start it with 'make run' or "
                    "'adflux serve', or set ADFLUX_API_URL)",
                    url=self.config.api_url,
                )
            ) from None
        except httpx.TimeoutException:
            raise ApiError(
                _("the AdFlux API at %(url)s did not answer in time", url=self.config.api_url)
            ) from None


def describe_error(response: httpx.Response) -> str:
    """An API error as the one line the CLI prints."""
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return _("the API answered HTTP %(status)s", status=str(response.status_code))
    message = str(error.get("message") or _("error"))
    # Each field by its label, and only what the message does not say already (a file refused
    # for one reason carries that reason as both).
    details = [
        f"{field_label(name, current())}: {text}"
        for name, texts in (error.get("fields") or {}).items()
        for text in map(str, texts)
        if text not in message
    ]
    if details:
        message = f"{message} ({'; '.join(details)})"
    if response.status_code == 401:
        message += " — " + _("set ADFLUX_API_TOKEN or run 'make run' to write a local token")
    return f"{message} [HTTP {response.status_code}]"
