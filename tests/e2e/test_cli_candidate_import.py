"""`adflux import candidates FILE` as a user runs it: the installed command streaming a file
larger than any other request may be to a live `adflux serve` over real HTTP."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.e2e.conftest import LiveApi
from tests.e2e.processes import run_cli

HEADER = (
    "external_ref;full_name;email;age;city;department;education_level;area;remote_preference;"
    "marketing_consent\r\n"
)


def _write_file(path: Path, rows: int) -> None:
    lines = [
        f"E2E-{i};Persona {i};Persona.{i}@Correo.co;{20 + i % 40};Manizales;Caldas;tecnico;"
        f"Salud;presencial;{'sí' if i % 3 else 'no'}\r\n"
        for i in range(rows)
    ]
    lines[10] = lines[10].replace(";sí\r\n", ";tal vez\r\n").replace(";no\r\n", ";tal vez\r\n")
    path.write_bytes(("\ufeff" + HEADER + "".join(lines)).encode())


def test_a_large_file_is_streamed_imported_and_its_report_saved(live_api: LiveApi, tmp_path):
    path = tmp_path / "candidatos.csv"
    _write_file(path, 20_000)
    assert path.stat().st_size > 1_048_576  # over ADFLUX_MAX_BODY_BYTES: only imports may be
    env = live_api.client_env(live_api.admin_token, LANG="en_US.UTF-8")

    # --progress: the server's progress is polled even though stderr is not a terminal here.
    first = run_cli("import", "candidates", str(path), "--progress", env=env, timeout=300)
    again = run_cli("import", "candidates", str(path), env=env, timeout=300)

    assert first.returncode == 1, first.stderr  # one row refused
    assert "sending candidatos.csv" in first.stderr and "importing" in first.stderr
    assert "candidatos.csv: 19,999 added, 0 updated, 0 unchanged, 1 rows refused" in first.stdout
    report = tmp_path / "candidatos.errores.csv"
    with report.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line", "field", "reason"]
    assert len(rows) == 2
    assert rows[1][:2] == ["12", "Marketing consent"]  # the field by its label
    assert rows[1][2].startswith("'tal vez' is not a yes/no value")
    assert "0 added, 0 updated, 19,999 unchanged, 1 rows refused" in again.stdout
