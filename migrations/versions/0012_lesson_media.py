"""documents attached to lessons, and each saved version of a lesson

Revision ID: 0008_lesson_media
Revises: 0008_outbox_and_jobs
Create Date: 2026-12-07 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_lesson_media"
down_revision = "0008_outbox_and_jobs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lesson_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stored_name"),
    )
    with op.batch_alter_table("lesson_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_attachment_lesson_id"), ["lesson_id"], unique=False)


    op.create_table(
        "lesson_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_md", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lesson_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_version_lesson_id"), ["lesson_id"], unique=False)


def downgrade():
    with op.batch_alter_table("lesson_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_version_lesson_id"))
    op.drop_table("lesson_version")
    with op.batch_alter_table("lesson_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_attachment_lesson_id"))
    op.drop_table("lesson_attachment")
