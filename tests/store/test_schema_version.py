"""The schema check without Alembic: the same answers as Alembic's, and no Alembic loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from biddaemon.errors import SchemaNotCurrent
from biddaemon.store import migrate, schema_version
from biddaemon.store.database import make_engine


def test_head_revision_is_the_newest_migration() -> None:
    # Adding a migration without moving HEAD_REVISION would make every start migrate again.
    assert migrate.head_revision() == schema_version.HEAD_REVISION


def test_current_revision_agrees_with_alembic_at_every_step(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'steps.db'}")
    assert schema_version.current_revision(engine) is None
    steps = [script.revision for script in migrate.script_directory().walk_revisions()]
    for step in reversed(steps):
        migrate.upgrade(engine, step)
        assert schema_version.current_revision(engine) == step
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == step
    engine.dispose()


def test_an_old_schema_is_refused_naming_both_revisions(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0004")
    with pytest.raises(SchemaNotCurrent, match="revision 0004, this biddaemon needs 0005"):
        migrate.ensure_current(engine, auto_migrate=False)
    migrate.ensure_current(engine, auto_migrate=True)
    assert schema_version.current_revision(engine) == schema_version.HEAD_REVISION
    engine.dispose()


def test_several_recorded_revisions_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "branched.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0004'), ('0005')"))
    with pytest.raises(SchemaNotCurrent, match=r"several schema revisions \(0004, 0005\)"):
        schema_version.current_revision(engine)
    engine.dispose()


def test_a_current_schema_is_checked_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'current.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    probe = (
        "import sys\n"
        "from biddaemon.store.migrate import connect\n"
        f"connect({url!r}, auto_migrate=True).dispose()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
