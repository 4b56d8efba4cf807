"""`adflux import …`: bring Magneto's own data in (job feeds, candidate files).

Each kind of import is its own command module, added to this group in `cli/main.py`.
"""

from __future__ import annotations

import click


@click.group("import")
def import_group() -> None:
    """Import Magneto's data: job feeds and candidate files."""
