"""a deleted lesson waits in the Papelera: when and by whom it was deleted

Revision ID: 0014_lesson_trash
Revises: 0013_lesson_video
Create Date: 2026-12-07 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_lesson_trash"
down_revision = "0013_lesson_video"
branch_labels = None
depends_on = None


def upgrade():
    # Added columns only, in place. A batch "recreate" of `lesson` would drop the table, and on SQLite
    # with foreign keys on that deletes every lesson view, version and attachment with it. No ON DELETE
    # for the account: accounts are never deleted (anonymised instead), like quiz_revision.published_by_id.
    op.add_column("lesson", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot add a constraint to a table, but it takes one written into the new column.
        op.execute(
            "ALTER TABLE lesson ADD COLUMN deleted_by_id INTEGER CONSTRAINT fk_lesson_deleted_by_id_user_account"
            " REFERENCES user_account (id)"
        )
    else:
        op.add_column("lesson", sa.Column("deleted_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_lesson_deleted_by_id_user_account",
            "lesson",
            "user_account",
            ["deleted_by_id"],
            ["id"],
        )
    op.create_index("ix_lesson_deleted_at", "lesson", ["deleted_at"], unique=False)


def downgrade():
    # In place too (SQLite 3.35+ drops a column without rebuilding the table).
    op.drop_index("ix_lesson_deleted_at", table_name="lesson")
    op.drop_column("lesson", "deleted_by_id")
    op.drop_column("lesson", "deleted_at")
