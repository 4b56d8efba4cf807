"""`adflux worker` whose platforms answer `daily_report` by a fixed formula, for the results
sync's worker test: the real adapters' account-level reports are tested against the sandbox
(tests/integration/platforms); here what is under test is the task in a real worker process,
through a real broker, writing to a real PostgreSQL.

Run as ``python -m tests.integration.background.results_worker worker ...``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date, timedelta

from tests.fakes import FakeAdapter, FakePlatform

from adflux.campaigns import adapters
from adflux.platforms.base import PlatformAdapter, ReportRow


def reported(publication_key: str, day: date) -> ReportRow:
    """What every platform reports for a tree on a day: distinct figures per key and day."""
    number = int(publication_key.rsplit("-", 1)[1])
    return ReportRow(
        publication_key,
        day,
        impressions=1_000 * number + day.day,
        clicks=number + day.day,
        spend_cop=10_000 * number + 7 * day.day,
    )


class FormulaAdapter(FakeAdapter):
    def daily_report(
        self, trees: Mapping[str, Mapping[str, str]], since: date, until: date
    ) -> list[ReportRow]:
        days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
        return [reported(key, day) for key in trees for day in days]


def _adapter(_directory: object, name: str) -> PlatformAdapter:
    return FormulaAdapter(FakePlatform(name))


if __name__ == "__main__":
    adapters.RegistryDirectory.adapter = _adapter  # type: ignore[method-assign,assignment]
    from adflux.cli.main import cli

    cli(sys.argv[1:], prog_name="adflux")
