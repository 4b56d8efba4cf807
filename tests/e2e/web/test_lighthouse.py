"""Lighthouse 12 scores every dashboard page 100 for accessibility and for best practices.

Lighthouse runs through its Node API (lighthouse_pages.mjs) on one Debian Chromium for every
page, signed in with the session cookie a real sign-in gave.
Performance is not audited here: Lighthouse simulates a slow phone from what it measures, so its
score follows whatever else the machine is doing (97 on one page of an idle run, 83 with two
test processes beside it), and its trace triples each audit's time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from tests.e2e.web.conftest import CHROMIUM, Dashboard, sign_in
from tests.services import service_missing

pytestmark = pytest.mark.browser

LIGHTHOUSE = Path(__file__).parents[3] / "node_modules" / "lighthouse"
AUDIT_PAGES = Path(__file__).with_name("lighthouse_pages.mjs")
CATEGORIES = ("accessibility", "best-practices")
AUDIT_TIMEOUT_S = 240  # 8 pages, about 4 s each on a quiet machine


@pytest.fixture(scope="module")
def session_cookie(browser, dashboard: Dashboard) -> str:
    if not LIGHTHOUSE.exists():
        service_missing("Lighthouse", f"{LIGHTHOUSE} not found: run 'npm ci' (make test does)")
    context = browser.new_context(locale="es-CO", base_url=dashboard.url)
    sign_in(context.new_page(), dashboard, "operator")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    context.close()
    return cookie


def _audit(urls: list[str], cookie: str, output: Path) -> list[dict]:
    """Lighthouse's report of each of ``urls``, all audited in one Chromium."""
    audit = subprocess.run(
        ["node", str(AUDIT_PAGES), str(output), *urls],
        timeout=AUDIT_TIMEOUT_S,
        env={
            **os.environ,
            "CHROME_PATH": CHROMIUM,
            "LIGHTHOUSE_CATEGORIES": ",".join(CATEGORIES),
            "LIGHTHOUSE_HEADERS": json.dumps(
                {"Cookie": cookie, "Accept-Language": "es-CO,es;q=0.9"}
            ),
        },
        capture_output=True,
        text=True,
    )
    if audit.returncode != 0:
        pytest.fail(f"Lighthouse failed ({audit.returncode}): {audit.stderr.strip()[-2000:]}")
    return [json.loads((output / f"{index}.json").read_text()) for index in range(len(urls))]


def _what_failed(audit: dict) -> str:
    """An audit's title and the first things it names: elements, console messages."""
    items = (audit.get("details") or {}).get("items") or []
    named = [
        (item.get("node") or {}).get("snippet") or item.get("description") or str(item)[:120]
        for item in items[:3]
    ]
    return f"{audit['id']}: {audit.get('title')} {named}"


def test_every_page_scores_100_for_accessibility_and_best_practices(
    dashboard: Dashboard, campaign_with_results: int, session_cookie: str, tmp_path: Path
):
    pages = [
        "/",
        "/jobs",
        f"/jobs/{dashboard.job_ids[0]}",
        "/segments",
        "/campaigns",
        f"/campaigns/{campaign_with_results}",
        "/candidates",
        "/feeds",
    ]
    reports = _audit([dashboard.url + path for path in pages], session_cookie, tmp_path)
    below: dict[str, list[str]] = {}
    for path, report in zip(pages, reports, strict=True):
        # Signed in: a redirect to the sign-in page would audit the wrong page.
        assert re.sub(r"[?#].*", "", report["finalDisplayedUrl"]).endswith(path.rstrip("/") or "/")
        scores = {name: report["categories"][name]["score"] for name in CATEGORIES}
        print(f"lighthouse {path}: " + ", ".join(f"{k} {v * 100:.0f}" for k, v in scores.items()))
        for name in CATEGORIES:
            failing = [
                _what_failed(report["audits"][ref["id"]])
                for ref in report["categories"][name]["auditRefs"]
                if ref["weight"]
                and (report["audits"][ref["id"]].get("score") or 0) < 1
                and report["audits"][ref["id"]].get("scoreDisplayMode") == "binary"
            ]
            if scores[name] < 1:
                below.setdefault(path, []).append(f"{name} {scores[name] * 100:.0f}: {failing}")
    assert below == {}
