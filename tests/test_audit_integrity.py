"""Someone with write access to the database cannot rewrite or cut the audit log unnoticed.

Each event's hash is keyed (HMAC-SHA256 with a key that is not in the database), and the chain's head is
anchored in a file of signed checkpoints. The attacker here holds the database and the source code, not
the key: they recompute hashes with plain SHA-256 or with a key of their own.
"""

from __future__ import annotations

import hashlib
import json
import logging

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy import event as sa_event

from portal import audit, create_app
from portal.audit.checkpoints import _checkpoint_signature as checkpoint_signature
from portal.cli import migrations
from portal.extensions import db
from portal.models.audit import GENESIS_HASH, AuditEvent
from portal.vocabulary import ADMIN, STAFF
from tests.conftest import login
from tests.smtp import free_port

ATTACKER_KEY = b"a key the attacker chose themselves"


def record_events(app, count, **details):
    with app.app_context():
        for number in range(count):
            audit.record("test.event", number=number, **details)
        db.session.commit()
        return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def verify(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def checkpoint(app):
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result


def delete_events(app, ids):
    with app.app_context():
        db.session.execute(
            text("DELETE FROM audit_event WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": list(ids)},
        )
        db.session.commit()


def attacker_rewrites(app, event_id, scheme, new_details='{"number": 99}'):
    """Change one event's details and recompute its hash and every later one without the portal's key."""
    with app.app_context():
        previous = GENESIS_HASH
        for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all():
            if event.id >= event_id:
                if event.id == event_id:
                    event.details = new_details
                event.prev_hash = previous
                if scheme == "sha256":  # pretend the row predates the key
                    event.key_id = None
                    event.hash = event.content_hash()
                elif scheme == "own key":  # a key of their own, with its own key id
                    event.key_id = audit.key_id(ATTACKER_KEY)
                    event.hash = event.content_hash(ATTACKER_KEY)
                else:  # keep the portal's key id, hash with a guessed key
                    event.hash = event.content_hash(ATTACKER_KEY)
                db.session.flush()
            previous = event.hash
        db.session.commit()


def checkpoint_file(app):
    return app.config["AUDIT_CHECKPOINT_FILE"]


def test_an_untouched_log_verifies_against_its_checkpoints(app, make_app, tmp_path):
    record_events(app, 3)
    first = checkpoint(app)
    ids = record_events(app, 2)
    checkpoint(app)
    assert f"evento N° {ids[2]}, 3 eventos" in first.output
    assert checkpoint_file(app) == str(tmp_path / "instance" / "audit-checkpoints.jsonl")
    with open(checkpoint_file(app), encoding="utf-8") as file:
        entries = [json.loads(line) for line in file]
    assert [(entry["event_id"], entry["count"]) for entry in entries] == [(ids[2], 3), (ids[-1], 5)]
    assert all(set(entry) == {"event_id", "hash", "count", "at", "key_id", "signature"} for entry in entries)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "íntegra" in result.output and "5 eventos verificados" in result.output
    assert f"Coinciden los 2 puntos de control de {checkpoint_file(app)}" in result.output
    assert f"hasta el evento N° {ids[-1]}." in result.output
    # The hashes really depend on the key: the same rows under another key do not verify.
    assert verify(make_app(AUDIT_KEY="x" * 40)).exit_code != 0


def test_deleting_the_newest_events_is_caught_by_a_checkpoint(app):
    ids = record_events(app, 5)
    checkpoint(app)
    delete_events(app, ids[-2:])
    # The chain alone cannot tell: what is left is a valid, shorter chain.
    alone = verify(app, "--checkpoints", str(checkpoint_file(app)) + ".none")
    assert alone.exit_code == 0 and "No hay puntos de control" in alone.output
    result = verify(app)
    assert result.exit_code != 0
    assert f"Falta el evento N° {ids[-1]}, anotado en el punto de control del " in result.output
    assert "se eliminaron eventos del registro" in result.output


def test_deleting_an_event_in_the_middle_is_caught_by_the_chain_and_the_checkpoint_count(app):
    ids = record_events(app, 5)
    checkpoint(app)
    delete_events(app, ids[1:2])
    result = verify(app)
    assert result.exit_code != 0
    assert f"rota desde el evento N° {ids[2]} " in result.output
    assert f"Hasta el evento N° {ids[-1]} hay 4 eventos, pero el punto de control del " in result.output


@pytest.mark.parametrize("scheme", ["sha256", "own key", "guessed key"])
def test_a_rewritten_event_with_every_later_hash_recomputed_is_caught(app, scheme):
    ids = record_events(app, 5)
    before = verify(app)
    assert before.exit_code == 0, before.output
    attacker_rewrites(app, ids[2], scheme)
    result = verify(app)
    assert result.exit_code != 0
    first_line = result.output.splitlines()[0]
    assert f"La cadena de auditoría está rota desde el evento N° {ids[2]} (test.event" in first_line
    expected = {
        "sha256": "formato antiguo, sin clave, después de eventos con clave",
        "own key": "firmado con una clave que este servidor no tiene",
        "guessed key": "ese evento o uno anterior fue alterado o eliminado",
    }[scheme]
    assert expected in first_line
    with app.app_context():
        assert audit.first_broken_event().id == ids[2]


def test_an_event_whose_details_are_no_longer_json_is_named_not_a_crash(app, make_user):
    ids = record_events(app, 3)
    with app.app_context():
        db.session.execute(text("UPDATE audit_event SET details = '{roto' WHERE id = :id"), {"id": ids[1]})
        db.session.commit()
    result = verify(app)
    assert result.exit_code != 0 and f"rota desde el evento N° {ids[1]} " in result.output
    admin = make_user(full_name="Ana Administradora", roles=(STAFF, ADMIN))
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    page = client.post("/admin/auditoria/verificar", follow_redirects=True)
    assert f"rota desde el evento N° {ids[1]} " in page.get_data(as_text=True)


def test_rewriting_the_whole_log_as_unkeyed_is_caught_by_a_checkpoint(app):
    ids = record_events(app, 4)
    checkpoint(app)
    # The attacker's best move without the key: every row "from before the key", from the first one.
    attacker_rewrites(app, ids[0], "sha256")
    alone = verify(app, "--checkpoints", str(checkpoint_file(app)) + ".none")
    assert alone.exit_code == 0 and "4 de ellos son anteriores a la clave" in alone.output
    result = verify(app)
    assert result.exit_code != 0
    assert f"El evento N° {ids[-1]} no es el que anotó el punto de control del " in result.output


def test_forged_and_unreadable_checkpoints_are_reported(app):
    ids = record_events(app, 3)
    checkpoint(app)
    with open(checkpoint_file(app), encoding="utf-8") as file:
        genuine = json.loads(file.readline())
    # The attacker deletes the newest event and "fixes" the checkpoint to match, keeping its signature.
    delete_events(app, ids[-1:])
    with app.app_context():
        head = db.session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc())).first()
    forged = {**genuine, "event_id": head.id, "hash": head.hash, "count": 2}
    own_key = {**forged, "key_id": audit.key_id(ATTACKER_KEY)}
    own_key["signature"] = checkpoint_signature(own_key, ATTACKER_KEY)
    path = checkpoint_file(app)
    with open(path, "w", encoding="utf-8") as file:
        file.write(json.dumps(forged) + "\n" + json.dumps(own_key) + "\n{no es json\n")
        file.write(json.dumps({**genuine, "signature": "ñ" * 64}, ensure_ascii=False) + "\n")
    result = verify(app)
    assert result.exit_code != 0
    lines = result.output.splitlines()
    assert f"La firma del punto de control de la línea 1 de {path} no es válida" in lines[0]
    assert "línea 2" in lines[1] and f"clave que este servidor no tiene (identificador {own_key['key_id']})" in lines[1]
    assert f"La línea 3 del archivo de puntos de control {path} no se puede leer." in lines[2]
    assert f"La firma del punto de control de la línea 4 de {path} no es válida" in lines[3]
    assert len(lines) == 4  # forged lines are reported, never trusted: the shortened chain is otherwise valid


