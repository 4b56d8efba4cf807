"""Client commands about segments: the seed's view-segments, and training, runs and the picture."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from adflux.cli.client import ApiClient, ApiError
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import cop, emit, print_json

POLL_S = 1.0


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _top(profile: dict[str, Any], key: str) -> str | None:
    entries = profile.get(key) or []
    if not entries:
        return None
    return f"{entries[0]['value']} {_share(entries[0].get('share'))}"


def _traits(profile: dict[str, Any]) -> str:
    """What a recruiter reads first: main area and city, age, experience, salary range."""
    salary = profile.get("desired_salary_cop") or {}
    age = (profile.get("age") or {}).get("median")
    years = (profile.get("years_experience") or {}).get("median")
    parts = [
        _top(profile, "top_areas"),
        _top(profile, "top_cities"),
        None if age is None else f"{age:.0f} años",
        None if years is None else f"{years:.1f} años de experiencia",
        f"{cop(salary.get('p25'))} – {cop(salary.get('p75'))}" if salary.get("p25") else None,
    ]
    return " · ".join(p for p in parts if p)


def _proxy(segment: dict[str, Any]) -> str:
    proxy = (segment.get("profile") or {}).get("age_proxy") or {}
    if not segment.get("age_proxy_warning"):
        return "-"
    labels = {"age": "edad", "years_experience": "experiencia"}
    return "⚠ " + ", ".join(labels.get(f, f) for f in proxy.get("fields") or ["edad"])


@click.command("view-segments")
@json_option
def view_segments(as_json: bool) -> None:
    """List the active segmentation's segments: size, share, key traits, age-proxy warning."""
    body = ApiClient().get("/api/v1/segments")
    if as_json:
        print_json(body)
        return
    run = body["run"]
    if run is None:
        click.echo("no segmentation is active yet; train one with: adflux segment train")
        return
    emit(
        body["items"],
        [
            ("ID", lambda s: s["id"]),
            ("Segmento", lambda s: s["name"]),
            ("Tamaño", lambda s: f"{s['size']:,}".replace(",", ".")),
            ("Participación", lambda s: _share(s.get("share"))),
            ("Rasgos clave", lambda s: _traits(s.get("profile") or {})),
            ("Consienten", lambda s: (s.get("profile") or {}).get("consenting")),
            ("Alerta de edad", _proxy),
        ],
        as_json=False,
        title=f"Segmentos · ejecución #{run['id']} · k={run['k']} · "
        f"{run['candidate_count']:,} candidatos".replace(",", "."),
    )


@click.group("segment")
def segment_group() -> None:
    """Train segmentations, list the runs and draw the active one."""


def _k_range(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, int]:
    low, sep, high = value.partition("-")
    try:
        if not sep:
            raise ValueError
        return int(low), int(high)
    except ValueError:
        raise click.BadParameter("use MIN-MAX, e.g. 2-10") from None


@segment_group.command("train")
@click.option("--k", type=int, help="A fixed number of segments (default: chosen automatically).")
@click.option(
    "--k-range",
    default="2-10",
    show_default=True,
    callback=_k_range,
    help="The numbers of segments to evaluate, MIN-MAX.",
)
@click.option("--wait", is_flag=True, help="Show progress until the training ends.")
@click.option(
    "--timeout", type=click.IntRange(1), default=1800, show_default=True, help="--wait limit (s)."
)
@json_option
def train(k: int | None, k_range: tuple[int, int], wait: bool, timeout: int, as_json: bool) -> None:
    """Train a new segmentation in the background; the active one stays until it succeeds."""
    client = ApiClient()
    run = client.post("/api/v1/segmentations", {"k": k, "k_min": k_range[0], "k_max": k_range[1]})
    if wait:
        run = _follow(client, run["id"], timeout=timeout, quiet=as_json)
    if as_json:
        print_json(run)
    elif not wait:
        click.echo(
            f"segmentation run {run['id']} queued; follow it with: adflux segment runs "
            f"(or train with --wait)"
        )
    else:
        click.echo(_summary(run))
    if wait and run["status"] != "succeeded":
        raise click.ClickException(f"segmentation run {run['id']} failed: {run.get('error')}")


