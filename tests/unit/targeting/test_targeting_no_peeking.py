"""Aiming never reads protected attributes, the generator's planted labels or the market's truth."""

from __future__ import annotations

import ast
from pathlib import Path

import adflux.targeting

PACKAGE = Path(adflux.targeting.__file__).parent
# Attributes, names, keywords and string literals (a column named in text) that must not appear.
FORBIDDEN_NAMES = frozenset(
    {"age", "ages", "birth_date", "birthdate", "gender", "sex", "persona", "personas", "truth"}
)
# Modules that hold the market's hidden parameters or the generator's latent groups.
FORBIDDEN_MODULES = ("adflux.sandbox", "adflux.datagen")


def peeks(source: str) -> list[str]:
    """Every forbidden name or import in `source`, as "line: what"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, (ast.keyword, ast.arg)) and node.arg:
            names = [node.arg]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value.strip().lower()]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        for name in names:
            if name in FORBIDDEN_NAMES or name.startswith(FORBIDDEN_MODULES):
                found.append(f"{getattr(node, 'lineno', '?')}: {name}")
    return found


def test_the_targeting_package_reads_nothing_it_must_not():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert {p.name for p in sources} >= {"fit.py", "service.py"}
    problems = {p.name: peeks(p.read_text()) for p in sources}
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_scan_catches_each_way_of_peeking():
    assert peeks("x = Candidate.age") == ["1: age"]
    assert peeks("sa.select(Candidate.persona)") == ["1: persona"]
    assert peeks("row['gender']") == ["1: gender"]
    assert peeks("from adflux.sandbox.market import Market") != []
    assert peeks("import adflux.datagen.personas") != []
    assert peeks("from adflux.sandbox import state") != []
    assert peeks("f(age=3)") == ["1: age"]
    assert peeks("x = Candidate.area  # the age of the data") == []


# Every package that decides what is published, to whom, or where money goes. They may name ages
# (the employment rules check them: 18-65+, never narrowed), so only the planted labels and the
# market are forbidden there.
DECIDING_PACKAGES = ("targeting", "campaigns", "audiences", "results", "platforms", "optimisation")
PLANTED_OR_HIDDEN = frozenset({"persona", "personas", "truth"})


def test_no_package_that_decides_what_to_publish_reads_planted_labels_or_the_market():
    root = PACKAGE.parent
    scanned, problems = 0, {}
    for package in DECIDING_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            scanned += 1
            found = [
                item
                for item in peeks(path.read_text())
                if item.split(": ", 1)[1] in PLANTED_OR_HIDDEN
                or item.split(": ", 1)[1].startswith(FORBIDDEN_MODULES)
            ]
            if found:
                problems[str(path.relative_to(root))] = found
    assert scanned > 40  # the packages are where this test thinks they are
    assert problems == {}
