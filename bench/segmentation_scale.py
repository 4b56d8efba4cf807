"""Segmentation at scale, in memory: a million candidates, against the naive recipe.

1. Generation of N candidates in chunks (rows/s), keeping the columns segmentation reads.
2. AdFlux: features, k selection over 2..10 on a sample, final fit on all rows, prediction of all
   rows, profiles: wall time of each step, peak RSS of the process, ARI against the personas.
3. Baseline in a child process of its own (for its own peak RSS), on the same rows: the seed
   document's recipe made as cheap as it can be without changing its nature: dense
   ``pandas.get_dummies`` + ``StandardScaler`` + ``KMeans`` for every k on all rows, silhouette on
   a 10,000-row sample (over all rows it would be quadratic: days at this size).

Database I/O is not included (the service reads the rows and writes memberships around this).

    .venv/bin/python bench/segmentation_scale.py                    # 1,000,000 candidates
    .venv/bin/python bench/segmentation_scale.py --rows 200000 --baseline-rows 0
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

from adflux.datagen import iter_candidate_chunks
from adflux.segmentation.features import SOURCE_FIELDS, candidate_features
from adflux.segmentation.profiles import PROFILE_FIELDS, build_profiles
from adflux.segmentation.training import train

TARGET_SECONDS = 60
TARGET_PEAK_MB = 2_048
KEPT = (*dict.fromkeys((*SOURCE_FIELDS, *PROFILE_FIELDS, "persona")),)
K_RANGE = (2, 10)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f}"


def generate(rows: int, *, seed: int, personas: int) -> tuple[dict[str, Any], float]:
    """The columns segmentation reads, generated in chunks; (columns, seconds)."""
    started = time.perf_counter()
    parts: dict[str, list[Any]] = {name: [] for name in KEPT}
    for chunk in iter_candidate_chunks(rows, seed=seed, personas=personas):
        for name in KEPT:
            parts[name].append(chunk[name])
    columns: dict[str, Any] = {}
    for name, pieces in parts.items():
        if isinstance(pieces[0], np.ndarray):
            columns[name] = np.concatenate(pieces)
        else:
            columns[name] = [value for piece in pieces for value in piece]
    return columns, time.perf_counter() - started


def adflux(columns: dict[str, Any]) -> dict[str, float]:
    """Every step of a training on ``columns``; returns wall seconds per step."""
    from sklearn.metrics import adjusted_rand_score

    seconds: dict[str, float] = {}
    mark = time.perf_counter()
    frame = candidate_features(columns)
    seconds["feature frame"] = time.perf_counter() - mark

    mark = time.perf_counter()
    result = train(frame, k_range=K_RANGE, random_state=0)
    seconds["train (total)"] = time.perf_counter() - mark
    for step, value in result.timings.items():
        if step != "total":
            seconds[f"  train: {step}"] = value

    mark = time.perf_counter()
    predicted = result.pipeline.predict(frame)
    seconds["predict all rows"] = time.perf_counter() - mark

    mark = time.perf_counter()
    profiles = build_profiles(columns, result.labels, k=result.k)
    seconds["profiles"] = time.perf_counter() - mark

    one = {name: [columns[name][0]] for name in SOURCE_FIELDS}
    mark = time.perf_counter()
    for _ in range(20):
        result.pipeline.predict(candidate_features(one))
    seconds["one-candidate predict (ms)"] = (time.perf_counter() - mark) / 20 * 1000

    assert np.array_equal(predicted, result.labels), "prediction disagrees with training labels"
    seconds["_k"] = result.k
    seconds["_ari"] = adjusted_rand_score(columns["persona"], result.labels)
    seconds["_flagged"] = len(profiles["age_proxy"]["segments_flagged"])
    return seconds


def naive(rows: int, *, seed: int, personas: int) -> None:
    """Child process: the naive recipe; prints 'k ari seconds peak_mb'."""
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, silhouette_score
    from sklearn.preprocessing import StandardScaler

    columns, _ = generate(rows, seed=seed, personas=personas)
    started = time.perf_counter()
    frame = pd.DataFrame(
        {
            "city": columns["city"],
            "area": columns["area"],
            "education_level": columns["education_level"],
            "remote_preference": columns["remote_preference"],
            "age": columns["age"],
            "years_experience": columns["years_experience"],
            "desired_salary_cop": columns["desired_salary_cop"],
            "languages": [len(v) for v in columns["languages"]],
        }
    )
    frame = pd.get_dummies(frame, columns=["city", "area", "education_level", "remote_preference"])
    frame = frame.fillna(frame.mean())
    matrix = StandardScaler().fit_transform(frame.astype(float))
    sample = np.random.default_rng(0).choice(rows, min(rows, 10_000), replace=False)
    best: tuple[float, int, np.ndarray] | None = None
    for k in range(K_RANGE[0], K_RANGE[1] + 1):
        labels = KMeans(n_clusters=k, random_state=0).fit_predict(matrix)
        score = silhouette_score(matrix[sample], labels[sample])
        if best is None or score > best[0]:
            best = (score, k, labels)
    assert best is not None
    seconds = time.perf_counter() - started
    ari = adjusted_rand_score(columns["persona"], best[2])
    print(f"{best[1]} {ari:.4f} {seconds:.2f} {_peak_mb():.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--personas", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline-rows", type=int, default=None, help="default: --rows")
    parser.add_argument("--naive-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.naive_child:
        naive(args.rows, seed=args.seed, personas=args.personas)
        return

    print(f"# Segmentation at scale ({os.cpu_count()} CPUs, {_load()})")
    columns, gen_seconds = generate(args.rows, seed=args.seed, personas=args.personas)
    print(
        f"generation: {args.rows:,} candidates in {gen_seconds:.1f} s = "
        f"{args.rows / gen_seconds:,.0f} rows/s (peak RSS so far {_peak_mb():,.0f} MB)"
    )
    started = time.perf_counter()
    figures = adflux(columns)
    total = time.perf_counter() - started
    for step, value in figures.items():
        if not step.startswith("_"):
            print(f"  {step:30s} {value:8.2f}")
    peak = _peak_mb()
    print(
        f"AdFlux: k={figures['_k']:.0f}, ARI vs personas {figures['_ari']:.3f}, "
        f"{figures['_flagged']:.0f} segment(s) flagged as age proxies"
    )
    print(
        f"AdFlux features + selection + fit + predict + profiles: {total:.1f} s "
        f"(target < {TARGET_SECONDS} s), peak RSS {peak:,.0f} MB incl. generation "
        f"(target < {TARGET_PEAK_MB:,} MB)  [{_load()}]",
        flush=True,
    )

    baseline_rows = args.rows if args.baseline_rows is None else args.baseline_rows
    if baseline_rows <= 0:
        return
    command = [
        sys.executable, __file__, "--naive-child", "--rows", str(baseline_rows),
        "--seed", str(args.seed), "--personas", str(args.personas),
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()
    k, ari, seconds, peak_mb = int(output[0]), float(output[1]), float(output[2]), float(output[3])
    print(
        f"naive recipe on {baseline_rows:,} rows: k={k}, ARI {ari:.3f}, {seconds:.1f} s "
        f"(excluding generation), peak RSS {peak_mb:,.0f} MB incl. generation"
    )
    if baseline_rows == args.rows:
        # Same scope as the recipe: feature frame + preprocessing + choice of k + final fit.
        comparable = figures["feature frame"] + figures["train (total)"]
        print(
            f"AdFlux features + k selection + fit: {comparable:.1f} s -> "
            f"{seconds / comparable:.1f}x faster than the naive recipe, with "
            f"{peak_mb / peak:.1f}x less peak memory "
            f"[{_load()}]"
        )


if __name__ == "__main__":
    main()