def old_hash(prev_hash: str, occurred_at: str, action: str, details: dict) -> str:
    """The hash rows carried before the chain was keyed, written out as the old code computed it."""
    payload = json.dumps(
        {"occurred_at": occurred_at, "actor_id": None, "action": action, "details": details},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def test_events_hashed_before_the_key_still_verify_after_the_migration(app):
    with app.app_context():
        migrations.downgrade("0006")
        previous = GENESIS_HASH
        for number, moment in enumerate(["2026-01-05T12:00:00+00:00", "2026-01-06T09:30:00+00:00"]):
            details = {"number": number, "nota": "ñandú"}
            previous_hash, previous = previous, old_hash(previous, moment, "test.old", details)
            db.session.execute(
                text(
                    "INSERT INTO audit_event (occurred_at, actor_id, action, details, prev_hash, hash) "
                    "VALUES (:at, NULL, 'test.old', :details, :prev, :hash)"
                ),
                {
                    "at": moment.replace("T", " ").replace("+00:00", ""),
                    "details": json.dumps(details, ensure_ascii=False),
                    "prev": previous_hash,
                    "hash": previous,
                },
            )
        db.session.commit()
        db.session.remove()
        migrations.upgrade()
        db.session.remove()
    ids = record_events(app, 2)  # every event: the two old ones, then two keyed ones
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "4 eventos verificados" in result.output and "2 de ellos son anteriores a la clave" in result.output
    with app.app_context():
        assert [event.key_id is None for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == [
            True,
            True,
            False,
            False,
        ]
    # The first keyed event seals the old ones: an old row changed with its SHA-256 recomputed is caught,
    # since the keyed row after it cannot be recomputed without the key.
    with app.app_context():
        old = db.session.get(AuditEvent, ids[1])
        old.details = '{"number": 1, "nota": "otra"}'
        old.hash = old.content_hash()
        db.session.commit()
    result = verify(app)
    assert result.exit_code != 0 and f"rota desde el evento N° {ids[2]} " in result.output


def test_old_keys_keep_verifying_after_the_key_changes(make_app):
    first = make_app(AUDIT_KEY="k" * 40)
    ids = record_events(first, 2)
    checkpoint(first)
    rotated = make_app(AUDIT_KEY="n" * 40, AUDIT_OLD_KEYS=f"{'z' * 40}, {'k' * 40}")
    record_events(rotated, 2)
    checkpoint(rotated)
    result = verify(rotated)
    assert result.exit_code == 0, result.output
    with rotated.app_context():
        assert len({event.key_id for event in db.session.scalars(select(AuditEvent))}) == 2
    forgotten = verify(make_app(AUDIT_KEY="n" * 40))
    assert forgotten.exit_code != 0
    assert "línea 1" in forgotten.output and "PORTAL_AUDIT_OLD_KEYS" in forgotten.output
    assert f"rota desde el evento N° {ids[0]} " in forgotten.output


def test_a_derived_key_survives_a_new_secret_key_listed_as_old(make_app):
    record_events(make_app(SECRET_KEY="secreto-anterior"), 2)
    assert verify(make_app(SECRET_KEY="secreto-nuevo")).exit_code != 0
    result = verify(make_app(SECRET_KEY="secreto-nuevo", AUDIT_OLD_KEYS=["secreto-anterior"]))
    assert result.exit_code == 0, result.output


def test_the_admin_button_checks_the_checkpoints_too(app, make_user):
    admin = make_user(full_name="Ana Administradora", roles=(STAFF, ADMIN))
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    ids = record_events(app, 3)
    page = client.post("/admin/auditoria/verificar", follow_redirects=True).get_data(as_text=True)
    assert "está íntegra" in page and "No hay puntos de control" in page
    checkpoint(app)
    page = client.post("/admin/auditoria/verificar", follow_redirects=True).get_data(as_text=True)
    assert "está íntegra" in page and "Coincide el punto de control" in page
    delete_events(app, ids[-1:])
    page = client.post("/admin/auditoria/verificar", follow_redirects=True).get_data(as_text=True)
    assert "está íntegra" not in page
    assert f'role="alert">Falta el evento N° {ids[-1]}, anotado en el punto de control del ' in page


def test_many_problems_are_cut_short_on_the_page(app, make_user):
    admin = make_user(full_name="Ana Administradora", roles=(STAFF, ADMIN))
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    ids = record_events(app, 1)
    for _ in range(6):
        record_events(app, 1)
        checkpoint(app)
    delete_events(app, [event_id for event_id in range(ids[0], ids[0] + 200)])
    page = client.post("/admin/auditoria/verificar", follow_redirects=True).get_data(as_text=True)
    assert page.count("Falta el evento N°") == 3 and "Hay 3 problemas más" in page
    assert verify(app).output.count("Falta el evento N°") == 6


def test_the_checkpoint_is_mailed_and_the_mailed_copy_verifies(make_app, smtp_server, inbox, tmp_path):
    app = make_app(SMTP_PORT=smtp_server(inbox), AUDIT_CHECKPOINT_MAIL="auditoria@muni.cl")
    ids = record_events(app, 2)
    result = checkpoint(app)
    assert "Copia en la cola de correo para auditoria@muni.cl" in result.output
    (message,) = inbox.to("auditoria@muni.cl")
    assert f"evento N° {ids[-1]}" in message["Subject"]
    line = next(line for line in message.get_content().splitlines() if line.startswith("{"))
    copy = tmp_path / "copia-externa.jsonl"
    copy.write_text(line + "\n", encoding="utf-8")
    delete_events(app, ids[-1:])
    result = verify(app, "--checkpoints", str(copy))
    assert result.exit_code != 0 and f"Falta el evento N° {ids[-1]}" in result.output


def test_a_checkpoint_that_cannot_be_mailed_yet_is_written_and_its_mail_waits_in_the_outbox(make_app):
    from portal.models.outbox import OutboxMail

    app = make_app(SMTP_PORT=free_port(), AUDIT_CHECKPOINT_MAIL="auditoria@muni.cl")
    record_events(app, 1)
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    with open(checkpoint_file(app), encoding="utf-8") as file:
        assert len(file.readlines()) == 1
    with app.app_context():
        [mail] = db.session.scalars(select(OutboxMail)).all()
        assert mail.to_address == "auditoria@muni.cl" and mail.status == "pending"
        assert "No se pudo conectar" in mail.last_error


def test_an_empty_log_has_nothing_to_checkpoint(app):
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_event"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0 and "está vacío" in result.output
    with pytest.raises(FileNotFoundError):
        open(checkpoint_file(app))  # noqa: SIM115


def test_recording_an_event_costs_no_extra_query(app, backend):
    record_events(app, 1)
    statements = []
    with app.app_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            audit.record("test.event")
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        db.session.rollback()
    # The previous hash and the insert (and on PostgreSQL the advisory lock), as before the key.
    assert len([s for s in statements if not s.startswith(("BEGIN", "SAVEPOINT"))]) == (
        3 if backend == "postgresql" else 2
    )


def test_production_takes_a_long_audit_key_or_warns_that_it_derives_one(tmp_path, caplog):
    settings = {
        "ENV": "production",
        "SECRET_KEY": "s" * 40,
        "BASE_URL": "https://induccion.muni.cl",
        "DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3",
    }
    with pytest.raises(RuntimeError, match="PORTAL_AUDIT_KEY must be at least 32"):
        create_app({**settings, "AUDIT_KEY": "corta"})
    with caplog.at_level(logging.WARNING):
        create_app(settings)
    assert any("PORTAL_AUDIT_KEY is not set" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app({**settings, "AUDIT_KEY": "a" * 32})
    assert not any("PORTAL_AUDIT_KEY" in record.getMessage() for record in caplog.records)
