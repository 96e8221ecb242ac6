"""a video in a lesson, with its captions and transcript

Revision ID: 0013_lesson_video
Revises: 0008_lesson_media
Create Date: 2026-12-07 14:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_lesson_video"
down_revision = "0008_lesson_media"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lesson_video",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("captions", sa.Text(), nullable=True),
        sa.Column("captions_name", sa.String(length=200), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lesson_id"], ["lesson.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lesson_video", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_video_lesson_id"), ["lesson_id"], unique=False)


def downgrade():
    with op.batch_alter_table("lesson_video", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_video_lesson_id"))
    op.drop_table("lesson_video")
