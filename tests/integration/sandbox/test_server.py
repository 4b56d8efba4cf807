"""The sandbox process: start-up, admin endpoints, request log, fault injection, persistence."""

from __future__ import annotations

import ast
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.integration.sandbox.http_support import meta_auth

import adflux
from adflux.sandbox.app import PLATFORM_MODULES, load_platform_blueprints
from adflux.sandbox.server import start_in_thread


def test_starts_with_every_server():
    sandbox = start_in_thread(http_port=0, grpc_port=0)
    try:
        health = httpx.get(f"{sandbox.base_url}/_sandbox/health", timeout=5)
    finally:
        sandbox.stop()
    assert health.json()["status"] == "ok"
    assert sandbox.grpc_port and sandbox.ca_pem is not None and sandbox.ca_pem.is_file()


def test_every_platform_module_is_served():
    names = {bp.name for bp in load_platform_blueprints()}
    assert {"meta", "x_ads", "tiktok"} <= names
    assert len(PLATFORM_MODULES) >= 3


def test_the_sandbox_imports_nothing_else_from_adflux():
    # It stands in for the outside world: a fresh interpreter shows what it pulls in.
    code = (
        "import sys; import adflux.sandbox.server as s; s.start_in_thread(grpc_port=None).stop();"
        "print(sorted(m for m in sys.modules if m.startswith('adflux.')"
        " and not m.startswith('adflux.sandbox')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


MARKET_PREFIX = "adflux.sandbox.market"  # market.py and its market_*.py modules


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_nothing_outside_the_sandbox_imports_the_market():
    # The market's hidden rates must stay hidden from AdFlux: not even an import reaches them.
    package = Path(adflux.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "sandbox" not in path.relative_to(package).parts
        and any(name.startswith(MARKET_PREFIX) for name in _imported_modules(path))
    ]
    assert package.joinpath("sandbox", "market.py").is_file()
    assert offenders == []


def test_faults_endpoint_sets_reads_and_clears_plans(sb):
    base = f"{sb.base_url}/_sandbox/faults"
    answer = httpx.post(base, json={"platform": "meta", "rate_limit": 0.5, "latency_ms": 10})
    assert answer.status_code == 200
    assert httpx.get(base).json()["meta"]["rate_limit"] == 0.5

    bad = httpx.post(base, json={"platform": "meta", "rate_limit": 0.8, "server_error": 0.5})
    assert bad.status_code == 400 and "more than 1" in bad.json()["error"]
    unknown = httpx.post(base, json={"platform": "x", "explode": 1})
    assert unknown.status_code == 400

    assert httpx.delete(base).json() == {}


def test_injected_faults_follow_the_plan(sb):
    httpx.post(
        f"{sb.base_url}/_sandbox/faults",
        json={"platform": "meta", "server_error": 1.0, "times": 2, "latency_ms": 150},
    )
    url = f"{sb.base_url}/v26.0/act_1000000001"
    started = time.perf_counter()
    statuses = [httpx.get(url, params=meta_auth(sb)).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert time.perf_counter() - started >= 0.45  # the latency applies to every call


def test_revoking_and_restoring_a_credential(sb):
    url = f"{sb.base_url}/v26.0/act_1000000001"
    httpx.post(f"{sb.base_url}/_sandbox/credentials/revoke", json={"platform": "meta"})
    revoked = httpx.get(url, params=meta_auth(sb)).json()["error"]
    assert (revoked["code"], revoked["error_subcode"]) == (190, 460)

    httpx.post(f"{sb.base_url}/_sandbox/credentials/restore", json={"platform": "meta"})
    assert httpx.get(url, params=meta_auth(sb)).status_code == 200
    assert httpx.post(f"{sb.base_url}/_sandbox/credentials/revoke", json={}).status_code == 400


def test_objects_dump_and_reset(sb):
    form = {"name": "c", "objective": "OUTCOME_TRAFFIC", "special_ad_categories": '["NONE"]'}
    form["is_adset_budget_sharing_enabled"] = "false"
    created = httpx.post(
        f"{sb.base_url}/v26.0/act_1000000001/campaigns", params=meta_auth(sb), data=form
    )
    assert created.status_code == 200
    assert len(httpx.get(f"{sb.base_url}/_sandbox/objects").json()["meta"]) == 1

    httpx.post(f"{sb.base_url}/_sandbox/reset", json={})
    assert httpx.get(f"{sb.base_url}/_sandbox/objects").json() == {}


def test_objects_persist_across_restarts(tmp_path):
    first = start_in_thread(grpc_port=None, state_dir=tmp_path, persist=True)
    form = {"name": "kept", "objective": "OUTCOME_TRAFFIC", "special_ad_categories": '["NONE"]'}
    form["is_adset_budget_sharing_enabled"] = "false"
    try:
        made = httpx.post(
            f"{first.base_url}/v26.0/act_1000000001/campaigns", params=meta_auth(first), data=form
        ).json()
    finally:
        first.stop()

    second = start_in_thread(grpc_port=None, state_dir=tmp_path, persist=True)
    try:
        read = httpx.get(
            f"{second.base_url}/v26.0/{made['id']}", params={**meta_auth(second), "fields": "name"}
        )
    finally:
        second.stop()
    assert read.json() == {"name": "kept", "id": made["id"]}


def test_persist_needs_a_directory():
    with pytest.raises(ValueError, match="state_dir"):
        start_in_thread(grpc_port=None, persist=True)


def test_access_log_never_shows_query_strings(sb, caplog):
    caplog.set_level("DEBUG", logger="adflux.sandbox.server")
    httpx.get(f"{sb.base_url}/v26.0/act_1000000001", params=meta_auth(sb))
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "/v26.0/act_1000000001" in logged
    assert (
        "access_token" not in logged and sb.state.credentials["meta"]["access_token"] not in logged
    )


def test_the_request_log_lists_each_platform_call_without_secrets(sb):
    meta_token = sb.state.credentials["meta"]["access_token"]
    tiktok_token = sb.state.credentials["tiktok"]["access_token"]
    httpx.get(f"{sb.base_url}/v26.0/act_1000000001", params=meta_auth(sb))
    httpx.get(f"{sb.base_url}/v26.0/act_1000000001", params={"access_token": "forged"})
    httpx.get(
        f"{sb.base_url}/open_api/v1.3/campaign/get/",
        params={"advertiser_id": sb.state.credentials["tiktok"]["advertiser_id"]},
        headers={"Access-Token": tiktok_token},
    )
    httpx.get(f"{sb.base_url}/_sandbox/health")  # admin calls are not platform calls

    answer = httpx.get(f"{sb.base_url}/_sandbox/requests")

    assert answer.status_code == 200
    entries = answer.json()["requests"]
    assert [(e["platform"], e["method"], e["path"], e["status"]) for e in entries] == [
        ("meta", "GET", "/v26.0/act_1000000001", 200),
        ("meta", "GET", "/v26.0/act_1000000001", 400),
        ("tiktok", "GET", "/open_api/v1.3/campaign/get/", 200),
    ]
    assert all(e["protocol"] == "http" and e["time"].endswith("+00:00") for e in entries)
    assert [e["seq"] for e in entries] == sorted({e["seq"] for e in entries})
    assert meta_token not in answer.text and tiktok_token not in answer.text
    assert "forged" not in answer.text and "appsecret_proof" not in answer.text


def test_the_request_log_filters_by_platform_and_position_and_is_cleared(sb):
    httpx.get(f"{sb.base_url}/v26.0/act_1000000001", params=meta_auth(sb))
    (first,) = httpx.get(f"{sb.base_url}/_sandbox/requests").json()["requests"]
    httpx.get(f"{sb.base_url}/11/accounts/none")
    httpx.get(f"{sb.base_url}/nowhere")  # unrouted: still a call the sandbox received

    log = f"{sb.base_url}/_sandbox/requests"
    after = httpx.get(log, params={"after": first["seq"]}).json()["requests"]
    assert [(e["platform"], e["status"]) for e in after] == [("x", 401), ("unknown", 404)]
    only_x = httpx.get(log, params={"platform": "x"}).json()["requests"]
    assert [e["path"] for e in only_x] == ["/11/accounts/none"]
    assert httpx.get(log, params={"after": "soon"}).status_code == 400

    httpx.delete(log, params={"platform": "x"})
    assert {e["platform"] for e in httpx.get(log).json()["requests"]} == {"meta", "unknown"}
    httpx.post(f"{sb.base_url}/_sandbox/reset", json={})
    assert httpx.get(log).json()["requests"] == []


def test_the_client_environment_file_is_private_and_names_the_ca_certificate(tmp_path):
    sandbox = start_in_thread(http_port=0, grpc_port=0, state_dir=tmp_path / "state")
    try:
        written = sandbox.write_client_env(tmp_path / "conf" / "sandbox.env")
    finally:
        sandbox.stop()

    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    exported = dict(
        line.removeprefix("export ").split("=", 1) for line in written.read_text().splitlines()
    )
    assert exported["ADFLUX_META_GRAPH_URL"] == sandbox.base_url
    assert exported["ADFLUX_META_ACCESS_TOKEN"] == sandbox.state.credentials["meta"]["access_token"]
    assert exported["ADFLUX_GOOGLE_ADS_CA_FILE"] == str(sandbox.ca_pem)
    assert sandbox.ca_pem is not None and sandbox.ca_pem.parent == tmp_path / "state"
