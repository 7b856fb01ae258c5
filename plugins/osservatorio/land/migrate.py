"""Versioned migrations of the warehouse's raw schema: `python -m osservatorio.land.migrate`.

Schema changes are numbered SQL files in `migrations/` (`0001_raw_baseline.sql`, ...), applied in
order, each in its own transaction, and recorded in `raw.schema_migrations` with the file's
SHA-256. A file that was applied and has changed since is refused: fix the schema with a new
migration instead. A session advisory lock serialises concurrent runners (two `make setup`, a
test session and a demo). Tasks never run DDL: they only check that the schema is migrated
(`require_migrated`).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    import psycopg

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
LOCK_KEY = "osservatorio.migrate"
FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
SETUP_HINT = "run `make setup` (or `python -m osservatorio.land.migrate`)"
LEDGER_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
"""


class MigrationError(RuntimeError):
    """A migration cannot be applied, or an applied one was changed."""


class SchemaNotMigrated(RuntimeError):
    """The warehouse lacks migrations this code needs."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order; refuses stray names and duplicate versions."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_lowercase_words.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name} and {found[version].name} have the same version {version}")
        found[version] = Migration(version, path.name, path)
    return [found[v] for v in sorted(found)]


def _applied(conn: psycopg.Connection) -> dict[int, tuple[str, str]]:
    if conn.execute("SELECT to_regclass('raw.schema_migrations')").fetchone()[0] is None:
        return {}
    rows = conn.execute("SELECT version, name, checksum FROM raw.schema_migrations").fetchall()
    return {version: (name, checksum) for version, name, checksum in rows}


def migrate(
    conninfo: str,
    directory: Path = MIGRATIONS_DIR,
    log: Callable[[str], None] = lambda message: None,
) -> list[str]:
    """Apply the pending migrations of `directory` to the database; returns the files applied.

    Idempotent: a second run applies nothing. Raises MigrationError (and applies nothing) when an
    applied migration's file changed.
    """
    import psycopg

    pending = migrations(directory)
    done: list[str] = []
    with psycopg.connect(conninfo, autocommit=True, application_name="osservatorio-migrate") as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (LOCK_KEY,))
        try:
            with conn.transaction():
                conn.execute(LEDGER_DDL)
            applied = _applied(conn)
            changed = [
                f"{m.name} (applied as {applied[m.version][0]})"
                for m in pending
                if m.version in applied and applied[m.version][1] != m.checksum
            ]
            if changed:
                raise MigrationError(
                    "applied migrations were changed afterwards: "
                    + ", ".join(changed)
                    + ". Restore them and put the change in a new migration."
                )
            for migration in pending:
                if migration.version in applied:
                    continue
                log(f"applying {migration.name}")
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO raw.schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                done.append(migration.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (LOCK_KEY,))
    return done


def require_migrated(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> None:
    """Raise SchemaNotMigrated unless every migration of this code is applied (no DDL, no error
    inside the caller's transaction: safe to call in a landing transaction)."""
    applied = _applied(conn)
    missing = [m.name for m in migrations(directory) if m.version not in applied]
    if missing:
        what = "the raw schema is missing" if not applied else f"migrations not applied: {', '.join(missing)}"
        raise SchemaNotMigrated(f"warehouse not migrated ({what}): {SETUP_HINT}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--dsn", help="warehouse URI (default: AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE, see scripts/env.sh)"
    )
    args = parser.parse_args(argv)
    from osservatorio.warehouse import warehouse_uri

    try:
        applied = migrate(args.dsn or warehouse_uri(), log=lambda message: print(f"[migrate] {message}"))
    except MigrationError as error:
        print(f"[migrate] refused: {error}", file=sys.stderr)
        return 1
    print(f"[migrate] {len(applied)} migration(s) applied" if applied else "[migrate] up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
