"""A throwaway PostgreSQL cluster for the tests, started from the server's own binaries.

`postgres_cluster` (session scope) runs `initdb` into a temporary folder and `pg_ctl start`s it
on a free port of 127.0.0.1 (no TCP elsewhere; the unix socket lives in the same folder), with
trust authentication for local connections only; it is stopped and deleted at the end. Each
test then asks for `postgres_database_url`: a database of its own, created empty from template1
and dropped afterwards, so tests never see each other's rows.

No system service is involved, so `make test` behaves the same on a laptop and in CI. Without
the server binaries the PostgreSQL tests skip, unless WHAT2WEAR_REQUIRE_POSTGRES=1 (CI sets it):
then they fail, so the suite can never pass by silently not running.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from glob import glob
from pathlib import Path
from typing import NoReturn

import pytest

from tests.servers import free_port

REQUIRE_VARIABLE = "WHAT2WEAR_REQUIRE_POSTGRES"
START_TIMEOUT_S = 180  # a cold CI machine with two busy cores is slow to initdb and start
SERVER_USER = "postgres"  # who runs the server when the tests run as root (initdb refuses root)
# Durability is pointless for a cluster deleted at the end of the run; speed is not.
SERVER_OPTIONS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def _major_version(initdb: str) -> int:
    name = Path(initdb).parents[1].name  # /usr/lib/postgresql/<major>/bin/initdb
    return int(name) if name.isdigit() else 0


def postgres_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: Debian's newest /usr/lib/postgresql/<v>/bin, else
    whichever initdb is on PATH (Homebrew, other distributions)."""
    debian = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), key=_major_version)
    found = debian[-1] if debian else shutil.which("initdb")
    if found is None or shutil.which("pg_ctl", path=str(Path(found).parent)) is None:
        return None
    return Path(found).parent


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail where the PostgreSQL tests are required to run."""
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_VARIABLE}=1 requires the PostgreSQL tests",
                    pytrace=False)
    pytest.skip(reason)


@dataclass
class PostgresCluster:
    """A running cluster on 127.0.0.1; connect as the `postgres` role without a password."""

    bin_dir: Path
    root: Path  # data/, the socket and the log live here
    port: int
    run_as: Sequence[str]  # the command prefix that runs a server binary as its owner

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        """A URL as a person writes it: plain `postgresql://` (the app picks psycopg 3)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data),
                               *args], capture_output=True, text=True, timeout=START_TIMEOUT_S)

    def execute(self, statement: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        name = f"test_{uuid.uuid4().hex}"
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # closes leaked sessions


def _owned_by_server_user(root: Path) -> list[str]:
    """As root, hand `root` to the postgres account and return the prefix that runs as it."""
    if os.geteuid() != 0:
        return []
    try:
        account = pwd.getpwnam(SERVER_USER)
    except KeyError:
        unavailable(f"running as root, but there is no {SERVER_USER!r} account to run the "
                    "PostgreSQL server as")
    os.chown(root, account.pw_uid, account.pw_gid)
    runuser = shutil.which("runuser")
    if runuser is not None:
        return [runuser, "-u", SERVER_USER, "--"]
    return ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
            "--init-groups", "--"]


def _init(cluster: PostgresCluster) -> None:
    done = subprocess.run(
        [*cluster.run_as, str(cluster.bin_dir / "initdb"), "-D", str(cluster.data),
         "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
         "--no-instructions"],
        capture_output=True, text=True, timeout=START_TIMEOUT_S)
    if done.returncode != 0:
        pytest.fail(f"initdb failed ({done.returncode}): {done.stderr[-2000:]}", pytrace=False)


def _start(cluster: PostgresCluster) -> None:
    options = [f"-c listen_addresses=127.0.0.1 -c port={cluster.port}",
               f"-c unix_socket_directories='{cluster.root}'",
               *(f"-c {option}" for option in SERVER_OPTIONS)]
    started = cluster.pg_ctl("start", "-w", "-t", str(START_TIMEOUT_S), "-l", str(cluster.log),
                             "-o", " ".join(options))
    if started.returncode != 0:
        log = cluster.log.read_text(errors="replace")[-2000:] if cluster.log.exists() else ""
        pytest.fail(f"pg_ctl start failed ({started.returncode}): {started.stderr}\n{log}",
                    pytrace=False)


def _wait_until_it_answers(cluster: PostgresCluster) -> None:
    """pg_ctl -w waits for the socket; this waits until SQL over TCP works too."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            cluster.execute("SELECT 1")
            return
        except Exception as error:
            if time.monotonic() > deadline:
                pytest.fail(f"PostgreSQL on port {cluster.port} did not answer within "
                            f"{START_TIMEOUT_S} s: {error}", pytrace=False)
            time.sleep(0.2)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway cluster for the whole test session."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found: install the "
                    "`postgresql` package")
    try:
        import psycopg  # noqa: F401  (the driver the app uses for PostgreSQL URLs)
    except ImportError:
        unavailable("the psycopg driver is not installed (pip install -r requirements.txt)")
    # Not pytest's basetemp: it is private to the test user, and the server user must enter.
    root = Path(tempfile.mkdtemp(prefix="what2wear-pg-"))
    try:
        cluster = PostgresCluster(bin_dir=bin_dir, root=root, port=free_port(),
                                  run_as=_owned_by_server_user(root))
        _init(cluster)
        _start(cluster)
        try:
            _wait_until_it_answers(cluster)
            yield cluster
        finally:
            cluster.pg_ctl("stop", "-m", "fast", "-w")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def new_postgres_database(
    postgres_cluster: PostgresCluster,
) -> Iterator[Callable[[], str]]:
    """Make fresh, empty databases on the cluster (URLs); all are dropped after the test."""
    made: list[str] = []

    def make() -> str:
        made.append(postgres_cluster.create_database())
        return made[-1]

    yield make
    for url in made:
        postgres_cluster.drop_database(url)


@pytest.fixture
def postgres_database_url(new_postgres_database: Callable[[], str]) -> str:
    """The URL of a fresh, empty database of this test's own."""
    return new_postgres_database()
