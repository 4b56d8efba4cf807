"""The package graph stays acyclic: campaigns -> targeting -> (jobs, candidates, segmentation
models and its age-proxy verdict and check, platforms.base, geo), never back to campaigns or up
to an entry
layer."""

from __future__ import annotations

import ast
from pathlib import Path

import adflux.targeting

PACKAGE = Path(adflux.targeting.__file__).parent
ALLOWED = (
    "adflux.targeting",
    "adflux.jobs.models",
    # The trades' vocabulary: a reason names a job's area by its label in the reader's language.
    "adflux.jobs.areas",
    "adflux.candidates.models",
    "adflux.segmentation.models",
    # The segmentation's age-proxy verdict (pure): recommendations leave those segments out.
    "adflux.segmentation.age_proxy",
    # The segments' age-proxy measure, applied to a job's own audience (targeting.people): the
    # one module that reads ages, so that targeting never does. It imports no targeting.
    "adflux.segmentation.group_age",
    "adflux.platforms.base",
    "adflux.geo",
    "adflux.vocabulary",
    "adflux.db",
    "adflux.errors",
    "adflux.advisories",
    # Messages written once and rendered in the reader's language (a leaf: catalogs and labels).
    "adflux.i18n.messages",
)


def adflux_imports(source: str) -> list[str]:
    """Every adflux module `source` imports (absolute imports only: the package uses no others)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("adflux")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("adflux"):
            found.append(str(node.module))
    return found


def test_targeting_imports_only_what_it_sits_on():
    imports = {p.name: adflux_imports(p.read_text()) for p in sorted(PACKAGE.rglob("*.py"))}
    assert {"aim.py", "places.py"} <= set(imports)
    outside = {
        name: [m for m in modules if not m.startswith(ALLOWED)] for name, modules in imports.items()
    }
    assert {name: modules for name, modules in outside.items() if modules} == {}


def test_the_check_sees_an_import_of_campaigns():
    assert adflux_imports("from adflux.campaigns.geo import find_city") == ["adflux.campaigns.geo"]
    assert adflux_imports("import adflux.campaigns.compliance") == ["adflux.campaigns.compliance"]
    assert not "adflux.campaigns.compliance".startswith(ALLOWED)
