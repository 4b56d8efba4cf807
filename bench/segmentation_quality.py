"""Segmentation quality: does the automatic k find the planted personas, and against what baseline.

1. For every persona count x generator seed: generate candidates, train AdFlux's segmentation
   over k = 2..10, and report the chosen k against the planted count, the adjusted Rand index (ARI)
   of the segments against the hidden personas, and the k that the highest silhouette alone
   would have picked.
2. In the same run, the seed document's naive recipe on the same 100,000 candidates as the
   baseline: pandas ``get_dummies`` + ``StandardScaler`` + ``KMeans`` for each k, the silhouette
   over ALL rows, k = highest silhouette. Reported: wall time of both, how many times faster AdFlux
   is, both chosen k and both ARIs.

    .venv/bin/python bench/segmentation_quality.py
    .venv/bin/python bench/segmentation_quality.py --rows 50000 --personas 2,4,6,8,10 --seeds 1,2,3
    .venv/bin/python bench/segmentation_quality.py --baseline-rows 0      # skip the baseline
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.preprocessing import StandardScaler

from adflux.datagen import generate_candidates
from adflux.segmentation.features import candidate_features
from adflux.segmentation.training import train

K_RANGE = (2, 10)
TARGET_ARI = 0.9


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f}"


def adflux(columns: dict, *, random_state: int = 0) -> tuple[int, float, float, int]:
    """(chosen k, ARI vs personas, seconds, k of the highest silhouette) for AdFlux's training."""
    started = time.perf_counter()
    result = train(candidate_features(columns), k_range=K_RANGE, random_state=random_state)
    seconds = time.perf_counter() - started
    best_silhouette = max(result.selection.metrics, key=lambda m: m.silhouette).k
    return (
        result.k,
        adjusted_rand_score(columns["persona"], result.labels),
        seconds,
        best_silhouette,
    )


def naive(columns: dict) -> tuple[int, float, float]:
    """The seed document's recipe: dummies, scaling, KMeans per k, silhouette on every row."""
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
    best: tuple[float, int, np.ndarray] | None = None
    for k in range(K_RANGE[0], K_RANGE[1] + 1):
        labels = KMeans(n_clusters=k, random_state=0).fit_predict(matrix)
        score = silhouette_score(matrix, labels)  # over all rows: O(n^2)
        print(f"    naive k={k}: silhouette {score:.3f}", file=sys.stderr, flush=True)
        if best is None or score > best[0]:
            best = (score, k, labels)
    assert best is not None
    seconds = time.perf_counter() - started
    return best[1], adjusted_rand_score(columns["persona"], best[2]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--personas", default="4,6,8")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    args = parser.parse_args()
    persona_counts = [int(p) for p in args.personas.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]

    print(f"# AdFlux segmentation quality ({_load()}, {os.cpu_count()} CPUs)")
    print(f"{args.rows:,} generated candidates per data set, k range {K_RANGE[0]}..{K_RANGE[1]}")
    print("personas  seed  chosen k  ARI    seconds  max-silhouette k")
    hits, aris = 0, []
    for personas in persona_counts:
        for seed in seeds:
            columns = generate_candidates(args.rows, seed=seed, personas=personas)
            k, ari, seconds, silhouette_k = adflux(columns)
            hits += k == personas
            aris.append(ari)
            mark = "" if k == personas else "  <- differs"
            print(
                f"{personas:8d}  {seed:4d}  {k:8d}  {ari:.3f}  {seconds:7.1f}  "
                f"{silhouette_k:16d}{mark}",
                flush=True,
            )
    total = len(persona_counts) * len(seeds)
    print(
        f"chosen k = planted personas in {hits}/{total} data sets; "
        f"ARI min {min(aris):.3f}, mean {np.mean(aris):.3f} (target >= {TARGET_ARI})"
    )

    if args.baseline_rows <= 0:
        return
    print(f"\n# Baseline on {args.baseline_rows:,} candidates (6 personas, seed 1), {_load()}")
    columns = generate_candidates(args.baseline_rows, seed=1, personas=6)
    k, ari, seconds, _ = adflux(columns)
    print(f"AdFlux : k={k}  ARI {ari:.3f}  {seconds:7.1f} s", flush=True)
    naive_k, naive_ari, naive_seconds = naive(columns)
    print(f"naive  : k={naive_k}  ARI {naive_ari:.3f}  {naive_seconds:7.1f} s")
    print(f"AdFlux is {naive_seconds / seconds:.1f}x faster than the naive recipe ({_load()})")


if __name__ == "__main__":
    main()
