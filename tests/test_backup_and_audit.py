"""Keeping data safe: backups that restore, and an audit chain that shows tampering."""

import sqlite3

from sqlalchemy import func, select, text

from portal import audit
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.user import User
from tests.conftest import login


def test_audit_verify_passes_then_names_the_altered_row(app, runner, client, make_user):
    person = make_user()
    login(client, person.email)
    login(client, person.email, "incorrecta")
    with app.app_context():
        audit.record("test.third", actor_id=person.id, note="x")
        db.session.commit()
        ids = list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and f"{len(ids)} eventos verificados" in ok.output
    with app.app_context():
        db.session.execute(
            text("UPDATE audit_event SET details = :d WHERE id = :id"), {"d": '{"login": "otra"}', "id": ids[1]}
        )
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code != 0 and f"evento N° {ids[1]} " in broken.output


def test_audit_verify_notices_a_deleted_row(app, runner, make_user):
    with app.app_context():
        for number in range(3):
            audit.record("test.event", number=number)
        db.session.commit()
        middle = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
        db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": middle})
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and f"evento N° {middle + 1} " in result.output


def test_backup_and_restore(app, runner, backend, tmp_path, make_user):
    copy = tmp_path / "copia.sqlite3"
    if backend != "sqlite":
        result = runner.invoke(args=["backup", str(copy)])
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    make_user(full_name="Antes del Respaldo")
    result = runner.invoke(args=["backup", str(copy)])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("copia")) == ["copia.sqlite3"]
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()
    again = runner.invoke(args=["backup", str(copy)])
    assert again.exit_code != 0 and "ya existe" in again.output

    make_user(full_name="Después del Respaldo")
    result = runner.invoke(args=["restore", str(copy), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        names = set(db.session.scalars(select(User.full_name)))
    assert "Antes del Respaldo" in names and "Después del Respaldo" not in names


def test_restore_refuses_a_file_that_is_not_a_portal_database(app, runner, backend, tmp_path):
    if backend != "sqlite":
        return
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"no soy una base de datos" * 100)
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0 and "no es una base de datos SQLite válida" in result.output
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    result = runner.invoke(args=["restore", str(other), "--yes"])
    assert result.exit_code != 0 and "no es una base del Portal" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
