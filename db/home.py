"""Whether a home may be opened: its database and its image folder must belong together.

The originals under `images/` are the one copy of a person's photos. A database that knows
none of them (deleted, or a mistyped WHAT2WEAR_DATABASE_URL) must not be taken for the truth,
or start-up would treat every photo as debris. Such a home is refused with an explanation;
`doctor --adopt` rebuilds the items from the photos when the database really is lost.
"""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select

from base.config import mask_url
from db.database import alembic_config, reported_unavailable, sqlite_file
from db.files import ImageFiles, holds_original
from db.schema import Item


class HomeRefused(RuntimeError):
    """The home cannot be opened as asked; nothing was changed. The message says why and
    what to do."""


def check_database_matches_images(engine: Engine, files: ImageFiles, url: str) -> None:
    """Refuse a database that knows none of the photos in the image folder.

    Runs before anything is written (no migration, and a SQLite file that does not exist is
    not created). A few unknown folders next to known ones are crash leftovers (quarantined by
    reconcile); unknown photos with no known folder at all mean this is not their database.
    """
    folders = files.item_folders()
    if not folders:
        return
    known: set[str] = set()
    missing_file = (path := sqlite_file(url)) is not None and not path.is_file()
    if not missing_file:
        with reported_unavailable(engine), engine.connect() as connection:
            if inspect(connection).has_table(Item.__tablename__):
                known = set(connection.scalars(select(Item.id)))
    strangers = [f for f in sorted(folders - known) if holds_original(files.folder(f))]
    if not strangers or folders & known:
        return
    raise HomeRefused(
        f"{files.root} holds {len(strangers)} photo(s) that the database ({mask_url(url)}) "
        f"does not know (it has {len(known)} item(s)). Is WHAT2WEAR_DATABASE_URL (or "
        "WHAT2WEAR_HOME) right? Nothing was changed. If the database was lost, "
        "`python -m core.cli doctor --adopt` rebuilds the items from these photos."
    )


def check_readable(home: Path, database_file: Path | None) -> None:
    """Before a read-only command: the home and its database must exist (opening must not
    create them)."""
    if not home.is_dir():
        raise HomeRefused(f"{home}: no wardrobe here (the folder does not exist)")
    if database_file is not None and not database_file.is_file():
        raise HomeRefused(
            f"{home}: no wardrobe database at {database_file}; nothing was changed. Is "
            "WHAT2WEAR_HOME (or WHAT2WEAR_DATABASE_URL) right?"
        )


def check_schema_current(engine: Engine, url: str) -> None:
    """A read-only command does not migrate: refuse a database that is empty or behind."""
    with reported_unavailable(engine), engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current is None:
        raise HomeRefused(f"the database {mask_url(url)} holds no wardrobe; nothing was changed")
    if current != head:
        raise HomeRefused(
            f"the database {mask_url(url)} needs an upgrade ({current} -> {head}); run "
            "`python -m core.cli doctor` or start the app once"
        )
