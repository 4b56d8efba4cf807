"""The HTTP client of the AdFlux API used by every client command."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click
import httpx

from adflux.cli.local_config import ClientConfig, load_client_config


class ApiError(click.ClickException):
    """One readable line for any failure talking to the API; exits with status 1."""


class ApiClient:
    def __init__(self, config: ClientConfig | None = None, *, timeout: float = 30.0):
        self.config = config or load_client_config()
        headers = {"Accept": "application/json"}
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
        params: dict[str, str] | None = None,
        timeout: float | None = None,
        request_id: str | None = None,
    ) -> Any:
        """POST a body streamed from ``chunks`` (``length`` bytes in all, sent as Content-Length,
        not chunked); ``timeout`` None waits as long as the server works on it."""
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

    def get_bytes(self, path: str) -> bytes:
        """A non-JSON body (a CSV report, an image)."""
        return self._request(method="GET", path=path, raw=True)  # type: ignore[no-any-return]

    def _request(self, method: str, path: str, *, raw: bool = False, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.ConnectError:
            raise ApiError(
                f"cannot reach the AdFlux API at {self.config.api_url} "
                "(start it with 'make run' or 'adflux serve', or set ADFLUX_API_URL)"
            ) from None
        except httpx.TimeoutException:
            raise ApiError(
                f"the AdFlux API at {self.config.api_url} did not answer in time"
            ) from None
        if response.status_code >= 400:
            raise ApiError(_describe_error(response))
        if raw:
            return response.content
        if not response.content:
            return None
        return response.json()


def _describe_error(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"the API answered HTTP {response.status_code}"
    message = str(error.get("message", "error"))
    fields = error.get("fields") or {}
    if fields:
        details = "; ".join(f"{name}: {', '.join(map(str, msgs))}" for name, msgs in fields.items())
        message = f"{message} ({details})"
    if response.status_code == 401:
        message += " — set ADFLUX_API_TOKEN or run 'make run' to write a local token"
    return f"{message} [HTTP {response.status_code}]"
