"""What AdFlux counts as it works, in Prometheus's format (prometheus_client).

Counters and histograms live in the process that does the work: an API process counts its
requests, a worker its platform errors, pace waits and takeovers. `adflux serve` with several
gunicorn processes shares them through PROMETHEUS_MULTIPROC_DIR (set by the command); a worker
serves its own on `adflux worker --metrics-port`. What the database and the broker know
(publications by state, queue depth, sync lag) is read when the API's /metrics is scraped
(operations/collector.py), so every API process answers it alike.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUEST_SECONDS = Histogram(
    "adflux_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status code.",
    ("route", "method", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PLATFORM_ERRORS = Counter(
    "adflux_platform_errors_total",
    "Platform calls that failed, by platform and error class (rate_limited, transient, "
    "outcome_unknown, auth_expired, invalid_request, compliance, unavailable).",
    ("platform", "error_class"),
)
TAKEOVERS = Counter(
    "adflux_relay_takeovers_total",
    "Work a dead worker had claimed, taken over by another (publication or change).",
    ("kind",),
)
RELAYED = Counter(
    "adflux_relay_resent_total",
    "Publications the relay sent again, by reason (retry_due, broker_refused, lost_in_queue, "
    "abandoned_claim).",
    ("reason",),
)
PACE_WAITS = Histogram(
    "adflux_pace_wait_seconds",
    "How long a publication waited for its slot in the platform's publishing pace (0 = none).",
    ("platform",),
    buckets=(0.0, 0.1, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 900.0),
)
