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
from adflux.cli.language import _, current, label, moment, money, number, percent
from adflux.cli.options import json_option, limit_option, offset_option, wait_limit_option
from adflux.cli.output import Column, emit, print_json
from adflux.i18n.catalogs import N_

POLL_S = 1.0


def _share(value: float | None) -> str:
    return percent(value, decimals=0)


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
        None if age is None else _("%(age)s years old", age=round(age)),
        None if years is None else _("%(years)s years of experience", years=number(years)),
        f"{money(salary.get('p25'))} – {money(salary.get('p75'))}" if salary.get("p25") else None,
    ]
    return " · ".join(p for p in parts if p)


def _proxy(segment: dict[str, Any]) -> str:
    proxy = (segment.get("profile") or {}).get("age_proxy") or {}
    if not segment.get("age_proxy_warning"):
        return "—"
    names = {"age": _("age"), "years_experience": _("experience")}
    return "⚠ " + ", ".join(names.get(f, f) for f in proxy.get("fields") or ["age"])


NO_SEGMENTATION = N_("no segmentation is active yet; train one with: adflux segment train")


@click.command(
    "view-segments",
    help=N_("List the active segmentation's segments: size, share, key traits, age-proxy warning."),
)
@json_option
def view_segments(as_json: bool) -> None:
    body = ApiClient().get("/api/v1/segments")
    if as_json:
        print_json(body)
        return
    run = body["run"]
    if run is None:
        click.echo(_(NO_SEGMENTATION))
        return
    emit(
        body["items"],
        [
            Column(_("ID"), lambda s: s["id"]),
            Column(_("Segment"), lambda s: s["name"]),
            Column(_("Size"), lambda s: number(s["size"]), justify="right"),
            Column(_("Share"), lambda s: _share(s.get("share")), justify="right", drop=2),
            Column(_("Key traits"), lambda s: _traits(s.get("profile") or {}), drop=1),
            Column(
                _("Consenting"),
                lambda s: number((s.get("profile") or {}).get("consenting")),
                justify="right",
                drop=3,
            ),
            Column(_("Age warning"), _proxy),
        ],
        as_json=False,
        title=_(
            "Segments · run %(run)s · %(count)s candidates",
            run=str(run["id"]),
            count=run["candidate_count"],
        ),
        empty=_("The active segmentation has no segments."),
    )


@click.group("segment", help=N_("Train segmentations, list the runs and draw the active one."))
def segment_group() -> None:
    pass


def _k_range(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, int]:
    low, sep, high = value.partition("-")
    try:
        if not sep:
            raise ValueError
        return int(low), int(high)
    except ValueError:
        raise click.BadParameter(_("use MIN-MAX, e.g. 2-10")) from None


@segment_group.command(
    "train",
    help=N_("Train a new segmentation in the background; the active one stays until it succeeds."),
)
@click.option(
    "--k", type=int, help=N_("A fixed number of segments (default: chosen automatically).")
)
@click.option(
    "--k-range",
    default="2-10",
    show_default=True,
    callback=_k_range,
    help=N_("The numbers of segments to evaluate, MIN-MAX."),
)
@click.option("--wait", is_flag=True, help=N_("Show progress until the training ends."))
@wait_limit_option(1800)
@json_option
def train(k: int | None, k_range: tuple[int, int], wait: bool, timeout: int, as_json: bool) -> None:
    client = ApiClient()
    run = client.post("/api/v1/segmentations", {"k": k, "k_min": k_range[0], "k_max": k_range[1]})
    if wait:
        run = _follow(client, run["id"], timeout=timeout, quiet=as_json)
    if as_json:
        print_json(run)
    elif not wait:
        click.echo(
            _(
                "segmentation run %(run)s queued; follow it with: adflux segment runs "
                "(or train with --wait)",
                run=str(run["id"]),
            )
        )
    else:
        click.echo(_summary(run))
    if wait and run["status"] != "succeeded":
        raise click.ClickException(
            _(
                "segmentation run %(run)s failed: %(error)s",
                run=str(run["id"]),
                error=run.get("error") or "—",
            )
        )


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
        task = bar.add_task(label("run_status", "pending"), total=100, run=run_id)
        while True:
            run = client.get(f"/api/v1/segmentations/{run_id}")
            progress = run.get("progress") or {}
            bar.update(task, completed=progress.get("percent", 0), description=progress.get("step"))
            if not run["in_flight"]:
                return run
            if time.monotonic() > deadline:
                raise click.ClickException(
                    _(
                        "segmentation run %(run)s still %(status)s after %(seconds)s s; "
                        "check later with: adflux segment runs",
                        run=str(run_id),
                        status=label("run_status", run["status"]),
                        seconds=timeout,
                    )
                )
            time.sleep(POLL_S)


