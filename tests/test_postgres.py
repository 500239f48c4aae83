"""PostgreSQL for real: the database tests of test_storage.py and test_wardrobe.py, run again on a
throwaway PostgreSQL cluster (tests/postgres.py), plus what only a server URL can get wrong.

Only WHAT2WEAR_DATABASE_URL changes (here: `Settings.database_url`, a plain `postgresql://` URL
as a person would write it); the service code is the same. Each test gets a fresh database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from base.config import Settings
from core.cli.main import main
from core.wardrobe.service import Wardrobe
from db.database import DatabaseUnavailable, create_database_engine, driver_url
from tests import test_storage, test_wardrobe
from tests.postgres import PostgresCluster  # its fixtures come through tests/conftest.py
from tests.servers import free_port

PASSWORD = "pw-Do-Not-Show-4711"

# The same test functions, collected again in this module, where the fixtures below point them
# at PostgreSQL: parametrised over the database without copying them.
for _test in (*test_storage.MIGRATION_TESTS, *test_wardrobe.DATABASE_TESTS):
    globals()[_test.__name__] = _test
wardrobe = test_wardrobe.wardrobe  # the fixture that opens the service on `wardrobe_settings`


@pytest.fixture
def database_url(postgres_database_url: str) -> str:
    """For test_storage's migration tests: an empty PostgreSQL database."""
    return postgres_database_url


@pytest.fixture
def wardrobe_settings(settings: Settings, postgres_database_url: str) -> Settings:
    """The store mode under test: a fresh PostgreSQL database + the home's Chroma folder."""
    return dataclasses.replace(settings, database_url=postgres_database_url)


@pytest.fixture
def another_wardrobe(
    wardrobe_settings: Settings, tmp_path: Path, new_postgres_database: Callable[[], str]
) -> Callable[[str], Settings]:
    """A second, independent wardrobe: its own home and its own database on the cluster."""
    return lambda name: dataclasses.replace(wardrobe_settings, home=tmp_path / name,
                                            database_url=new_postgres_database())


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    """SQLAlchemy would pick psycopg2 (not installed) for `postgresql://`."""
    for url in ("postgresql://me:pw@db.local:5432/w2w", "postgres://me@db.local/w2w",
                "postgresql+psycopg://me@db.local/w2w"):
        engine = create_database_engine(url)
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
        assert engine.url.password == ("pw" if ":pw@" in url else None)
        engine.dispose()
    assert driver_url("postgresql+psycopg2://me@db/w").drivername == "postgresql+psycopg2"
    assert driver_url("sqlite:///w.sqlite3").drivername == "sqlite"


def test_the_app_really_stores_its_rows_in_postgresql(
    wardrobe_settings: Settings, postgres_cluster: PostgresCluster
) -> None:
    from sqlalchemy import text

    from devkit import imaging

    with Wardrobe.open(wardrobe_settings) as w:
        item = w.ingest_bytes(imaging.garment_photo(seed=1), "a.jpg").item_id
        assert w.engine.dialect.name == "postgresql"
    assert not wardrobe_settings.sqlite_path.exists()  # no SQLite file was made in the home
    engine = create_database_engine(wardrobe_settings.database_url)  # an independent client
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id FROM items")).scalars().all() == [item]
    engine.dispose()


def _assert_refused_without_password(error: Exception, url: str) -> None:
    message = str(error)
    assert PASSWORD not in message and PASSWORD not in repr(error)
    assert url.split("://", 1)[1].replace(PASSWORD, "***") in message  # names user, host, db


def test_an_unreachable_server_is_named_without_its_password(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://me:{PASSWORD}@127.0.0.1:{free_port()}/w2w"  # nothing listens there
    with pytest.raises(DatabaseUnavailable) as refused:
        Wardrobe.open(dataclasses.replace(settings, database_url=url))
    _assert_refused_without_password(refused.value, url)
    Wardrobe.open(settings).close()  # the home was released again
    monkeypatch.setenv("WHAT2WEAR_HOME", str(settings.home))
    monkeypatch.setenv("WHAT2WEAR_DATABASE_URL", url)
    assert main(["list"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("error: cannot use the database postgresql+psycopg://me:***@127.0.0.1:")
    assert PASSWORD not in err and "Traceback" not in err


def test_a_missing_database_on_a_live_server_is_named_without_its_password(
    settings: Settings, postgres_cluster: PostgresCluster
) -> None:
    url = postgres_cluster.url("no_such_wardrobe").replace("postgres@", f"postgres:{PASSWORD}@")
    with pytest.raises(DatabaseUnavailable, match="no_such_wardrobe") as refused:
        Wardrobe.open(dataclasses.replace(settings, database_url=url))
    _assert_refused_without_password(refused.value, url)
    assert "does not exist" in str(refused.value)
