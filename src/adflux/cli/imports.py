"""`adflux import …`: bring Magneto's own data in (job feeds, candidate files).

Each kind of import is its own command module, added to this group in `cli/main.py`.
"""

from __future__ import annotations

import click

from adflux.i18n.catalogs import N_


@click.group("import", help=N_("Import Magneto's data: job feeds and candidate files."))
def import_group() -> None:
    pass