def _ari(run: dict[str, Any]) -> str:
    return number(run.get("ari_vs_previous"), decimals=2)


def _summary(run: dict[str, Any]) -> str:
    return _(
        "segmentation run %(run)s %(status)s: %(segments)s segments over %(count)s candidates, "
        "agreement with the previous run %(agreement)s; now active",
        run=str(run["id"]),
        status=label("run_status", run["status"]),
        segments=run["k"],
        count=run["candidate_count"],
        agreement=_ari(run),
    )


@segment_group.command(
    "runs", help=N_("List segmentation runs, newest first, with their status and chosen k.")
)
@limit_option
@offset_option
@json_option
def runs(limit: int, offset: int, as_json: bool) -> None:
    page = ApiClient().get("/api/v1/segmentations", limit=limit, offset=offset)

    def status(run: dict[str, Any]) -> str:
        if run["in_flight"]:
            progress = run.get("progress") or {}
            done = percent(progress.get("percent", 0) / 100, decimals=0)
            return f"{label('run_status', run['status'])} {done} {progress.get('step', '')}"
        shown = label("run_status", run["status"])
        return _("%(status)s (active)", status=shown) if run["is_active"] else shown

    emit(
        page["items"],
        [
            Column(_("ID"), lambda r: r["id"]),
            Column(_("Status"), status),
            Column(_("Segments"), lambda r: r["k"]),
            Column(_("Range tried"), lambda r: f"{r['k_min']}–{r['k_max']}", drop=4),
            Column(_("Candidates"), lambda r: number(r["candidate_count"]), drop=3),
            Column(_("Agreement with previous"), _ari, drop=5),
            Column(
                _("Seconds"),
                lambda r: number((r.get("timings") or {}).get("total"), decimals=0),
                drop=6,
            ),
            Column(_("Created"), lambda r: moment(r["created_at"]), drop=2),
            Column(_("Error"), lambda r: r.get("error"), drop=1),
        ],
        as_json=as_json,
        title=_("Segmentation runs"),
        empty=_("No segmentation run yet; train one with: adflux segment train"),
        page=page,
    )


@segment_group.command(
    "plot",
    help=N_("Write the segments' 2-D picture (scatter plot with segment names) as a PNG."),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=Path("segments.png"),
    show_default=True,
    help=N_("Where to write the PNG."),
)
@click.option("--run-id", type=click.IntRange(1), help=N_("A run other than the active one."))
def plot(output: Path, run_id: int | None) -> None:
    client = ApiClient()
    if run_id is None:
        active = client.get("/api/v1/segments")["run"]
        if active is None:
            raise click.ClickException(_(NO_SEGMENTATION))
        run_id = active["id"]
    # The JSON call first: it reports a missing run or a bad token in the API's own words.
    client.get(f"/api/v1/segmentations/{run_id}/projection")
    try:
        output.write_bytes(_download(client, f"/api/v1/segmentations/{run_id}/projection.png"))
    except OSError as exc:
        raise click.ClickException(
            _("cannot write %(file)s: %(error)s", file=str(output), error=str(exc.strerror))
        ) from None
    click.echo(_("wrote %(file)s (segmentation run %(run)s)", file=str(output), run=str(run_id)))


def _download(client: ApiClient, path: str) -> bytes:
    """The one endpoint that answers an image: the JSON client reads no bytes."""
    config = client.config
    headers = {"Accept-Language": current()}
    if config.token:
        headers["Authorization"] = f"Bearer {config.token}"
    try:
        response = httpx.get(f"{config.api_url}{path}", headers=headers, timeout=60)
    except httpx.HTTPError as exc:
        raise ApiError(
            _(
                "downloading the picture from %(url)s failed: %(error)s",
                url=config.api_url,
                error=str(exc),
            )
        ) from None
    if response.status_code != 200 or response.headers.get("content-type") != "image/png":
        raise ApiError(
            _(
                "the API answered HTTP %(status)s instead of a PNG",
                status=str(response.status_code),
            )
        )
    return response.content
