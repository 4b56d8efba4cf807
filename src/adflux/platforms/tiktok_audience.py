"""TikTok custom audiences through the SDK's own `ApiClient.call_api`.

The PyPI wheel (1.0.1) has no audience upload/create methods, so these calls use the same
client, transport, headers and host redirect as the rest of the adapter (research/platforms.md
§1.4, §3.4): upload a file of hashes (one per line, typed by `calculate_type`), then create the
audience from it or append it to an existing one.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

AUDIENCE_PATH = "/open_api/v1.3/dmp/custom_audience"


def upload_file(
    client: Any,
    *,
    token: str,
    advertiser_id: str,
    calculate_type: str,
    hashes: list[str],
    options: dict[str, Any],
) -> str:
    """Upload one file of SHA-256 hex digests; TikTok's `file_path` for it."""
    content = ("\n".join(hashes) + "\n").encode()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{calculate_type.lower()}.txt"
        path.write_bytes(content)  # the SDK uploads from a path only
        answer = client.call_api(
            f"{AUDIENCE_PATH}/file/upload/",
            "POST",
            {},
            [],
            {
                "Access-Token": token,
                "Accept": "application/json",
                "Content-Type": "multipart/form-data",
            },
            post_params=[
                ("advertiser_id", advertiser_id),
                ("calculate_type", calculate_type),
                ("file_signature", hashlib.md5(content).hexdigest()),
            ],
            files={"file": str(path)},
            response_type="InlineResponse200",
            auth_settings=[],
            _return_http_data_only=True,
            **options,
        )
    return str(answer["data"]["file_path"])


def post_json(
    client: Any, action: str, body: dict[str, Any], *, token: str, options: dict[str, Any]
) -> dict[str, Any]:
    """POST `body` to `/dmp/custom_audience{action}`; the envelope's `data`."""
    answer = client.call_api(
        f"{AUDIENCE_PATH}{action}",
        "POST",
        {},
        [],
        {"Access-Token": token, "Accept": "application/json", "Content-Type": "application/json"},
        body=body,
        response_type="InlineResponse200",
        auth_settings=[],
        _return_http_data_only=True,
        **options,
    )
    return answer["data"]
