"""Quiz drafts and per-revision settings (attempts allowed, shuffle, question pool)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.add_column(sa.Column("draft", sa.Text(), nullable=True))
    with op.batch_alter_table("quiz_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_attempts", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("shuffle_choices", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("pool_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("published_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_quiz_revision_published_by_id_user_account"),
            "user_account",
            ["published_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("quiz_revision", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_quiz_revision_published_by_id_user_account"), type_="foreignkey")
        batch_op.drop_column("published_by_id")
        batch_op.drop_column("pool_size")
        batch_op.drop_column("shuffle_choices")
        batch_op.drop_column("max_attempts")
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.drop_column("draft")
