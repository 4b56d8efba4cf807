"""Candidate import throughput: a 1,000,000-row CSV into PostgreSQL, against ``psql \\copy`` of the
same file in the same run.

1. writes a CSV of generated candidates (the seed's generator) shaped as Excel exports them on a
   Spanish Windows: a UTF-8 BOM, ';' between cells, CRLF line ends, decimal commas, 'sí'/'no';
2. ``psql \\copy`` of that file into a plain table (text columns, no index): what the server and
   the file alone cost; and into a table with the indexes of ``candidates`` (what the indexes an
   import must keep up add);
3. the import into a fresh, migrated AdFlux database, in a child process as the API server runs
   it (``candidates.imports.import_candidates``): the import's time and rows/s (the process's
   start-up, a few seconds, is printed apart) and the child's peak RSS; then ``psql \\copy`` of
   the rows it wrote into an empty table ``LIKE candidates INCLUDING ALL`` (typed columns, JSON,
   constraints, every index): the floor of any import into that table on this server;
4. the same file imported a second time (every row matched, none changed);
5. unless --skip-api, ``adflux import candidates FILE`` as a user runs it, streamed to a live
   ``adflux serve`` on a fresh PostgreSQL database (the command's wall time, the server worker's
   peak RSS);
6. unless --skip-sqlite, the same import into a fresh SQLite file.

    .venv/bin/python bench/candidate_import.py                # 1,000,000 rows
    .venv/bin/python bench/candidate_import.py --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from bench.seed_throughput import Measure, adflux, report, run_measured
from tests.e2e.campaigns.stack import PostgresDatabase
from tests.e2e.processes import clean_env

from adflux.datagen.generator import CANDIDATE_COLUMNS

TARGET_ROWS_PER_SECOND = 100_000
# The generator's columns but its hidden persona: what a candidate file from Magneto holds.
HEADER = tuple(name for name in CANDIDATE_COLUMNS if name != "persona")


def write_csv(path: Path, rows: int) -> None:
    """Generated candidates as an Excel 'CSV UTF-8' export with ';' (decimal commas, sí/no)."""
    from adflux.datagen import iter_candidate_chunks

    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        done = 0
        for chunk in iter_candidate_chunks(rows, seed=7, personas=6, chunk_size=100_000):
            count = len(chunk["email"])
            columns = []
            for name in HEADER:
                values = chunk[name]
                values = values.tolist() if hasattr(values, "tolist") else list(values)
                columns.append([_cell(name, v) for v in values])
            writer.writerows(zip(*columns, strict=True))
            done += count
    print(f"  {rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB")


def _cell(name: str, value: object) -> str:
    if value is None or value != value:  # None or NaN
        return ""
    if name == "marketing_consent":
        return "sí" if value else "no"
    if name in ("languages", "skills"):
        return "|".join(value)  # type: ignore[call-overload]
    if name == "years_experience":
        return f"{value:g}".replace(".", ",")
    if name == "desired_salary_cop":
        return str(int(value))  # type: ignore[call-overload]
    if name == "last_active_at":
        return f"{str(value)[:19]}+00:00"
    return str(value)


def psql_copy(db: PostgresDatabase, path: Path, rows: int) -> list[Measure]:
    """psql's \\copy of the file into a plain text table, and into one with the indexes that
    candidates has (a serial key, unique email and external_ref, city+area and area): what the
    file costs the server, and what the indexes every import must maintain add to it."""
    columns = ", ".join(f"{name} text" for name in HEADER)
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db.dsn]
    indexes = (
        "ALTER TABLE {t} ADD COLUMN id bigserial PRIMARY KEY;"
        " CREATE UNIQUE INDEX ON {t} (external_ref); CREATE UNIQUE INDEX ON {t} (email);"
        " CREATE INDEX ON {t} (city, area); CREATE INDEX ON {t} (area)"
    )
    measures = []
    for table, extra, label in (
        ("plain_candidates", "", "psql \\copy into a plain text table"),
        ("indexed_candidates", indexes, "psql \\copy, same indexes as candidates"),
    ):
        db.execute(f"CREATE TABLE {table} ({columns})")
        if extra:
            for statement in extra.format(t=table).split(";"):
                db.execute(statement)
        started = time.perf_counter()
        subprocess.run(
            [
                *psql,
                "-c",
                f"\\copy {table} ({', '.join(HEADER)}) FROM '{path}'"
                " WITH (FORMAT csv, HEADER true, DELIMITER ';')",
            ],
            check=True,
        )
        seconds = time.perf_counter() - started
        (count,) = db.rows(f"SELECT count(*) FROM {table}")[0]
        assert count == rows, count
        db.execute(f"DROP TABLE {table}")
        measures.append(Measure(label, rows, seconds, None))
    return measures


def copy_floor(db: PostgresDatabase, work: Path, rows: int) -> Measure:
    """``psql \\copy`` of the rows the import wrote (exported as CSV) into an empty table made
    ``LIKE candidates INCLUDING ALL``: the same types, indexes and constraints, no checking, no
    matching. What writing these rows costs this server at the least, whoever writes them."""
    columns = ", ".join(HEADER)
    columns += ", created_at, updated_at"
    exported = work / "imported.csv"
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db.dsn]
    subprocess.run(
        [
            *psql,
            "-c",
            f"\\copy (SELECT {columns} FROM candidates) TO '{exported}' WITH (FORMAT csv)",
        ],
        check=True,
    )
    db.execute("CREATE TABLE floor_candidates (LIKE candidates INCLUDING ALL)")
    try:
        started = time.perf_counter()
        subprocess.run(
            [
                *psql,
                "-c",
                f"\\copy floor_candidates ({columns}) FROM '{exported}' WITH (FORMAT csv)",
            ],
            check=True,
        )
        seconds = time.perf_counter() - started
    finally:
        db.execute("DROP TABLE floor_candidates")
        exported.unlink()
    return Measure("psql \\copy of the imported rows, LIKE candidates", rows, seconds, None)


def import_child(path: str) -> None:
    """Import the file with the service, as the API server does; prints the summary."""
    from adflux.app import create_app
    from adflux.candidates import imports
    from adflux.extensions import db

    app = create_app()
    with app.app_context(), open(path, "rb") as stream:
        started = time.perf_counter()
        record = imports.import_candidates(db_session=db.session, stream=stream, filename=path)
        seconds = time.perf_counter() - started
        print(imports.summary_of(record))
        print(seconds)


def import_measured(label: str, path: Path, rows: int, env: dict[str, str]) -> Measure:
    command = [sys.executable, __file__, "--import-child", str(path)]
    wall, peak, out = run_measured(command, env=env)
    summary, seconds = out.strip().splitlines()[-2:]
    # The import's own time; the process's also holds the interpreter and app start-up.
    print(f"  {summary}; {float(seconds):.1f} s importing, {wall:.1f} s for the whole process")
    return Measure(label, rows, float(seconds), peak)


def _peak_rss_mb(pid: int) -> float:
    """The highest resident size a live process reached (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def through_api(path: Path, rows: int, work: Path) -> Measure:
    """``adflux import candidates FILE`` to a live ``adflux serve`` on a fresh database: wall time
    of the command, peak RSS of the server's worker (the process that imports)."""
    from tests.e2e.processes import ADFLUX, ServerProcess, free_port

    db = PostgresDatabase(f"adflux_bench_import_api_{os.getpid()}").create()
    server = None
    try:
        server_env = clean_env(
            DATABASE_URL=db.url, ADFLUX_LOG_LEVEL="WARNING", ADFLUX_DATA_DIR=str(work / "api")
        )
        adflux("db", "upgrade", env=server_env)
        _s, _p, token = adflux(
            "token", "create", "--name", "bench", "--role", "operator", env=server_env
        )
        port = free_port()
        server = ServerProcess.start(
            [str(ADFLUX), "serve", "--port", str(port)],
            env=server_env,
            base_url=f"http://127.0.0.1:{port}",
            log_path=work / "server.log",
            cwd=work,
        )
        server.wait_ready(timeout=120)
        client_env = clean_env(
            ADFLUX_API_URL=server.base_url,
            ADFLUX_API_TOKEN=token.strip(),
            XDG_CONFIG_HOME=str(work / "xdg"),
        )
        seconds, _peak, out = adflux("import", "candidates", str(path), env=client_env)
        print(f"  adflux says: {out.strip().splitlines()[-1]}")
        workers = subprocess.run(
            ["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        peak = max((_peak_rss_mb(int(pid)) for pid in workers), default=float("nan"))
        return Measure("adflux import candidates -> adflux serve", rows, seconds, peak)
    finally:
        if server is not None:
            server.stop()
        db.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the CSV file")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-api", action="store_true", help="no CLI -> API run")
    parser.add_argument("--import-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_child:
        import_child(args.import_child)
        return

    print(f"CPUs: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="adflux-bench-import-"))
    path = work / "candidatos.csv"
    print(f"1. writing {path}")
    write_csv(path, args.rows)
    db = PostgresDatabase(f"adflux_bench_import_{os.getpid()}").create()
    measures = []
    try:
        print("2. psql \\copy of the file into a plain table, and into an indexed one")
        ceiling, indexed = psql_copy(db, path, args.rows)
        measures += [ceiling, indexed]
        env = clean_env(
            DATABASE_URL=db.url, ADFLUX_LOG_LEVEL="WARNING", ADFLUX_DATA_DIR=str(work / "pg")
        )
        adflux("db", "upgrade", env=env)
        print("3. the import into PostgreSQL")
        first = import_measured("import -> PostgreSQL (new rows)", path, args.rows, env)
        measures.append(first)
        print("3b. psql \\copy of the imported rows into an empty table like candidates")
        floor = copy_floor(db, work, args.rows)
        measures.append(floor)
        print("4. the same file again")
        measures.append(import_measured("import -> PostgreSQL (again)", path, args.rows, env))
    finally:
        db.drop()
    if not args.skip_api:
        print("5. adflux import candidates FILE through a live adflux serve (PostgreSQL)")
        measures.append(through_api(path, args.rows, work))
    if not args.skip_sqlite:
        print("6. the import into SQLite")
        env = clean_env(ADFLUX_DATA_DIR=str(work / "sqlite"), ADFLUX_LOG_LEVEL="WARNING")
        adflux("db", "upgrade", env=env)
        measures.append(import_measured("import -> SQLite (new rows)", path, args.rows, env))
    path.unlink()
    report(measures)
    print()
    ratio = first.rows_per_second / ceiling.rows_per_second
    print(f"import / psql \\copy into a plain table (same file, same run): {ratio:.2f}")
    ratio = first.rows_per_second / indexed.rows_per_second
    print(f"import / psql \\copy with the same indexes (same file, same run): {ratio:.2f}")
    ratio = first.rows_per_second / floor.rows_per_second
    print(f"import / psql \\copy of its own rows into a table like candidates: {ratio:.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    met = first.rows_per_second >= TARGET_ROWS_PER_SECOND
    print(f"target >= {TARGET_ROWS_PER_SECOND:,} rows/s: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
