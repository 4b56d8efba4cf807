"""A segmentation run stored the way the training service stores one, for dashboard tests.

Used only while the segmentation service (issue #3) is not in the tree: a small KMeans over a
few candidate fields, with the run's metrics per k, a 2-D projection and per-segment profiles in
the shapes the dashboard reads. Deterministic (fixed random_state).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import sqlalchemy as sa
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from adflux.candidates.models import Candidate
from adflux.db import utcnow
from adflux.extensions import db
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

K_RANGE = range(2, 9)


def store_segmentation(*, age_proxy_segment: int | None = 0) -> SegmentationRun:
    rows = db.session.execute(
        sa.select(
            Candidate.id,
            Candidate.age,
            Candidate.years_experience,
            Candidate.desired_salary_cop,
            Candidate.area,
            Candidate.city,
            Candidate.skills,
            Candidate.marketing_consent,
        ).order_by(Candidate.id)
    ).all()
    numeric = np.array(
        [[r.age, r.years_experience or 0.0, np.log1p(r.desired_salary_cop or 0)] for r in rows]
    )
    areas = OneHotEncoder(sparse_output=False).fit_transform([[r.area] for r in rows])
    features = np.hstack([StandardScaler().fit_transform(numeric), areas * 1.5])
    per_k = {}
    fits = {}
    for k in K_RANGE:
        model = KMeans(n_clusters=k, n_init=4, random_state=0).fit(features)
        fits[k] = model
        per_k[str(k)] = {
            "silhouette": float(silhouette_score(features, model.labels_, random_state=0)),
            "inertia": float(model.inertia_),
        }
    chosen = max(K_RANGE, key=lambda k: per_k[str(k)]["silhouette"])
    labels = fits[chosen].labels_
    xy = PCA(n_components=2, random_state=0).fit_transform(features)
    run = SegmentationRun(
        status="succeeded",
        in_flight=False,
        is_active=True,
        algorithm="kmeans",
        k=chosen,
        k_min=min(K_RANGE),
        k_max=max(K_RANGE),
        features=["age", "years_experience", "desired_salary_cop", "area"],
        metrics={
            "per_k": [{"k": int(k), **values} for k, values in per_k.items()],
            "chosen": per_k[str(chosen)],
            "reason": "stand-in: the k with the highest silhouette",
        },
        candidate_count=len(rows),
        projection={
            "x": [round(float(v), 4) for v in xy[:, 0]],
            "y": [round(float(v), 4) for v in xy[:, 1]],
            "labels": [int(c) for c in labels],
        },
        started_at=utcnow(),
        finished_at=utcnow(),
    )
    db.session.execute(sa.update(SegmentationRun).values(is_active=False))
    db.session.add(run)
    db.session.flush()
    for index in range(chosen):
        members = [r for r, label in zip(rows, labels, strict=True) if label == index]
        segment = Segment(
            run_id=run.id,
            cluster_index=index,
            name=_name(members),
            size=len(members),
            profile=_profile(members, rows, proxy=index == age_proxy_segment),
        )
        db.session.add(segment)
        db.session.flush()
        db.session.add_all(
            SegmentMembership(run_id=run.id, candidate_id=r.id, segment_id=segment.id)
            for r in members
        )
    db.session.commit()
    return run


def _top(values: list[str], total: int, n: int = 5) -> list[dict[str, object]]:
    return [{"value": v, "share": c / total} for v, c in Counter(values).most_common(n)]


def _name(members: list) -> str:  # type: ignore[type-arg]
    area = Counter(r.area for r in members).most_common(1)[0][0]
    city = Counter(r.city for r in members).most_common(1)[0][0]
    return f"{area} · {city}"


def _profile(members: list, population: list, *, proxy: bool) -> dict[str, object]:  # type: ignore[type-arg]
    """The keys the segmentation service's profiles carry (segmentation/profiles.py)."""
    size = len(members)
    salaries = sorted(r.desired_salary_cop or 0 for r in members)
    cities = Counter(r.city for r in population)
    top_cities = _top([r.city for r in members], size)
    return {
        "share": size / len(population),
        "age": {"median": float(np.median([r.age for r in members]))},
        "years_experience": {
            "median": float(np.median([r.years_experience or 0 for r in members]))
        },
        "desired_salary_cop": {"p25": salaries[size // 4], "p75": salaries[(3 * size) // 4]},
        "consenting": sum(1 for r in members if r.marketing_consent),
        "top_cities": top_cities,
        "top_areas": _top([r.area for r in members], size),
        "top_skills": _top([s for r in members for s in (r.skills or [])], size),
        "distinguishing": [
            {
                "field": "city",
                "value": city["value"],
                "lift": round(float(city["share"]) / (cities[city["value"]] / len(population)), 2),
            }
            for city in top_cities[:2]
        ],
        "age_proxy": {"warning": proxy},
    }
