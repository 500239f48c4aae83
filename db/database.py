"""Connecting to the database and bringing its schema up to date (Alembic, at every start)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from base.config import mask_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# A plain PostgreSQL URL means SQLAlchemy's default driver, psycopg2, which What2Wear does not
# install; psycopg 3 (requirements.txt) is used instead. `postgres://` is the form many hosts
# hand out and SQLAlchemy no longer accepts.
POSTGRES_SCHEMES = frozenset({"postgresql", "postgres"})
POSTGRES_DRIVER = "postgresql+psycopg"


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or used. The message names it with its password masked."""

    def __init__(self, url: str | URL, reason: str) -> None:
        shown = url.render_as_string(hide_password=True) if isinstance(url, URL) else mask_url(url)
        super().__init__(f"cannot use the database {shown}: {reason}")


def driver_url(url: str) -> URL:
    """The URL to connect with: `postgresql://` and `postgres://` get the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in POSTGRES_SCHEMES:
        return parsed.set(drivername=POSTGRES_DRIVER)
    return parsed


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # SQLite ignores foreign keys unless asked, per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_database_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets foreign keys switched on."""
    engine = create_engine(driver_url(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def alembic_config() -> Config:
    """Alembic configured in code, so no alembic.ini has to sit next to the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@contextmanager
def reported_unavailable(engine: Engine) -> Iterator[None]:
    """Around a start's first connections: a server that is down or refuses us becomes
    DatabaseUnavailable (password masked) rather than a driver's traceback."""
    try:
        yield
    except OperationalError as error:
        if error.statement is not None:  # connected, then a statement failed: not this case
            raise
        reason = _without_password(str(error.orig), engine.url)
        raise DatabaseUnavailable(engine.url, reason) from error


def migrate(engine: Engine) -> None:
    """Apply every pending migration (idempotent)."""
    config = alembic_config()
    with reported_unavailable(engine), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _without_password(text: str, url: URL) -> str:
    """A driver's message, should it ever quote the connection string, minus the password."""
    text = text.strip()
    return text.replace(url.password, "***") if url.password else text


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