def _follow(client: ApiClient, run_id: int, *, timeout: int, quiet: bool) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with Progress(
        TextColumn("[bold]#{task.fields[run]}[/] {task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=quiet,
    ) as bar:
        task = bar.add_task("queued", total=100, run=run_id)
        while True:
            run = client.get(f"/api/v1/segmentations/{run_id}")
            progress = run.get("progress") or {}
            bar.update(task, completed=progress.get("percent", 0), description=progress.get("step"))
            if not run["in_flight"]:
                return run
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"segmentation run {run_id} still {run['status']} after {timeout} s; "
                    "check later with: adflux segment runs"
                )
            time.sleep(POLL_S)


def _ari(run: dict[str, Any]) -> str:
    value = run.get("ari_vs_previous")
    return "-" if value is None else f"{value:.2f}"


def _summary(run: dict[str, Any]) -> str:
    count = f"{run['candidate_count']:,}".replace(",", ".")
    return (
        f"segmentation run {run['id']} {run['status']}: k={run['k']} over {count} candidates, "
        f"agreement with the previous run (ARI) {_ari(run)}; now active"
    )


@segment_group.command("runs")
@limit_option
@offset_option
@json_option
def runs(limit: int, offset: int, as_json: bool) -> None:
    """List segmentation runs, newest first, with their status and chosen k."""
    page = ApiClient().get("/api/v1/segmentations", limit=limit, offset=offset)

    def status(run: dict[str, Any]) -> str:
        if run["in_flight"]:
            progress = run.get("progress") or {}
            return f"{run['status']} {progress.get('percent', 0)}% {progress.get('step', '')}"
        return run["status"] + (" (activa)" if run["is_active"] else "")

    emit(
        page["items"],
        [
            ("ID", lambda r: r["id"]),
            ("Estado", status),
            ("k", lambda r: r["k"]),
            ("Rango k", lambda r: f"{r['k_min']}-{r['k_max']}"),
            ("Candidatos", lambda r: r["candidate_count"]),
            ("ARI vs anterior", _ari),
            ("Segundos", lambda r: (r.get("timings") or {}).get("total")),
            ("Creada", lambda r: r["created_at"][:19].replace("T", " ")),
            ("Error", lambda r: r.get("error")),
        ],
        as_json=as_json,
        title="Ejecuciones de segmentación",
        total=page["total"],
    )


@segment_group.command("plot")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=Path("segments.png"),
    show_default=True,
    help="Where to write the PNG.",
)
@click.option("--run-id", type=click.IntRange(1), help="A run other than the active one.")
def plot(output: Path, run_id: int | None) -> None:
    """Write the segments' 2-D picture (PCA scatter plot with segment names) as a PNG."""
    client = ApiClient()
    if run_id is None:
        active = client.get("/api/v1/segments")["run"]
        if active is None:
            raise click.ClickException(
                "no segmentation is active yet; train one with: adflux segment train"
            )
        run_id = active["id"]
    # The JSON call first: it reports a missing run or a bad token in the API's own words.
    client.get(f"/api/v1/segmentations/{run_id}/projection")
    try:
        output.write_bytes(_download(client, f"/api/v1/segmentations/{run_id}/projection.png"))
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"wrote {output} (segmentation run {run_id})")


def _download(client: ApiClient, path: str) -> bytes:
    """The one endpoint that answers an image: the JSON client reads no bytes."""
    config = client.config
    headers = {"Authorization": f"Bearer {config.token}"} if config.token else {}
    try:
        response = httpx.get(f"{config.api_url}{path}", headers=headers, timeout=60)
    except httpx.HTTPError as exc:
        raise ApiError(f"downloading the picture from {config.api_url} failed: {exc}") from None
    if response.status_code != 200 or response.headers.get("content-type") != "image/png":
        raise ApiError(f"the API answered HTTP {response.status_code} instead of a PNG")
    return response.content
