"""Where the CLI finds the API: environment first, then the file the run command writes."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_API_URL = "http://127.0.0.1:8000"


def credentials_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "adflux" / "credentials.json"


@dataclass(frozen=True)
class ClientConfig:
    api_url: str
    token: str | None


def load_client_config() -> ClientConfig:
    stored: dict[str, str] = {}
    path = credentials_path()
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            stored = {}
    return ClientConfig(
        api_url=(
            os.environ.get("ADFLUX_API_URL") or stored.get("api_url") or DEFAULT_API_URL
        ).rstrip("/"),
        token=os.environ.get("ADFLUX_API_TOKEN") or stored.get("token"),
    )


def save_client_config(*, api_url: str, token: str) -> Path:
    """Write the local API address and token, readable by this user only."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"api_url": api_url, "token": token}, handle)
    return path
