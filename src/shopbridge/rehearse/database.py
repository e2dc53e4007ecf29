"""The rehearsal's store: SQLite in the workdir, or a PostgreSQL database given by URL, emptied first.

Running again starts clean: the SQLite file is deleted; a PostgreSQL database is emptied (its
``public`` schema dropped and made again) only when it is empty already or this workdir's marker
says an earlier rehearsal used it, so a production database given by mistake is refused, not wiped.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from shopbridge.errors import ConfigurationError

__all__ = ["prepare_database"]

MARKER = ".rehearse-database"


def prepare_database(url: str | None, workdir: Path) -> str:
    """The URL the rehearsal's config gets, its database empty."""
    if not url or url.startswith("sqlite"):
        path = workdir / "rehearsal.db" if not url else Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path.resolve()}"
    safe = make_url(url).render_as_string(hide_password=True)
    marker = workdir / MARKER
    ours = marker.is_file() and marker.read_text(encoding="utf-8").strip() == safe
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            tables = sa.inspect(conn).get_table_names(schema="public")
            if tables and not ours:
                raise ConfigurationError(
                    f"the database {safe} holds {len(tables)} tables and no rehearsal in {workdir} used it",
                    key="--database",
                    fix="give the rehearsal an empty PostgreSQL database of its own (it empties it each run)",
                )
            marker.write_text(safe + "\n", encoding="utf-8")
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url
