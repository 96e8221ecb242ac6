"""each person's latest signature and whether they started, kept by triggers; the name order's index

Revision ID: 0015_maintained_status
Revises: 0014_lesson_trash
Create Date: 2026-12-07 14:30:00.000000

HR's totals and chart read every active person's status. Evaluated from the facts (EXISTS over
commitments, attempts and lesson views) that took most of the report's first page at 150,000 people
on PostgreSQL. The two facts the status needs are now columns of the person, kept by the database's
own triggers on every write to commitment, attempt and lesson_view (and on a lesson going to the
Papelera or coming back), whoever writes (the portal, the
command line, the benchmark's generator, a test): they cannot drift. What depends on time (due dates
passing, renewal expiry) is still computed when read, from these columns.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_maintained_status"
down_revision = "0014_lesson_trash"
branch_labels = None
depends_on = None

LAST_SIGNED = "(SELECT max(c.signed_at) FROM commitment c WHERE c.user_id = {who})"
#: A reading of a lesson in the Papelera counts for nothing (restored, it counts again).
STARTED = (
    "(EXISTS (SELECT 1 FROM attempt a WHERE a.user_id = {who} AND a.submitted_at IS NOT NULL)"
    " OR EXISTS (SELECT 1 FROM lesson_view v JOIN lesson l ON l.id = v.lesson_id"
    " WHERE v.user_id = {who} AND l.deleted_at IS NULL))"
)
#: A lesson moved to the Papelera or restored changes whether each of its readers started.
READERS_OF_LESSON = (
    "UPDATE user_account SET started = {started} "
    "WHERE id IN (SELECT v.user_id FROM lesson_view v WHERE v.lesson_id = {lesson})"
)
#: A new row can only add to what the person did: one UPDATE that matches nothing when the column
#: already says so (most inserts of a bulk load), instead of a recomputation.
ON_INSERT = {
    "commitment": (
        "UPDATE user_account SET last_signed_at = NEW.signed_at WHERE id = NEW.user_id"
        " AND (last_signed_at IS NULL OR last_signed_at < NEW.signed_at)"
    ),
    "attempt": (
        "UPDATE user_account SET started = TRUE WHERE id = NEW.user_id AND NOT started AND NEW.submitted_at IS NOT NULL"
    ),
    "lesson_view": (
        "UPDATE user_account SET started = TRUE WHERE id = NEW.user_id AND NOT started"
        " AND EXISTS (SELECT 1 FROM lesson l WHERE l.id = NEW.lesson_id AND l.deleted_at IS NULL)"
    ),
}
#: (table, the person's column it keeps, the expression that recomputes it, the columns whose change
#: matters: a reading's later re-reading or an attempt's grading leave the person's columns alone)
FACTS = (
    ("commitment", "last_signed_at", LAST_SIGNED, "user_id, signed_at"),
    ("attempt", "started", STARTED, "user_id, submitted_at"),
    ("lesson_view", "started", STARTED, "user_id, lesson_id"),
)


def _recompute(column: str, expression: str, row: str) -> str:
    return f"UPDATE user_account SET {column} = {expression.format(who=f'{row}.user_id')} WHERE id = {row}.user_id"


def _sqlite_triggers():
    for table, column, expression, columns in FACTS:
        statements = {
            "insert": ("INSERT", [ON_INSERT[table]]),
            "delete": ("DELETE", [_recompute(column, expression, "OLD")]),
            "update": (f"UPDATE OF {columns}", [_recompute(column, expression, row) for row in ("OLD", "NEW")]),
        }
        for name, (event, updates) in statements.items():
            body = " ".join(f"{update};" for update in updates)
            op.execute(
                f"CREATE TRIGGER {table}_keeps_{column}_{name} AFTER {event} ON {table} FOR EACH ROW BEGIN {body} END"
            )


def _sqlite_lesson_trigger():
    op.execute(
        "CREATE TRIGGER lesson_keeps_started_update AFTER UPDATE OF deleted_at ON lesson FOR EACH ROW "
        f"BEGIN {READERS_OF_LESSON.format(started=STARTED.format(who='user_account.id'), lesson='NEW.id')}; END"
    )


def _postgresql_lesson_trigger():
    op.execute(
        f"""
        CREATE FUNCTION lesson_keeps_started() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          {READERS_OF_LESSON.format(started=STARTED.format(who="user_account.id"), lesson="NEW.id")};
          RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER lesson_keeps_started AFTER UPDATE OF deleted_at ON lesson "
        "FOR EACH ROW EXECUTE FUNCTION lesson_keeps_started()"
    )


def _postgresql_triggers():
    for table, column, expression, columns in FACTS:
        op.execute(
            f"""
            CREATE FUNCTION {table}_keeps_{column}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'INSERT' THEN
                {ON_INSERT[table]};
                RETURN NULL;
              END IF;
              {_recompute(column, expression, "OLD")};
              IF TG_OP = 'UPDATE' THEN
                {_recompute(column, expression, "NEW")};
              END IF;
              RETURN NULL;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_keeps_{column} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_keeps_{column}()"
        )


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("last_signed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("started", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        f"UPDATE user_account SET last_signed_at = {LAST_SIGNED.format(who='user_account.id')}, "
        f"started = {STARTED.format(who='user_account.id')}"
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
        _postgresql_lesson_trigger()
    else:
        _sqlite_triggers()
        _sqlite_lesson_trigger()
    op.create_index("ix_user_account_name_order", "user_account", [sa.text("lower(full_name)"), "id"])


def downgrade():
    op.drop_index("ix_user_account_name_order", table_name="user_account")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER lesson_keeps_started ON lesson")
        op.execute("DROP FUNCTION lesson_keeps_started()")
        for table, column, _expression, _columns in FACTS:
            op.execute(f"DROP TRIGGER {table}_keeps_{column} ON {table}")
            op.execute(f"DROP FUNCTION {table}_keeps_{column}()")
    else:
        op.execute("DROP TRIGGER lesson_keeps_started_update")
        for table, column, _expression, _columns in FACTS:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {table}_keeps_{column}_{event}")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("started")
        batch.drop_column("last_signed_at")
